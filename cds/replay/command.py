"""``cds-triage replay PATH...``: replay fixture bundles and show or check the cards.

Exit codes: 0 fine; 1 a golden differs or is missing (``--check``); 2 bad input (file not
JSON, not a Bundle, no Patient, unknown hook, bad option); 3 the service failed or could not be
reached. Errors are one line each, never a traceback.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import Progress
from rich.syntax import Syntax

from cds.fixture_bundle import HOOKS, Fixture, ReplayInputError, case_name, load_fixture, parse_now
from cds.replay.golden import (
    diff,
    golden_path,
    is_fixture_file,
    normalise,
    read_golden,
    topics,
    write_golden,
)
from cds.replay.render import print_response, summary_table
from cds.replay.transport import InProcessSender, JwtSigner, RemoteSender, ReplayError, Sender

EXIT_DIFFERS = 1
EXIT_INPUT = 2
EXIT_SERVICE = 3


@dataclass(slots=True)
class Outcome:
    fixture: Fixture
    response: dict[str, Any]
    status: str = ""  # "ok" | "differs" | "missing" | "updated" | ""
    diff: str = ""


def register(cli: typer.Typer) -> None:
    """Add ``replay`` to the ``cds-triage`` command group."""
    cli.command("replay")(replay)


def replay(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Fixture bundle files or folders of them.", show_default=False),
    ],
    hook: Annotated[
        str | None, typer.Option(help="Override the fixture's hook: " + "|".join(HOOKS) + ".")
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="Replay against a running service (base URL).")
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(
            help="Replay at this instant (ISO 8601); dates are shifted. With --url the default is "
            "the current time, since a running service judges dates by its own clock."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the responses as JSON.")] = False,
    check: Annotated[bool, typer.Option(help="Fail when a golden file differs.")] = False,
    update: Annotated[bool, typer.Option(help="Rewrite the golden files.")] = False,
) -> None:
    """Replay fixture bundles through the service and print (or check) the cards."""
    out = Console(soft_wrap=False)
    err = Console(stderr=True, soft_wrap=True)
    try:
        moment = parse_now(now) if now else None
        if url and moment is None:
            # A running service uses its real clock: replay the chart as if recorded just now,
            # or every finding would be months old and the service would rightly say nothing.
            moment = datetime.now(UTC).replace(microsecond=0)
        if hook is not None and hook not in HOOKS:
            raise ReplayInputError(f"--hook: unknown hook {hook!r} (use one of {', '.join(HOOKS)})")
        if check and update:
            raise ReplayInputError("--check and --update cannot be combined")
        if update and (moment is not None or hook is not None):
            raise ReplayInputError("--update writes goldens at each fixture's own hook and time")
        files = _expand(paths)
        signer = JwtSigner.from_env() if url else None
    except ReplayInputError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(EXIT_INPUT) from None
    fixtures: list[Fixture] = []
    bad = 0
    for file in files:
        try:
            fixtures.append(load_fixture(file, hook=hook, now=moment))
        except ReplayInputError as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False)
            bad += 1
    if url:
        # A running service has one set of settings; a case that needs its own is reported and
        # the rest still replay.
        for fixture in [f for f in fixtures if f.settings]:
            err.print(
                f"[red]error:[/red] {fixture.name}: needs settings {sorted(fixture.settings)} "
                "that a remote service cannot take per request; replay it in-process",
                highlight=False,
            )
            bad += 1
        fixtures = [f for f in fixtures if not f.settings]
    sender: Sender = RemoteSender(url, signer) if url else InProcessSender()
    try:
        outcomes = asyncio.run(
            _replay_all(sender, fixtures, show_progress=len(fixtures) > 1, err=err)
        )
    except (ReplayError, ReplayInputError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(
            EXIT_INPUT if isinstance(exc, ReplayInputError) else EXIT_SERVICE
        ) from None
    for outcome in outcomes:
        _compare(outcome, check=check, update=update, service_base=url)
    _report(out, outcomes, as_json=as_json, golden=check or update)
    if bad:
        raise typer.Exit(EXIT_INPUT)
    if check and any(o.status in {"differs", "missing"} for o in outcomes):
        for outcome in outcomes:
            if outcome.diff:
                err.print(Syntax(outcome.diff, "diff", theme="ansi_dark", word_wrap=True))
        failed = [o.fixture.name for o in outcomes if o.status in {"differs", "missing"}]
        err.print(f"[red]golden differs:[/red] {', '.join(failed)}", highlight=False)
        raise typer.Exit(EXIT_DIFFERS)


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and is_fixture_file(p))
            if not found:
                raise ReplayInputError(f"{path}: no fixture bundles (*.json) in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ReplayInputError(f"{path}: no such file or folder")
    return files


async def _replay_all(
    sender: Sender, fixtures: list[Fixture], *, show_progress: bool, err: Console
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    async with sender:
        with Progress(console=err, transient=True, disable=not show_progress) as progress:
            task = progress.add_task("Replaying", total=len(fixtures))
            for fixture in fixtures:
                progress.update(task, description=f"Replaying {fixture.name}")
                outcomes.append(Outcome(fixture, await sender.send(fixture)))
                progress.advance(task)
    return outcomes


def _compare(outcome: Outcome, *, check: bool, update: bool, service_base: str | None) -> None:
    if outcome.fixture.path is None or not (check or update):
        return
    target = golden_path(outcome.fixture.path)
    actual = normalise(outcome.response, service_base)
    if update:
        write_golden(target, actual)
        outcome.status = "updated"
        return
    expected = read_golden(target)
    outcome.diff = diff(expected, actual, case_name(outcome.fixture.path))
    outcome.status = "missing" if expected is None else ("differs" if outcome.diff else "ok")


def _report(out: Console, outcomes: list[Outcome], *, as_json: bool, golden: bool) -> None:
    if as_json:
        data: Any = (
            outcomes[0].response
            if len(outcomes) == 1
            else {o.fixture.name: o.response for o in outcomes}
        )
        out.print_json(orjson.dumps(data).decode())
        return
    if len(outcomes) == 1:
        o = outcomes[0]
        print_response(out, o.fixture.name, o.fixture.hook, o.fixture.description, o.response)
        if golden:
            out.print(f"golden: {o.status}")
        return
    rows = [(o.fixture.name, o.fixture.hook, topics(o.response), o.status or "-") for o in outcomes]
    out.print(summary_table(rows))
