"""HTML for the app and the demo page: Jinja templates (autoescaped), card markdown, headers,
and the pages' own URLs.

Card ``detail`` is CDS Hooks GitHub-flavoured markdown; it is rendered with raw HTML disabled
(markdown-it-py, CommonMark plus tables), so a card can never inject markup into the page.

Every page is sent with a strict Content-Security-Policy: scripts, styles and images only from
this service (no inline script or style, nothing from a CDN), forms post only back here, and the
page may be framed only by the EHR origins in ``CDS_SMART_FRAME_ANCESTORS``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from cards.models import Card
from cds.settings import Settings

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def markdown(text: str | None) -> Markup:
    """Card markdown as HTML; raw HTML in the source is shown as text, never interpreted."""
    return Markup(_markdown.render(text or ""))


_env.filters["markdown"] = markdown


def csp(settings: Settings) -> str:
    ancestors = " ".join(settings.smart_frame_ancestors) or "'none'"
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}"
    )


def page(settings: Settings, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    html = _env.get_template(template).render(**values)
    # The service's X-Frame-Options: DENY stays; browsers ignore it when CSP frame-ancestors
    # is present (CSP Level 2), so the EHR origins listed there may still frame the app.
    headers = {"Content-Security-Policy": csp(settings), "Cache-Control": "no-store"}
    return HTMLResponse(html, status_code=status_code, headers=headers)


def message(settings: Settings, title: str, text: str, status_code: int) -> HTMLResponse:
    """A page that only says what went wrong and what to do (never a traceback)."""
    return page(settings, "message.html", status_code, title=title, text=text)


def topic_of(card: Card) -> str:
    topic = card.source.topic
    return topic.code if topic is not None else ""


def own_url(request: Request, settings: Settings, configured: str | None, name: str) -> str:
    """A page's absolute URL: as configured, else under ``CDS_PUBLIC_URL``, else as requested."""
    if configured:
        return configured
    if settings.public_url:
        return settings.public_url.rstrip("/") + str(request.app.url_path_for(name))
    return str(request.url_for(name))
