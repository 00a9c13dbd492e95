"""The assessment app end to end over HTTP (no browser): card link, EHR launch, sign-in with
PKCE, the questions, saving, and the next hook call; then what goes wrong and how it reads."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from cds.smart.link import read_app_context
from tests.smart.helpers import MutableClock, call_hook, chart, csrf_of, smart_link, topics
from tests.smart.mock_ehr import PRACTITIONER, MockEhr

HOOK_TOKEN = "ehr-hook-token"


async def launch(
    app: httpx.AsyncClient, ehr: MockEhr, browser: httpx.AsyncClient, *, from_card: bool = True
) -> str:
    """Card link -> launch -> sign-in at the EHR -> callback -> the assessment page's HTML."""
    url = "/app/launch"
    if from_card:
        link = smart_link(await call_hook(app, ehr.fhir, HOOK_TOKEN, ehr.patient))
        url = link["url"].removeprefix("http://cds.test")
    started = await app.get(url, params={"iss": ehr.fhir, "launch": ehr.new_launch()})
    assert started.status_code == 302, started.text
    sign_in = await browser.get(started.headers["location"])
    assert sign_in.status_code == 200, sign_in.text
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', sign_in.text))
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
    back = await browser.post(started.headers["location"].split("?")[0], data=fields)
    assert back.status_code == 302
    callback = urlsplit(back.headers["location"])
    done = await app.get(callback.path, params=parse_qs(callback.query))
    assert done.status_code == 303, done.text
    page = await app.get(done.headers["location"])
    assert page.status_code == 200, page.text
    return page.text


def answers(csrf: str, **values: str) -> dict[str, str]:
    return {"csrf": csrf, **values}


ALL_ABSENT = {
    "deep_vein_tenderness": "absent",
    "entire_leg_swollen": "absent",
    "pitting_oedema": "absent",
    "collateral_veins": "absent",
    "calf_left_cm": "37.5",
    "calf_right_cm": "37.0",
}


async def test_card_link_names_the_leg_card_and_undocumented_criteria(
    app: httpx.AsyncClient, ehr: MockEhr, clock: MutableClock
) -> None:
    ehr.serve(*chart("missing-data-wells-range", clock()))
    body = await call_hook(app, ehr.fhir, HOOK_TOKEN, ehr.patient)
    link = smart_link(body)
    assert link["url"] == "http://cds.test/app/launch"
    context = read_app_context(link["appContext"])
    assert context.card == "dvt-ddimer"
    assert context.leg == "left"
    assert set(context.undocumented) >= {
        "deep_vein_tenderness",
        "entire_leg_swollen",
        "calf_swelling",
        "pitting_oedema",
        "collateral_veins",
        "alternative_diagnosis",
    }


async def test_launch_sign_in_answer_save_then_the_hook_gives_dvt_likely(
    app: httpx.AsyncClient, ehr: MockEhr, browser_http: httpx.AsyncClient, clock: MutableClock
) -> None:
    ehr.serve(*chart("missing-data-wells-range", clock()))
    html = await launch(app, ehr, browser_http)
    # The authorization request: PKCE S256, the launch, aud and the scopes with write-back.
    sent = ehr.authorize_requests[-1]
    assert sent["code_challenge_method"] == "S256" and sent["aud"] == ehr.fhir
    assert sent["scope"].split() == [
        "launch",
        "openid",
        "fhirUser",
        "patient/Patient.r",
        "patient/Condition.rs",
        "patient/Observation.rs",
        "patient/Observation.c",
    ]
    assert len(ehr.token_requests[-1]["code_verifier"]) >= 43
    # Only the undocumented criteria are asked; the token is nowhere in the page.
    for key in ("deep_vein_tenderness", "entire_leg_swollen", "pitting_oedema", "collateral_veins"):
        assert f'name="{key}"' in html
    assert 'name="calf_left_cm"' in html and 'name="alternative"' in html
    assert not any(token in html for token in ehr.tokens)
    csrf = csrf_of(html)
    form = answers(csrf, deep_vein_tenderness="present", entire_leg_swollen="present")
    preview = await app.post("/app/assess", data=form)
    assert preview.status_code == 200
    assert 'data-topic="dvt-likely"' in preview.text
    assert ehr.created == []  # showing the decision writes nothing
    saved = await app.post("/app/save", data=form)
    assert saved.status_code == 200, saved.text
    assert "Saved 2 findings" in saved.text
    assert 'data-topic="dvt-likely"' in saved.text
    assert len(ehr.created) == 2
    for obs in ehr.created:
        assert obs["status"] == "final"
        assert obs["performer"] == [{"reference": f"{ehr.fhir}/{PRACTITIONER}"}]
        assert obs["subject"] == {"reference": f"Patient/{ehr.patient}"}
        assert obs["valueBoolean"] is True
        assert {"system": "http://snomed.info/sct", "code": "7771000", "display": "Left"} in obs[
            "bodySite"
        ]["coding"]
        assert obs["effectiveDateTime"] == clock().isoformat()
    codes = {obs["code"]["coding"][0]["code"] for obs in ehr.created}
    assert codes == {"247348008", "449614009"}
    after = await call_hook(app, ehr.fhir, HOOK_TOKEN, ehr.patient)
    assert "dvt-likely" in topics(after)


async def test_all_absent_with_negative_ddimer_gives_msk_guidance(
    app: httpx.AsyncClient, ehr: MockEhr, browser_http: httpx.AsyncClient, clock: MutableClock
) -> None:
    ehr.serve(*chart("muscle-strain-wells-minus-2", clock()))
    before = await call_hook(app, ehr.fhir, HOOK_TOKEN, ehr.patient)
    assert topics(before) == ["dvt-ddimer"]
    html = await launch(app, ehr, browser_http)
    assert 'name="alternative"' not in html  # the strain is already a clinician's diagnosis
    saved = await app.post("/app/save", data=answers(csrf_of(html), **ALL_ABSENT))
    assert saved.status_code == 200, saved.text
    assert len(ehr.created) == 6  # four items and two circumferences
    circumferences = [o for o in ehr.created if "valueQuantity" in o]
    assert sorted(o["valueQuantity"]["value"] for o in circumferences) == [37.0, 37.5]
    after = await call_hook(app, ehr.fhir, HOOK_TOKEN, ehr.patient)
    assert topics(after) == ["muscle-strain"]


async def test_calf_difference_is_computed_from_the_symptomatic_leg(
    app: httpx.AsyncClient, ehr: MockEhr, browser_http: httpx.AsyncClient, clock: MutableClock
) -> None:
    ehr.serve(*chart("missing-data-wells-range", clock()))
    html = await launch(app, ehr, browser_http)
    shown = await app.post(
        "/app/assess", data=answers(csrf_of(html), calf_left_cm="41.2", calf_right_cm="37")
    )
    assert "4.2 cm" in shown.text  # left is the symptomatic leg


async def test_alternative_diagnosis_counts_in_the_decision_but_is_not_written(
    app: httpx.AsyncClient, ehr: MockEhr, browser_http: httpx.AsyncClient, clock: MutableClock
) -> None:
    ehr.serve(*chart("missing-data-wells-range", clock()))
    html = await launch(app, ehr, browser_http)
    form = answers(csrf_of(html), **ALL_ABSENT, alternative="calf_tear")
    saved = await app.post("/app/save", data=form)
    assert "record it as an encounter diagnosis" in saved.text
    assert all(o["resourceType"] == "Observation" for o in ehr.created)


# --- what goes wrong ------------------------------------------------------------------


async def test_wrong_state_is_refused(
    app: httpx.AsyncClient, ehr: MockEhr, clock: MutableClock
) -> None:
    ehr.serve(*chart("missing-data-wells-range", clock()))
    started = await app.get("/app/launch", params={"iss": ehr.fhir, "launch": ehr.new_launch()})
    assert started.status_code == 302
    answer = await app.get("/app/callback", params={"code": "x", "state": "not-the-state"})
    assert answer.status_code == 400
    assert "did not match this launch" in answer.text
    assert "Traceback" not in answer.text
    assert ehr.token_requests == [] or ehr.token_requests[-1].get("code") != "x"


async def test_expired_session_asks_to_launch_again(
    app: httpx.AsyncClient, ehr: MockEhr, browser_http: httpx.AsyncClient, clock: MutableClock
) -> None:
    ehr.serve(*chart("missing-data-wells-range", clock()))
    html = await launch(app, ehr, browser_http)
    clock.advance(minutes=31)
    answer = await app.post("/app/assess", data=answers(csrf_of(html)))
    assert answer.status_code == 401
    assert "expired" in answer.text
    assert (await app.get("/app/assess")).status_code == 401


async def test_without_write_scope_nothing_is_written(
    app: httpx.AsyncClient, ehr: MockEhr, browser_http: httpx.AsyncClient, clock: MutableClock
) -> None:
    ehr.serve(*chart("missing-data-wells-range", clock()))
    ehr.drop_scopes = {"patient/Observation.c"}
    html = await launch(app, ehr, browser_http)
    assert "Save to the record" not in html and 'id="read-only"' in html
    form = answers(csrf_of(html), deep_vein_tenderness="present")
    shown = await app.post("/app/assess", data=form)
    assert "What to document" in shown.text
    assert "Localised tenderness along the deep venous system: present" in shown.text
    refused = await app.post("/app/save", data=form)
    assert refused.status_code == 403
    assert ehr.created == []


async def test_fhir_server_down_gives_a_clear_message(
    app: httpx.AsyncClient, ehr: MockEhr, browser_http: httpx.AsyncClient, clock: MutableClock
) -> None:
    ehr.serve(*chart("missing-data-wells-range", clock()))
    html = await launch(app, ehr, browser_http)
    ehr.down = True
    answer = await app.post("/app/assess", data=answers(csrf_of(html)))
    assert answer.status_code == 502
    assert "did not answer" in answer.text and "Traceback" not in answer.text
    relaunch = await app.get("/app/launch", params={"iss": ehr.fhir, "launch": "x"})
    assert relaunch.status_code == 502
    assert "SMART configuration could not be read" in relaunch.text


async def test_csrf_token_is_required(
    app: httpx.AsyncClient, ehr: MockEhr, browser_http: httpx.AsyncClient, clock: MutableClock
) -> None:
    ehr.serve(*chart("missing-data-wells-range", clock()))
    await launch(app, ehr, browser_http)
    for path in ("/app/assess", "/app/save"):
        answer = await app.post(path, data={"csrf": "forged", "deep_vein_tenderness": "present"})
        assert answer.status_code == 403
    assert ehr.created == []


async def test_unregistered_iss_is_refused_before_any_request(
    app: httpx.AsyncClient, ehr: MockEhr
) -> None:
    before = len(ehr.authorize_requests)
    answer = await app.get("/app/launch", params={"iss": "http://127.0.0.1:9/fhir", "launch": "x"})
    assert answer.status_code == 502
    assert "not registered" in answer.text
    assert len(ehr.authorize_requests) == before


@pytest.mark.parametrize("path", ["/app/assess", "/app/launch", "/app/demo"])
async def test_pages_carry_a_strict_csp(app: httpx.AsyncClient, path: str) -> None:
    answer = await app.get(path)
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "default-src 'none'" in policy
    assert "<script>" not in answer.text


async def test_no_token_code_or_patient_data_in_the_logs(
    app: httpx.AsyncClient,
    ehr: MockEhr,
    browser_http: httpx.AsyncClient,
    clock: MutableClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    ehr.serve(*chart("missing-data-wells-range", clock()))
    html = await launch(app, ehr, browser_http)
    await app.post("/app/save", data=answers(csrf_of(html), **ALL_ABSENT))
    assert len(ehr.created) == 6
    logged = caplog.text
    secrets = [*ehr.tokens, *(r["code"] for r in ehr.token_requests)]
    secrets += [r["code_verifier"] for r in ehr.token_requests]
    for secret in secrets:
        assert secret not in logged
    for patient_data in (ehr.patient, "Lachance", "Deborah", "37.5"):
        assert patient_data not in logged


async def test_refused_sign_in_is_explained(
    app: httpx.AsyncClient, ehr: MockEhr, clock: MutableClock
) -> None:
    ehr.serve(*chart("missing-data-wells-range", clock()))
    started = await app.get("/app/launch", params={"iss": ehr.fhir, "launch": ehr.new_launch()})
    assert started.status_code == 302
    answer = await app.get("/app/callback", params={"error": "access_denied", "state": "x"})
    assert answer.status_code == 403
    assert "did not authorise the app" in answer.text
    assert (await app.get("/app/assess")).status_code == 401  # the session is gone


async def test_pe_signs_show_the_pe_card_beside_the_dvt_assessment(
    app: httpx.AsyncClient, ehr: MockEhr, browser_http: httpx.AsyncClient, clock: MutableClock
) -> None:
    ehr.serve(*chart("pe-emergency-dyspnoea-tachycardia", clock()))
    html = await launch(app, ehr, browser_http, from_card=False)
    assert 'data-topic="pe-emergency"' in html
    assert 'class="card card-critical"' in html


async def test_pe_card_links_to_the_app_when_dvt_signs_are_undocumented(
    app: httpx.AsyncClient, ehr: MockEhr, clock: MutableClock
) -> None:
    record, patient = chart("pe-emergency-dyspnoea-tachycardia", clock())
    exam = {"247348008", "449614009", "pitting-oedema", "calf-circumference"}
    kept = [
        r
        for r in record
        if not ({c.get("code") for c in r.get("code", {}).get("coding", [])} & exam)
    ]
    ehr.serve(kept, patient)
    body = await call_hook(app, ehr.fhir, HOOK_TOKEN, ehr.patient)
    (pe,) = [c for c in body["cards"] if c["source"]["topic"]["code"] == "pe-emergency"]
    links = [link for link in pe["links"] if link["type"] == "smart"]
    assert len(links) == 1
    assert "deep_vein_tenderness" in read_app_context(links[0]["appContext"]).undocumented
