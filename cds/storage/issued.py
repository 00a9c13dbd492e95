"""Recording issued cards before they are answered, in shared writes (a group commit).

Why before: feedback names only a card's uuid and may reach any worker or replica the moment
the EHR shows the card; the card's topic must be in the database by then, and a worker killed
right after answering must not take unrecorded cards with it. So a call waits for its cards'
row to be committed, then answers.

Why shared: while one write is in a worker thread, the calls that arrive meanwhile queue their
rows, and the next write takes them all in one ``executemany`` and one transaction. With no load
each call writes at once (no lingering); under load many calls share a commit.

Why bounded: the EHR waits for the answer within a tight budget (about 500 ms), and the cards
matter more than their bookkeeping. A call waits at most ``WAIT_SECONDS`` (a database that slow
is failing); its rows are still written when the database comes back (the summary then finds
the topic of feedback that came first), and a failed write is retried a few times, then counted
in an error log line (counts only, no data). The app's lifespan awaits ``aclose`` before the
engine goes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

Row = dict[str, Any]
_ATTEMPTS = 3
WAIT_SECONDS = 0.25  # the longest a call waits for its cards' write before it answers anyway


class IssuedCardWriter:
    """``record`` queues rows and returns once they are committed (or ``wait`` has passed)."""

    def __init__(self, write: Callable[[list[Row]], None], *, wait: float = WAIT_SECONDS) -> None:
        self._write = write  # synchronous: one INSERT .. executemany, run in a thread
        self._wait = wait
        self._queue: list[tuple[list[Row], asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def record(self, rows: list[Row]) -> None:
        if not rows:
            return
        loop = asyncio.get_running_loop()
        written: asyncio.Future[None] = loop.create_future()
        self._queue.append((rows, written))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain())
        try:
            # shielded: a caller that gives up (timeout, client gone) leaves its rows queued
            await asyncio.wait_for(asyncio.shield(written), self._wait)
        except TimeoutError:
            logger.warning(
                "issued cards not yet recorded when answered", extra={"cards": len(rows)}
            )

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            rows = [row for rows, _ in batch for row in rows]
            for attempt in range(1, _ATTEMPTS + 1):
                try:
                    await asyncio.to_thread(self._write, rows)
                    break
                except Exception as exc:
                    if attempt == _ATTEMPTS:
                        logger.error(
                            "issued cards not recorded",
                            extra={"error": type(exc).__name__, "cards": len(rows)},
                        )
                    else:
                        await asyncio.sleep(0.05 * attempt)
            for _, written in batch:
                if not written.done():
                    written.set_result(None)

    async def aclose(self) -> None:
        """Write every queued row (the lifespan calls it before disposing of the engine)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)
