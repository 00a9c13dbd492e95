"""The demo page's inputs: the fixture bundles of this checkout, and its CSRF cookie.

The list is read from the repository's ``fixtures/`` folder (``make run`` runs from the
checkout); an installed copy without it offers pasting a bundle only. A name is accepted only if
it is one of the listed files, so the page cannot be made to read any other path.

The demo has no session, so its forms are protected by a double-submit token: a random value in
an ``HttpOnly``, ``SameSite=Strict`` cookie that the form must repeat.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from pathlib import Path

from fastapi import Request, Response

from cds.fixture_bundle import Fixture, ReplayInputError, load_fixture

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CSRF_COOKIE = "cds_demo_csrf"


def fixture_names(folder: Path = FIXTURES) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(
        p.name.removesuffix(".json")
        for p in folder.glob("*.json")
        if not p.name.endswith(".expected.json")
    )


def load_named(name: str, now: datetime, folder: Path = FIXTURES) -> Fixture:
    """A listed fixture, its dates moved so that its "now" is ``now``."""
    if name not in fixture_names(folder):
        raise ReplayInputError(f"no fixture named {name!r}")
    return load_fixture(folder / f"{name}.json", now=now)


class DemoCsrf:
    def __init__(self, token: str, fresh: bool) -> None:
        self.token = token
        self._fresh = fresh

    @classmethod
    def from_request(cls, request: Request) -> DemoCsrf:
        token = request.cookies.get(CSRF_COOKIE)
        if token and len(token) >= 32:
            return cls(token, fresh=False)
        return cls(secrets.token_urlsafe(32), fresh=True)

    def matches(self, value: object) -> bool:
        return not self._fresh and isinstance(value, str) and hmac.compare_digest(value, self.token)

    def set_on(self, response: Response) -> None:
        if self._fresh:
            response.set_cookie(
                CSRF_COOKIE, self.token, path="/app/demo", httponly=True, samesite="strict"
            )
