"""One headless Chromium per test session, the service and the mock EHR on 127.0.0.1.

The browser is Debian's ``chromium`` driven through ``chromium-driver`` (selenium);
``scripts/browser-test-setup.sh`` installs them when missing and ``make test`` passes the driver
path in ``CDS_TEST_CHROMEDRIVER``. Without a browser these tests skip with the reason, except
under ``CI=true``, where they fail.

Chromium runs with a fresh profile and without any of its own network traffic (no sync,
component updates or background fetches), and every host name except 127.0.0.1 resolves to
nothing: a page that needs the internet fails here as it would on a closed hospital network.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import make_settings
from tests.smart.helpers import MutableClock
from tests.smart.mock_ehr import MockEhr, ThreadedServer

CHROMEDRIVER_ENV = "CDS_TEST_CHROMEDRIVER"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--window-size=1000,900",
)

pytestmark = pytest.mark.browser


def _chromedriver() -> str:
    path = os.environ.get(CHROMEDRIVER_ENV) or shutil.which("chromedriver")
    if path and Path(path).exists() and shutil.which("chromium"):
        return path
    reason = (
        f"no chromium / chromedriver (run scripts/browser-test-setup.sh, or set {CHROMEDRIVER_ENV})"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}: the browser tests must run in CI")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path = _chromedriver()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    browser = webdriver.Chrome(options=options, service=Service(executable_path=path))
    browser.set_page_load_timeout(30)
    yield browser
    browser.quit()


@dataclass
class Stack:
    """The service (``base``) and the mock EHR, both real servers on 127.0.0.1."""

    base: str
    ehr: MockEhr
    clock: MutableClock
    http: httpx.Client


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    from cds.app import create_app

    ehr = MockEhr()
    ehr_server = ThreadedServer()
    ehr.base = ehr_server.start(ehr.asgi())
    app_server = ThreadedServer()
    settings = make_settings(
        tmp_path_factory.mktemp("browser-app"),
        fhir_allowlist=[ehr.fhir],
        smart_launch_url=f"{app_server.base}/app/launch",
        smart_write_back=True,
        fhir_timeout_seconds=3.0,
        fetch_deadline_seconds=6.0,
    )
    clock = MutableClock()
    base = app_server.start(create_app(settings, clock=clock))
    with httpx.Client(base_url=base, timeout=10) as http:
        yield Stack(base=base, ehr=ehr, clock=clock, http=http)
    app_server.stop()
    ehr_server.stop()


@pytest.fixture
def fresh(stack: Stack, driver: Any) -> Stack:
    """Per test: a clean EHR, the clock at real time, no cookies, the console emptied."""
    stack.ehr.serve([], "")
    stack.ehr.tokens.add("ehr-hook-token")
    stack.clock.now = MutableClock().now
    driver.delete_all_cookies()
    driver.get_log("browser")
    driver.get_log("performance")
    return stack


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
