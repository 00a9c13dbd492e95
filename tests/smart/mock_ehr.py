"""A mock EHR for the assessment app's tests: a SMART authorization server and a FHIR server.

One small Starlette app, run on 127.0.0.1 by ``ThreadedServer`` (uvicorn in a thread), so the
service and a real browser talk to it over real sockets:

- ``/fhir/.well-known/smart-configuration``: SMART discovery.
- ``/auth/authorize``: a sign-in page (a form with one button); posting it redirects back to
  the app with a code, as an EHR's authorization server does. The request must carry PKCE S256,
  the ``launch`` the EHR issued and ``aud`` = the FHIR base.
- ``/auth/token``: checks the code, the redirect URI and the PKCE verifier; answers with an
  access token, the patient, the granted scopes and an ID token carrying ``fhirUser``.
- ``/fhir/...``: reads and searches over a fixture bundle's record (``cds.replay.fhir_query``,
  as the replay's prefetch), bearer token required; ``POST /fhir/Observation`` stores the
  Observation, which later searches then return.

``down = True`` makes every FHIR request answer 503 (discovery included).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

import jwt
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from cds.replay.fhir_query import UnsupportedQuery, evaluate

CLIENT_ID = "calf-triage-assessment"
PRACTITIONER = "Practitioner/pract-smart-1"
FHIR_JSON = "application/fhir+json"


@dataclass
class Pending:
    redirect_uri: str
    challenge: str
    scope: str
    state: str


@dataclass
class MockEhr:
    record: list[dict[str, Any]] = field(default_factory=list)
    patient: str = ""
    base: str = ""  # http://127.0.0.1:PORT (set once running)
    down: bool = False
    drop_scopes: set[str] = field(default_factory=set)  # scopes the user does not grant
    launches: set[str] = field(default_factory=set)
    pending: dict[str, Pending] = field(default_factory=dict)  # code -> request
    tokens: set[str] = field(default_factory=set)
    created: list[dict[str, Any]] = field(default_factory=list)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def fhir(self) -> str:
        return f"{self.base}/fhir"

    def serve(self, record: list[dict[str, Any]], patient: str) -> None:
        self.record = list(record)
        self.patient = patient
        self.created.clear()
        self.down = False
        self.drop_scopes = set()

    def new_launch(self) -> str:
        launch = secrets.token_urlsafe(8)
        self.launches.add(launch)
        return launch

    # --- authorization server ----------------------------------------------------------

    async def configuration(self, request: Request) -> Response:
        if self.down:
            return Response(status_code=503)
        return JSONResponse(
            {
                "authorization_endpoint": f"{self.base}/auth/authorize",
                "token_endpoint": f"{self.base}/auth/token",
                "code_challenge_methods_supported": ["S256"],
                "capabilities": ["launch-ehr", "client-public", "context-ehr-patient"],
            }
        )

    async def authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "GET":
            self.authorize_requests.append(params)
            problem = self._check_authorize(params)
            if problem:
                return HTMLResponse(f"<p id='problem'>{problem}</p>", status_code=400)
            fields = "".join(
                f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                for k, v in params.items()
            )
            return HTMLResponse(
                "<!doctype html><title>Mock EHR sign-in</title><form method='post'>"
                f"{fields}<button id='sign-in' type='submit'>Sign in</button></form>"
            )
        form = dict((await request.form()).items())
        values = {k: str(v) for k, v in form.items()}
        code = secrets.token_urlsafe(16)
        granted = [s for s in values["scope"].split() if s not in self.drop_scopes]
        self.pending[code] = Pending(
            values["redirect_uri"], values["code_challenge"], " ".join(granted), values["state"]
        )
        target = values["redirect_uri"] + "?" + urlencode({"code": code, "state": values["state"]})
        return RedirectResponse(target, status_code=302)

    def _check_authorize(self, params: dict[str, str]) -> str:
        if params.get("client_id") != CLIENT_ID:
            return "unknown client"
        if params.get("response_type") != "code":
            return "response_type must be code"
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return "PKCE S256 required"
        if params.get("launch") not in self.launches:
            return "unknown launch"
        if params.get("aud") != self.fhir:
            return "aud must be the FHIR base"
        if not params.get("state"):
            return "state required"
        return ""

    async def token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.token_requests.append(form)
        pending = self.pending.pop(form.get("code", ""), None)
        if pending is None or form.get("grant_type") != "authorization_code":
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if challenge != pending.challenge or form.get("redirect_uri") != pending.redirect_uri:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        access = secrets.token_urlsafe(24)
        self.tokens.add(access)
        now = int(time.time())
        id_token = jwt.encode(
            {
                "iss": self.base,
                "sub": "clinician-1",
                "aud": CLIENT_ID,
                "iat": now,
                "exp": now + 3600,
                "fhirUser": f"{self.fhir}/{PRACTITIONER}",
            },
            "mock-ehr-signing-key-not-checked-by-the-app",
            algorithm="HS256",
        )
        return JSONResponse(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 3600,
                "scope": pending.scope,
                "patient": self.patient,
                "id_token": id_token,
            }
        )

    # --- FHIR server -------------------------------------------------------------------

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        return header.startswith("Bearer ") and header.removeprefix("Bearer ") in self.tokens

    async def fhir_get(self, request: Request) -> Response:
        if self.down:
            return Response(status_code=503)
        if not self._authorised(request):
            return Response(status_code=401)
        query = request.url.path.removeprefix("/fhir/")
        if request.url.query:
            query += "?" + request.url.query
        try:
            found = evaluate([*self.record, *self.created], query, self.fhir)
        except UnsupportedQuery:
            return Response(status_code=400)
        if found is None:
            return Response(status_code=404)
        return Response(orjson.dumps(found), media_type=FHIR_JSON)

    async def fhir_create(self, request: Request) -> Response:
        if self.down:
            return Response(status_code=503)
        if not self._authorised(request):
            return Response(status_code=401)
        resource = orjson.loads(await request.body())
        if resource.get("resourceType") != "Observation" or "id" in resource:
            return Response(status_code=400)
        ident = f"saved-{len(self.created) + 1}"
        resource["id"] = ident
        self.created.append(resource)
        location = f"{self.fhir}/Observation/{ident}/_history/1"
        return Response(
            orjson.dumps(resource),
            status_code=201,
            media_type=FHIR_JSON,
            headers={"Location": location},
        )

    def asgi(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/fhir/.well-known/smart-configuration", self.configuration),
                Route("/favicon.ico", lambda _: Response(status_code=204)),
                Route("/auth/authorize", self.authorize, methods=["GET", "POST"]),
                Route("/auth/token", self.token, methods=["POST"]),
                Route("/fhir/Observation", self.fhir_create, methods=["POST"]),
                Route("/fhir/{path:path}", self.fhir_get, methods=["GET"]),
            ]
        )


class ThreadedServer:
    """An ASGI app served by uvicorn on 127.0.0.1 in a daemon thread.

    The socket is bound before the app exists (``port``), so an app whose settings must name
    its own URL can be built with it.
    """

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self, app: Any) -> str:
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        server = uvicorn.Server(config)
        self.server = server
        self.thread = threading.Thread(
            target=server.run, kwargs={"sockets": [self.sock]}, name="test-server", daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self.base

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=10)
        self.sock.close()
