"""Markdown pieces for card ``detail`` (GitHub-Flavored Markdown, per the spec).

Cards explain themselves in tables and lists a clinician can check in seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def cell(text: str) -> str:
    """Make text safe inside a Markdown table cell."""
    return " ".join(text.replace("|", "\\|").split()) or "—"


def signed(points: int) -> str:
    return f"{points:+d}" if points else "0"


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table; every cell is made safe with ``cell``."""
    lines = [
        "| " + " | ".join(cell(h) for h in header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
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
