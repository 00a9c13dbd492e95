"""The app's pages under ``/app``: launch, callback, assessment and save (the demo page is
``cds.smart.demo_page``).

Every page answers in HTML with a sentence a clinician can act on; no error here renders a
traceback or the service's JSON errors. Nothing about the patient or the token is logged: the
request log line carries the path only (the launch's query string is dropped by the service's
log redaction), and this module logs nothing itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from cds.errors import CdsError
from cds.settings import Settings
from cds.smart import answers as ans
from cds.smart import demo_page
from cds.smart import launch as smart
from cds.smart.assess import Assessment, app_settings, assess_chart, user_reference
from cds.smart.render import STATIC, message, own_url, page, topic_of
from cds.smart.sessions import COOKIE, COOKIE_PATH, Session, SessionStore
from cds.state import AppState, Clock, get_state

router = APIRouter(prefix="/app", include_in_schema=False)
FormData = dict[str, Any]


def install_smart(app: FastAPI, settings: Settings, clock: Clock) -> None:
    """Mount the app's routes and assets; sessions live as long as the app object."""
    app.state.smart_sessions = SessionStore(
        timedelta(minutes=settings.smart_session_minutes), clock
    )
    app.include_router(router)
    app.include_router(demo_page.router)
    app.mount("/app/static", StaticFiles(directory=STATIC), name="smart-static")


def _sessions(request: Request) -> SessionStore:
    store: SessionStore = request.app.state.smart_sessions
    return store


def _set_cookie(response: Response, request: Request, session: Session) -> None:
    response.set_cookie(
        COOKIE,
        session.id,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def _expired(settings: Settings) -> Response:
    return message(
        settings,
        "Session expired",
        "This assessment session has expired or was never started here. Open the card in the "
        "EHR and launch the app again.",
        401,
    )


# --- launch -----------------------------------------------------------------------------


@router.get("/launch", name="smart_launch")
async def launch(request: Request, iss: str = "", launch: str = "") -> Response:
    state = await get_state(request)
    settings = state.settings
    if not iss or not launch:
        return message(
            settings,
            "Launch from the EHR",
            "This app opens from a card in the EHR (SMART EHR launch: 'iss' and 'launch' are "
            "missing). To see the service without an EHR, use the demo page.",
            400,
        )
    try:
        smart.caller_for(iss, settings)
        redirect_uri = own_url(request, settings, settings.smart_redirect_uri, "smart_callback")
        started = await smart.start(state.http, settings, iss, launch, redirect_uri)
    except smart.LaunchError as exc:
        return message(settings, "The app cannot start", exc.message, 502)
    session = _sessions(request).create()
    session.launch = started
    response = RedirectResponse(started.authorize_url, status_code=302)
    _set_cookie(response, request, session)
    return response


@router.get("/callback", name="smart_callback")
async def callback(request: Request, code: str = "", state: str = "", error: str = "") -> Response:
    app_state = await get_state(request)
    settings = app_state.settings
    store = _sessions(request)
    session = store.get(request.cookies.get(COOKIE))
    if session is None:
        return _expired(settings)
    if error:
        store.drop(session)
        return message(
            settings,
            "Sign-in refused",
            "The EHR's authorization server did not authorise the app. Launch it again from "
            "the card, or ask the EHR's administrators whether it is registered.",
            403,
        )
    try:
        started = smart.check_state(session.launch, state)
        if not code:
            raise smart.LaunchError("The sign-in answer carried no authorization code.")
        grant, lifetime = await smart.finish(app_state.http, settings, started, code)
    except smart.LaunchError as exc:
        store.drop(session)
        return message(settings, "Sign-in failed", exc.message, 400)
    session.launch = None
    session.grant = grant
    session.iss = started.iss
    store.shorten(session, lifetime)
    return RedirectResponse(request.app.url_path_for("smart_assess"), status_code=303)


# --- assessment -------------------------------------------------------------------------


async def _assess(
    request: Request, app_state: AppState, session: Session, extra: list[dict[str, Any]]
) -> Assessment | Response:
    settings = app_state.settings
    grant = session.grant
    assert grant is not None and session.iss is not None
    launch_url = own_url(request, settings, settings.smart_launch_url, "smart_launch")
    try:
        caller = smart.caller_for(session.iss, settings)
        return await assess_chart(
            app_state,
            app_settings(settings, launch_url),
            iss=session.iss,
            token=grant.access_token.get_secret_value(),
            patient=grant.patient,
            user=user_reference(grant.fhir_user, session.iss),
            caller=caller,
            extra=extra,
        )
    except smart.LaunchError as exc:
        return message(settings, "The app cannot read this chart", exc.message, 403)
    except CdsError as exc:
        return message(
            settings,
            "The chart could not be read",
            "The EHR's FHIR server did not answer the app's searches, so no decision can be "
            f"shown (nothing was guessed from a partial record). Detail: {exc.message}",
            502,
        )


def _session(request: Request) -> Session | None:
    session = _sessions(request).get(request.cookies.get(COOKIE))
    if session is None or session.grant is None:
        return None
    return session


def _render(
    settings: Settings,
    session: Session,
    result: Assessment,
    answers: ans.Answers,
    *,
    asked: tuple[str, ...] = (),
    saved: list[str] | None = None,
    note: str = "",
) -> Response:
    grant = session.grant
    assert grant is not None
    writable = settings.smart_write_back and smart.can_write(grant.scope)
    to_ask = asked or result.context.undocumented
    return page(
        settings,
        "assess.html",
        result=result,
        answers=answers,
        values=answers.as_form(),
        ask=to_ask,
        exam_items=[item for item in ans.EXAM_ITEMS if item.key in to_ask],
        ask_calf=ans.CALF_KEY in to_ask,
        ask_alternative=ans.ALTERNATIVE_KEY in to_ask,
        alternatives=ans.ALTERNATIVES,
        leg=answers.leg or result.context.leg or session.leg,
        leg_known=(result.context.leg or session.leg) is not None,
        writable=writable,
        csrf=session.csrf,
        saved=saved,
        note=note,
        topic_of=topic_of,
        to_document=_to_document(answers),
    )


def _to_document(answers: ans.Answers) -> list[str]:
    items = [
        f"{item.question}: {'present' if answers.exam[item.key] else 'absent'}"
        for item in ans.EXAM_ITEMS
        if item.key in answers.exam
    ]
    for side, cm in (("Left", answers.calf_left_cm), ("Right", answers.calf_right_cm)):
        if cm is not None:
            items.append(f"{side} calf circumference 10 cm below the tibial tuberosity: {cm} cm")
    if answers.alternative is not None:
        entry = ans.ALTERNATIVES[answers.alternative]
        items.append(f"Diagnosis judged at least as likely as DVT: {entry.display}")
    return items


@router.get("/assess", name="smart_assess")
async def assess(request: Request) -> Response:
    app_state = await get_state(request)
    session = _session(request)
    if session is None:
        return _expired(app_state.settings)
    result = await _assess(request, app_state, session, [])
    if isinstance(result, Response):
        return result
    session.leg = result.context.leg
    answers = ans.Answers(leg=result.context.leg)
    return _render(app_state.settings, session, result, answers)


def _answers_and_extra(
    session: Session, form: FormData, now: datetime, leg: str | None
) -> tuple[ans.Answers, list[dict[str, Any]]]:
    grant = session.grant
    assert grant is not None
    answers = ans.read_answers(form, leg)
    performer = grant.fhir_user
    extra = ans.observations(answers, patient=grant.patient, performer=performer, now=now)
    condition = ans.alternative_condition(
        answers, patient=grant.patient, performer=performer, now=now
    )
    return answers, extra + ([condition] if condition else [])


async def read_form(request: Request) -> FormData:
    return dict((await request.form()).items())


async def _posted(request: Request) -> tuple[AppState, Session, FormData] | Response:
    """The session's state and form of a POST, or the page saying why it cannot be used."""
    app_state = await get_state(request)
    session = _session(request)
    if session is None:
        return _expired(app_state.settings)
    form = await read_form(request)
    if not session.csrf_ok(form.get("csrf")):
        text = "Reload the page and answer again."
        return message(app_state.settings, "Form expired", text, 403)
    return app_state, session, form


@router.post("/assess")
async def update(request: Request) -> Response:
    """The decision with the answers so far (nothing is written)."""
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    app_state, session, form = posted
    settings = app_state.settings
    asked = tuple(str(k) for k in str(form.get("asked", "")).split() if k)
    answers, extra = _answers_and_extra(session, form, app_state.clock(), _leg(form, session))
    result = await _assess(request, app_state, session, extra)
    if isinstance(result, Response):
        return result
    return _render(settings, session, result, answers, asked=asked)


def _leg(form: FormData, session: Session) -> str | None:
    leg = form.get("leg")
    return leg if leg in ans.LATERALITY else session.leg


@router.post("/save")
async def save(request: Request) -> Response:
    """Create one Observation per answered item, then show the decision the record now gives."""
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    app_state, session, form = posted
    settings = app_state.settings
    grant = session.grant
    assert grant is not None and session.iss is not None
    if not (settings.smart_write_back and smart.can_write(grant.scope)):
        return message(
            settings,
            "Not saved",
            "The app may not write to this record (no write scope). Nothing was saved: "
            "document the findings in the EHR.",
            403,
        )
    answers = ans.read_answers(form, _leg(form, session))
    if answers.errors:
        return message(settings, "Not saved", " ".join(answers.errors), 400)
    created = ans.observations(
        answers, patient=grant.patient, performer=grant.fhir_user, now=app_state.clock()
    )
    saved: list[str] = []
    for resource in created:
        resource.pop("id", None)
        ident = await _create(app_state.http, session.iss, grant.access_token, resource)
        if ident is None:
            return message(
                settings,
                "Not saved",
                f"The EHR's FHIR server refused or did not answer ({len(saved)} of "
                f"{len(created)} findings were saved). Check the record before trying again.",
                502,
            )
        saved.append(ident)
    session.saved.extend(saved)
    result = await _assess(request, app_state, session, [])
    if isinstance(result, Response):
        return result
    note = ""
    if answers.alternative is not None:
        note = (
            "The diagnosis you judged at least as likely is not written by this app: record it "
            "as an encounter diagnosis in the EHR."
        )
    return _render(settings, session, result, ans.Answers(leg=answers.leg), saved=saved, note=note)


async def _create(
    http: httpx.AsyncClient, iss: str, token: Any, resource: dict[str, Any]
) -> str | None:
    url = iss.rstrip("/") + "/Observation"
    headers = {
        "Authorization": f"Bearer {token.get_secret_value()}",
        "Content-Type": "application/fhir+json",
        "Accept": "application/fhir+json",
    }
    try:
        response = await http.post(url, content=orjson.dumps(resource), headers=headers)
    except httpx.HTTPError:
        return None
    if response.status_code not in (200, 201):
        return None
    location = response.headers.get("location", "")
    ident = location.split("/_history/")[0].rsplit("/", 1)[-1] if location else ""
    return ident or "created"
