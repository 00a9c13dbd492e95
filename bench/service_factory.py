"""``uvicorn --factory bench.service_factory:create``: the service from ``CDS_*`` variables.

Used by the benchmark and the profiler only when the ``cds-triage`` console script is missing.
"""

from __future__ import annotations

from fastapi import FastAPI


def create() -> FastAPI:
    from cds.app import create_app
    from cds.settings import Settings

    return create_app(Settings())
