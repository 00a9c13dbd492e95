"""A full fixture replay logs no patient data and no access token.

Every log record of a replay of all fixtures (both with prefetch and fetched from the fake FHIR
server with a bearer token) is captured at DEBUG, through caplog and a root handler with the
service's own JSON formatter, and searched for each patient's id, names, MRN and birth date, the
access token and the clinical values (value with unit) in the bundles.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from cds.logging import JsonFormatter
from tests.fakes.fhir_server import TOKEN
from tests.replay.helpers import CASES, load, replay_fetched, replay_prefetched


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.formatter_ = JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.formatter_.format(record))
        self.lines.append(record.getMessage())


def _secrets(resources: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for r in resources:
        if r["resourceType"] == "Patient":
            found |= {r["id"], *(i["value"] for i in r.get("identifier", []))}
            found |= {r["birthDate"]} if "birthDate" in r else set()
            for name in r.get("name", []):
                found |= {name["family"], *name.get("given", [])}
        quantity = r.get("valueQuantity")
        if quantity:
            value = quantity["value"]
            found |= {f"{value} {quantity['unit']}", f"{value}{quantity['unit']}"}
    return found


async def test_full_replay_logs_nothing_identifying(caplog: pytest.LogCaptureFixture) -> None:
    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    caplog.set_level(logging.DEBUG)
    secrets = {TOKEN}
    try:
        for path in CASES:
            fixture = load(path)
            secrets |= _secrets(fixture.resources)
            await replay_prefetched(fixture)
            await replay_fetched(fixture)
    finally:
        root.removeHandler(handler)
    text = "\n".join([*handler.lines, caplog.text, *(r.getMessage() for r in caplog.records)])
    assert "hookInstance" in text, "the replay produced no request log lines to check"
    leaked = sorted(s for s in secrets if s in text)
    assert leaked == []
