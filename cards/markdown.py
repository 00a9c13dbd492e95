"""Markdown pieces for card ``detail`` (GitHub-Flavored Markdown, per the spec).

Cards must explain themselves: the Wells table lists every criterion with its points, its state
(present / absent / not documented) and the evidence, so a clinician can check and correct it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple


class WellsRow(NamedTuple):
    """One Wells criterion as shown on a card (a NamedTuple: immutable, and a card builds a
    dozen of them per request at a third of a frozen dataclass's cost, issue 7)."""

    criterion: str
    points: int  # points the criterion is worth when present
    state: str  # "present" | "absent" | "not documented" | "not asserted" | ...
    scored: int | None  # points counted (None when not documented)
    evidence: str  # "Observation/12 (2026-11-24)", reason for unknown, ...


def cell(text: str) -> str:
    """Make text safe inside a Markdown table cell."""
    return " ".join(text.replace("|", "\\|").split()) or "—"


def signed(points: int) -> str:
    return f"{points:+d}" if points else "0"


def wells_table(rows: Sequence[WellsRow]) -> str:
    lines = [
        "| Criterion | Points | Finding | Counted | Evidence |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        counted = "?" if row.scored is None else signed(row.scored)
        lines.append(
            f"| {cell(row.criterion)} | {signed(row.points)} | {cell(row.state)} | {counted} "
            f"| {cell(row.evidence)} |"
        )
    return "\n".join(lines)


def bullets(items: Iterable[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def section(title: str, body: str) -> str:
    return f"**{title}**\n\n{body}" if body else ""


def join_sections(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


def sources(items: Iterable[tuple[str, str]]) -> str:
    """A 'Sources' line: (label, url) pairs as Markdown links."""
    return "Sources: " + "; ".join(f"[{label}]({url})" for label, url in items)
