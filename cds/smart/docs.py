"""``/docs`` and ``/redoc`` without a CDN: the Swagger UI and ReDoc assets come from the
``fastapi-offline`` package and are served by this service under ``/docs/assets``.

FastAPI's own docs pages load their scripts from a CDN, which a hospital network without
internet access never reaches (the page stays blank). Their routes are replaced here by the same
pages pointing at local copies. The assets sit under ``/docs`` so that they share the docs
pages' treatment by the security middleware (no JWT needed, no API CSP).
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import Route

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_PATH = "/docs/assets"


def install_offline_docs(app: FastAPI) -> None:
    """Replace the docs routes FastAPI created (if any) with pages using local assets."""
    docs_url, redoc_url, openapi_url = app.docs_url, app.redoc_url, app.openapi_url
    if openapi_url is None or (docs_url is None and redoc_url is None):
        return
    replaced = {docs_url, redoc_url}
    app.router.routes[:] = [
        r for r in app.router.routes if not (isinstance(r, Route) and r.path in replaced)
    ]
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS), name="docs-assets")

    if docs_url is not None:

        async def swagger_ui(request: Request) -> HTMLResponse:
            root = request.scope.get("root_path", "")
            return get_swagger_ui_html(
                openapi_url=f"{root}{openapi_url}",
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
                swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
                swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
                swagger_ui_parameters=app.swagger_ui_parameters,
            )

        app.add_route(docs_url, swagger_ui, include_in_schema=False)

    if redoc_url is not None:

        async def redoc(request: Request) -> HTMLResponse:
            root = request.scope.get("root_path", "")
            return get_redoc_html(
                openapi_url=f"{root}{openapi_url}",
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{ASSETS_PATH}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
                with_google_fonts=False,
            )

        app.add_route(redoc_url, redoc, include_in_schema=False)
