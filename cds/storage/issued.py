"""Recording issued cards before they are answered, in shared writes (a group commit).

Why before: feedback names only a card's uuid and may reach any worker or replica the moment
the EHR shows the card; the card's topic must be in the database by then, and a worker killed
right after answering must not take unrecorded cards with it. So a call's rows are queued when
its cards are made, and its response is sent only once they are committed
(``cds.handlers.RecordedResponse``). The wait is in the response, after the endpoint returned:
by then the call's request body, records and features are freed, so calls queued behind one
write hold little more than their answers.

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
from collections.abc import Callable, Generator
from typing import Any

logger = logging.getLogger(__name__)

Row = dict[str, Any]
_ATTEMPTS = 3
WAIT_SECONDS = 0.25  # the longest a call waits for its cards' write before it answers anyway


class Recorded:
    """Rows queued for the next shared write. Awaiting it waits until they are committed, or
    at most the writer's bounded wait; the rows stay queued either way."""

    __slots__ = ("_cards", "_wait", "_written")

    def __init__(self, written: asyncio.Future[None] | None, cards: int, wait: float) -> None:
        self._written = written
        self._cards = cards
        self._wait = wait

    def __await__(self) -> Generator[Any, None, None]:
        return self._until_committed().__await__()

    async def _until_committed(self) -> None:
        if self._written is None:
            return
        try:
            # shielded: a caller that gives up (timeout, client gone) leaves its rows queued
            await asyncio.wait_for(asyncio.shield(self._written), self._wait)
        except TimeoutError:
            logger.warning(
                "issued cards not yet recorded when answered", extra={"cards": self._cards}
            )


NOTHING_TO_RECORD = Recorded(None, 0, 0.0)


class IssuedCardWriter:
    """``record`` queues rows at once; awaiting what it returns waits for their commit."""

    def __init__(self, write: Callable[[list[Row]], None], *, wait: float = WAIT_SECONDS) -> None:
        self._write = write  # synchronous: one INSERT .. executemany, run in a thread
        self._wait = wait
        self._queue: list[tuple[list[Row], asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    def record(self, rows: list[Row]) -> Recorded:
        if not rows:
            return NOTHING_TO_RECORD
        loop = asyncio.get_running_loop()
        written: asyncio.Future[None] = loop.create_future()
        self._queue.append((rows, written))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain())
        return Recorded(written, len(rows), self._wait)

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
