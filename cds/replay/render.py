"""Showing replayed cards to a person (rich): indicator, summary, topic, detail, suggestions.

The card ``detail`` is Markdown written by the card builders; it already carries the Wells table
(criterion, points, evidence, unknowns), D-dimer value and cut-off and the guideline source, so it
is rendered as Markdown (tables included) rather than re-derived here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

_STYLE = {"critical": "bold white on red", "warning": "bold black on yellow", "info": "bold cyan"}


def card_panel(card: dict[str, Any]) -> Panel:
    indicator = str(card.get("indicator", "info"))
    topic = ((card.get("source") or {}).get("topic") or {}).get("code", "?")
    title = Text.assemble(
        (f" {indicator.upper()} ", _STYLE.get(indicator, "bold")), "  ", (str(topic), "magenta")
    )
    parts: list[Any] = [Text(str(card.get("summary", "")), style="bold")]
    if card.get("detail"):
        parts.append(Markdown(str(card["detail"])))
    suggestions = card.get("suggestions") or []
    if suggestions:
        table = Table(title="Suggestions", show_header=True, header_style="bold", expand=True)
        table.add_column("Suggestion")
        table.add_column("Actions")
        for suggestion in suggestions:
            actions = ", ".join(
                f"{a.get('type')} {((a.get('resource') or {}).get('resourceType') or '')}".strip()
                for a in suggestion.get("actions") or []
            )
            mark = " (recommended)" if suggestion.get("isRecommended") else ""
            table.add_row(f"{suggestion.get('label', '')}{mark}", actions)
        parts.append(table)
    links = card.get("links") or []
    if links:
        parts.append(Text("Links: " + "; ".join(str(link.get("label")) for link in links)))
    return Panel(Group(*parts), title=title, title_align="left", border_style=_border(indicator))


def print_response(
    console: Console, name: str, hook: str, description: str, response: dict[str, Any]
) -> None:
    console.rule(f"[bold]{name}[/bold]  ({hook})")
    if description:
        console.print(Text(description, style="italic"))
    cards = response.get("cards") or []
    if not cards:
        console.print(Text("No cards.", style="dim"))
    for card in cards:
        console.print(card_panel(card))


def summary_table(rows: Sequence[tuple[str, str, list[str], str]]) -> Table:
    """One row per fixture: name, hook, topics, golden status."""
    table = Table(title="Replayed fixtures", show_lines=False)
    table.add_column("Fixture", style="bold", overflow="fold")
    table.add_column("Hook")
    table.add_column("Topics")
    table.add_column("Golden")
    for name, hook, found, status in rows:
        style = {"ok": "green", "differs": "red", "missing": "yellow", "updated": "cyan"}.get(
            status, ""
        )
        table.add_row(name, hook, ", ".join(found) or "(no cards)", Text(status, style=style))
    return table


def _border(indicator: str) -> str:
    return {"critical": "red", "warning": "yellow"}.get(indicator, "cyan")
