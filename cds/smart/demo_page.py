"""The demo page, ``/app/demo`` (only with ``CDS_AUTH=off``): a fixture bundle, chosen from
the list or pasted, answered with the cards the hooks would show, their app link included.

Nothing here reaches an EHR: the bundle is the whole record (``cds.smart.assess.assess_bundle``).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from cds.errors import CdsError
from cds.fixture_bundle import Fixture, ReplayInputError, fixture_from_json
from cds.settings import Settings
from cds.smart.assess import app_settings, assess_bundle
from cds.smart.demo import DemoCsrf, fixture_names, load_named
from cds.smart.render import message, own_url, page, topic_of
from cds.state import AppState, get_state

router = APIRouter(prefix="/app", include_in_schema=False)


def _demo_settings(request: Request, settings: Settings) -> Settings:
    """The demo shows the cards with the app's link, as a site with the app configured sees them."""
    return app_settings(
        settings, own_url(request, settings, settings.smart_launch_url, "smart_launch")
    )


def _no_demo(settings: Settings) -> Response:
    return message(settings, "Not available", "The demo page exists only with CDS_AUTH=off.", 404)


async def _cards(request: Request, app_state: AppState, fixture: Fixture) -> list[Any]:
    return await assess_bundle(app_state, _demo_settings(request, app_state.settings), fixture)


def _page(
    settings: Settings,
    csrf: DemoCsrf,
    *,
    fixture: Fixture | None,
    cards: list[Any] | None,
    problem: str,
    selected: str = "",
    pasted: str = "",
    status_code: int = 200,
) -> Response:
    response = page(
        settings,
        "demo.html",
        names=fixture_names(),
        selected=selected,
        fixture=fixture,
        cards=cards,
        problem=problem,
        pasted=pasted,
        csrf=csrf.token,
        topic_of=topic_of,
        status_code=status_code,
    )
    csrf.set_on(response)
    return response


@router.get("/demo", name="smart_demo")
async def demo(request: Request, fixture: str = "") -> Response:
    app_state = await get_state(request)
    if app_state.settings.auth != "off":
        return _no_demo(app_state.settings)
    csrf = DemoCsrf.from_request(request)
    cards: list[Any] | None = None
    chosen = None
    problem = ""
    if fixture:
        try:
            chosen = load_named(fixture, app_state.clock())
            cards = await _cards(request, app_state, chosen)
        except (ReplayInputError, CdsError) as exc:
            problem = getattr(exc, "message", None) or str(exc)
    return _page(
        app_state.settings, csrf, fixture=chosen, cards=cards, problem=problem, selected=fixture
    )


@router.post("/demo")
async def demo_paste(request: Request) -> Response:
    app_state = await get_state(request)
    settings = app_state.settings
    if settings.auth != "off":
        return _no_demo(settings)
    form = dict((await request.form()).items())
    csrf = DemoCsrf.from_request(request)
    if not csrf.matches(form.get("csrf")):
        return message(settings, "Form expired", "Reload the demo page and paste again.", 403)
    bundle = str(form.get("bundle") or "")
    cards: list[Any] | None = None
    chosen = None
    problem = ""
    try:
        data = orjson.loads(bundle)
        chosen = fixture_from_json(data, name="pasted bundle", now=app_state.clock())
        cards = await _cards(request, app_state, chosen)
    except orjson.JSONDecodeError:
        problem = "The pasted text is not JSON."
    except (ReplayInputError, CdsError) as exc:
        problem = getattr(exc, "message", None) or str(exc)
    return _page(
        settings,
        csrf,
        fixture=chosen,
        cards=cards,
        problem=problem,
        pasted=bundle,
        status_code=400 if problem else 200,
    )
