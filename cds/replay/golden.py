"""Golden files: the expected response for each fixture, stored next to it.

``fixtures/<case>.json`` has its golden in ``fixtures/<case>.expected.json``. A golden holds the
response's cards (and system actions) without volatile parts, so it changes only when what a
clinician would see changes:

- the service's own base URL in links and resource references differs between in-process and
  ``--url`` replays, so it is replaced by ``{service}``;
- anything else in a card is deterministic by contract (uuids derive from hookInstance + topic,
  the clock is the fixture's "now"), so it stays and a change in it shows in the diff.

Goldens are written only by ``cds-triage replay --update``; ``--check`` compares and shows a
unified diff.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import orjson

GOLDEN_SUFFIX = ".expected.json"
_SERVICE_BASES = ("http://replay",)


def golden_path(fixture_path: Path) -> Path:
    return fixture_path.with_name(fixture_path.name.removesuffix(".json") + GOLDEN_SUFFIX)


def is_fixture_file(path: Path) -> bool:
    return path.suffix == ".json" and not path.name.endswith(GOLDEN_SUFFIX)


def normalise(response: dict[str, Any], service_base: str | None = None) -> dict[str, Any]:
    """The golden form of a CDS response."""
    bases = (*_SERVICE_BASES, *((service_base.rstrip("/"),) if service_base else ()))
    kept: dict[str, Any] = {"cards": response.get("cards", [])}
    if response.get("systemActions"):
        kept["systemActions"] = response["systemActions"]
    result: dict[str, Any] = _replace_bases(kept, bases)
    return result


def dumps(data: Any) -> str:
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


def read_golden(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    data = orjson.loads(path.read_bytes())
    return data if isinstance(data, dict) else None


def write_golden(path: Path, golden: dict[str, Any]) -> None:
    path.write_text(dumps(golden), encoding="utf-8")


def diff(expected: dict[str, Any] | None, actual: dict[str, Any], name: str) -> str:
    """A unified diff from the golden to what came out ("" when equal)."""
    before = dumps(expected).splitlines(keepends=True) if expected is not None else []
    after = dumps(actual).splitlines(keepends=True)
    if before == after:
        return ""
    label = f"{name}{GOLDEN_SUFFIX}"
    return "".join(
        difflib.unified_diff(before, after, fromfile=f"golden/{label}", tofile=f"actual/{label}")
    )


def topics(response: dict[str, Any]) -> list[str]:
    """Each card's ``source.topic.code`` (or "?" when a card has none), in card order."""
    found = []
    for card in response.get("cards", []):
        topic = (card.get("source") or {}).get("topic") or {}
        found.append(str(topic.get("code", "?")))
    return found


def _replace_bases(value: Any, bases: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        return {k: _replace_bases(v, bases) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_bases(v, bases) for v in value]
    if isinstance(value, str):
        for base in bases:
            if value.startswith(base):
                return "{service}" + value[len(base) :]
    return value
