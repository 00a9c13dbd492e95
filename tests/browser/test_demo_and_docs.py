"""The demo page and /docs in headless Chromium: every fixture renders without a console error
or a CSP violation, one screenshot per card indicator, and Swagger UI works offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from cds.smart.demo import fixture_names
from tests.browser.conftest import Stack, console_errors

pytestmark = pytest.mark.browser


def test_every_fixture_renders_without_console_errors(
    driver: Any, fresh: Stack, tmp_path: Path
) -> None:
    names = fixture_names()
    assert len(names) >= 30
    shots: dict[str, Path] = {}
    for name in names:
        driver.get(f"{fresh.base}/app/demo?fixture={name}")
        assert not driver.find_elements(By.CSS_SELECTOR, ".notice-problem"), name
        assert driver.find_elements(By.ID, "cards"), name
        assert driver.find_elements(By.CSS_SELECTOR, "script:not([src])") == [], name
        for kind in ("info", "warning", "critical"):
            cards = driver.find_elements(By.CSS_SELECTOR, f".card-{kind}")
            if cards and kind not in shots:
                driver.execute_script("arguments[0].scrollIntoView()", cards[0])
                shots[kind] = tmp_path / f"demo-{kind}.png"
                cards[0].screenshot(str(shots[kind]))
        assert console_errors(driver) == [], name
    assert set(shots) == {"info", "warning", "critical"}
    assert all(path.stat().st_size > 1000 for path in shots.values())


def test_card_detail_markdown_renders_as_a_table(driver: Any, fresh: Stack) -> None:
    driver.get(f"{fresh.base}/app/demo?fixture=missing-data-wells-range")
    rows = driver.find_elements(By.CSS_SELECTOR, ".card-warning .detail table tr")
    assert len(rows) >= 10  # the Wells table: a header and one row per criterion
    assert driver.find_elements(By.CSS_SELECTOR, ".card-warning .suggestions li")


def test_pasted_bundle_renders(driver: Any, fresh: Stack) -> None:
    bundle = (Path(__file__).parents[2] / "fixtures" / "sciatica-radicular-right.json").read_text()
    driver.get(f"{fresh.base}/app/demo")
    driver.find_element(By.TAG_NAME, "summary").click()
    area = driver.find_element(By.ID, "bundle")
    driver.execute_script("arguments[0].value = arguments[1]", area, bundle)
    driver.find_element(By.ID, "paste").click()
    WebDriverWait(driver, 10).until(ec.presence_of_element_located((By.ID, "cards")))
    assert driver.find_elements(By.CSS_SELECTOR, '[data-topic="sciatica"]')
    assert console_errors(driver) == []


def test_inline_script_would_be_blocked(driver: Any, fresh: Stack) -> None:
    """The policy is enforced by the browser, not only sent: an injected script does not run."""
    driver.get(f"{fresh.base}/app/demo")
    driver.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        "document.body.appendChild(s);"
    )
    assert driver.execute_script("return window.ran") is None
    assert any("Content Security Policy" in m for m in console_errors(driver))


def test_docs_render_operations_offline(driver: Any, fresh: Stack) -> None:
    driver.get(f"{fresh.base}/docs")
    WebDriverWait(driver, 20).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))
    assert len(driver.find_elements(By.CSS_SELECTOR, ".opblock")) >= 5
    hosts = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if url.startswith("http"):
                hosts.add(urlsplit(url).hostname)
    assert hosts == {"127.0.0.1"}
