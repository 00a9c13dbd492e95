"""The ``cds-triage`` command: ``serve``, ``migrate``, ``feedback-summary``, ``valuesets`` (and
``replay``).

``serve`` checks the settings that would stop every worker (no ``CDS_PUBLIC_URL`` with auth on),
migrates the database once in the parent process, then starts uvicorn (``cds.server``) with the
``cds.app:app_from_env`` factory, so each of ``--workers N`` processes builds its own app from
the same ``CDS_*`` settings and they share nothing but the database.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Annotated

import orjson
import typer

from cds.logging import configure_logging
from cds.settings import Settings
from cds.storage.db import create_db_engine, migrate
from cds.storage.feedback import FeedbackStore

cli = typer.Typer(
    name="cds-triage",
    help="Calf pain triage CDS Hooks service.",
    no_args_is_help=True,
    add_completion=False,
)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Run the service (settings from CDS_* environment variables)."""
    from cds import server
    from cds.security import audience_bases, validate_trusted_clients

    settings = Settings()
    configure_logging(settings.log_level)
    try:  # each worker would refuse to start; say why once, plainly
        audience_bases(settings)
        validate_trusted_clients(settings.trusted_clients)
    except ValueError as exc:
        typer.echo(f"cds-triage serve: {exc}", err=True)
        raise typer.Exit(2) from exc
    _migrate(settings)
    server.serve(settings, host=host, port=port, workers=workers)


@cli.command("migrate")
def migrate_command() -> None:
    """Bring the database (CDS_DATABASE_URL) to the latest schema."""
    settings = Settings()
    configure_logging(settings.log_level)
    _migrate(settings)


@cli.command("feedback-summary")
def feedback_summary(
    service: Annotated[
        str | None, typer.Option(help="Only this service id (default: all services).")
    ] = None,
) -> None:
    """Print accepted / overridden counts and override reasons per card topic, as JSON."""
    settings = Settings()
    engine = create_db_engine(settings.database_url)
    try:
        migrate(engine)
        summary = FeedbackStore(engine).summary_sync(service)
    finally:
        engine.dispose()
    typer.echo(
        orjson.dumps(
            summary.model_dump(mode="json", exclude_none=True), option=orjson.OPT_INDENT_2
        ).decode()
    )


@cli.command("valuesets")
def valuesets_command(
    out: Annotated[
        Path | None,
        typer.Option(help="Write each ValueSet as <id>.json (FHIR R4, with its expansion) here."),
    ] = None,
) -> None:
    """List the value sets the rules read (id, codes, title, version); optionally write them."""
    from fhir_mappings.terminology import builtin_value_sets

    for vs in builtin_value_sets().values():
        kind = "supplement" if vs.supplement else "public"
        typer.echo(f"{vs.id}\t{len(vs.members)}\t{kind}\t{vs.version}\t{vs.title}")
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{vs.id}.json").write_bytes(
                orjson.dumps(dict(vs.resource), option=orjson.OPT_INDENT_2)
            )


def _migrate(settings: Settings) -> None:
    engine = create_db_engine(settings.database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()


def _register_optional_commands(app: typer.Typer) -> None:
    """``replay`` comes from ``cds.replay`` (the fixtures' module) when it is installed."""
    if importlib.util.find_spec("cds.replay") is None:
        return
    module = importlib.import_module("cds.replay")
    register = getattr(module, "register", None)
    if callable(register):
        register(app)


_register_optional_commands(cli)


def main() -> None:
    cli()
