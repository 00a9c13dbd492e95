"""The assessment app in headless Chromium: launched from the card's link, signed in at the mock
EHR, answered with the keyboard, saved; then the next hook call gives the decided card."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from cds.services import service_id_for
from tests.browser.conftest import Stack, console_errors
from tests.smart.helpers import chart, hook_body, smart_link

pytestmark = pytest.mark.browser
HOOK_TOKEN = "ehr-hook-token"
EXAM_ITEMS = ("deep_vein_tenderness", "entire_leg_swollen", "pitting_oedema", "collateral_veins")


def hook(stack: Stack) -> dict[str, Any]:
    response = stack.http.post(
        f"/cds-services/{service_id_for('patient-view')}",
        json=hook_body(stack.ehr.fhir, HOOK_TOKEN, stack.ehr.patient),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def topics(body: dict[str, Any]) -> list[str]:
    return [card["source"]["topic"]["code"] for card in body["cards"]]


def open_from_card(driver: Any, stack: Stack) -> None:
    """What the EHR does with the card's smart link: open it with iss and launch."""
    link = smart_link(hook(stack))
    query = urlencode({"iss": stack.ehr.fhir, "launch": stack.ehr.new_launch()})
    driver.get(f"{link['url']}?{query}")
    sign_in = WebDriverWait(driver, 10).until(ec.element_to_be_clickable((By.ID, "sign-in")))
    sign_in.send_keys(Keys.ENTER)  # keyboard only
    WebDriverWait(driver, 15).until(ec.presence_of_element_located((By.ID, "cards")))


def choose(driver: Any, name: str, value: str) -> None:
    radio = driver.find_element(By.CSS_SELECTOR, f'input[name="{name}"][value="{value}"]')
    radio.send_keys(Keys.SPACE)  # a radio button is chosen with the space bar
    assert radio.is_selected()


def submit(driver: Any, button: str) -> None:
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, button).send_keys(Keys.ENTER)
    WebDriverWait(driver, 15).until(ec.staleness_of(page))


def test_dvt_likely_after_saving_two_findings(driver: Any, fresh: Stack, tmp_path: Path) -> None:
    fresh.ehr.serve(*chart("missing-data-wells-range", fresh.clock()))
    assert "dvt-ddimer" in topics(hook(fresh))
    open_from_card(driver, fresh)
    assert driver.find_element(By.ID, "save")
    choose(driver, "deep_vein_tenderness", "present")
    choose(driver, "entire_leg_swollen", "present")
    # The decision follows the answers without a button press (nothing is saved by that).
    WebDriverWait(driver, 10).until(
        lambda d: "DVT likely" in d.find_element(By.ID, "decision").text
    )
    assert fresh.ehr.created == []
    driver.save_screenshot(str(tmp_path / "assessment.png"))
    submit(driver, "save")
    assert "Saved 2 findings" in driver.page_source
    assert driver.find_elements(By.CSS_SELECTOR, '[data-topic="dvt-likely"]')
    assert len(fresh.ehr.created) == 2
    assert "dvt-likely" in topics(hook(fresh))
    assert console_errors(driver) == []


def test_msk_guidance_after_a_normal_examination(driver: Any, fresh: Stack) -> None:
    fresh.ehr.serve(*chart("muscle-strain-wells-minus-2", fresh.clock()))
    assert topics(hook(fresh)) == ["dvt-ddimer"]
    open_from_card(driver, fresh)
    for name in (
        "deep_vein_tenderness",
        "entire_leg_swollen",
        "pitting_oedema",
        "collateral_veins",
    ):
        choose(driver, name, "absent")
    driver.find_element(By.ID, "calf_left_cm").send_keys("37.5")
    driver.find_element(By.ID, "calf_right_cm").send_keys("37")
    shown = driver.find_element(By.ID, "calf-difference").text
    assert shown == "0.5 cm"  # computed in the page as the numbers are typed
    submit(driver, "update")
    assert driver.find_elements(By.CSS_SELECTOR, '[data-topic="muscle-strain"]')
    assert fresh.ehr.created == []  # showing the decision writes nothing
    submit(driver, "save")
    assert "Saved 6 findings" in driver.page_source
    assert topics(hook(fresh)) == ["muscle-strain"]
    assert console_errors(driver) == []


def test_wrong_state_shows_a_message(driver: Any, fresh: Stack) -> None:
    fresh.ehr.serve(*chart("missing-data-wells-range", fresh.clock()))
    query = urlencode({"iss": fresh.ehr.fhir, "launch": fresh.ehr.new_launch()})
    driver.get(f"{fresh.base}/app/launch?{query}")  # a session waiting for its sign-in
    driver.get(f"{fresh.base}/app/callback?code=stolen&state=forged")
    text = driver.find_element(By.TAG_NAME, "main").text
    assert "did not match this launch" in text and "Traceback" not in driver.page_source


def test_expired_session_shows_a_message(driver: Any, fresh: Stack) -> None:
    fresh.ehr.serve(*chart("missing-data-wells-range", fresh.clock()))
    open_from_card(driver, fresh)
    fresh.clock.advance(hours=1)
    submit(driver, "update")
    assert "Session expired" in driver.find_element(By.TAG_NAME, "h1").text


def test_without_write_scope_shows_what_to_document(driver: Any, fresh: Stack) -> None:
    fresh.ehr.serve(*chart("missing-data-wells-range", fresh.clock()))
    fresh.ehr.drop_scopes = {"patient/Observation.c"}
    open_from_card(driver, fresh)
    assert not driver.find_elements(By.ID, "save")
    choose(driver, "pitting_oedema", "present")
    submit(driver, "update")
    listed = driver.find_element(By.ID, "to-document").text
    assert "Pitting oedema confined to the symptomatic leg: present" in listed
    assert fresh.ehr.created == []


def test_fhir_server_down_shows_a_message(driver: Any, fresh: Stack) -> None:
    fresh.ehr.serve(*chart("missing-data-wells-range", fresh.clock()))
    open_from_card(driver, fresh)
    fresh.ehr.down = True
    submit(driver, "update")
    text = driver.find_element(By.TAG_NAME, "main").text
    assert "The chart could not be read" in text
    assert "Traceback" not in driver.page_source


def test_readable_at_320_px(driver: Any, fresh: Stack) -> None:
    fresh.ehr.serve(*chart("missing-data-wells-range", fresh.clock()))
    driver.set_window_size(320, 800)
    try:
        open_from_card(driver, fresh)
        width = driver.execute_script("return document.documentElement.scrollWidth")
        viewport = driver.execute_script("return window.innerWidth")
        wide = driver.execute_script(
            "return [...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
            ".map(e => e.tagName + '.' + e.className).slice(0, 5)"
        )
        assert width <= viewport, wide  # no sideways scrolling (wide tables scroll inside)
    finally:
        driver.set_window_size(1000, 900)
