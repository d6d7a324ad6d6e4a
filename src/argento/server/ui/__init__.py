"""The web UI (SPEC §2.11): static ES modules and CSS shipped in the wheel, served by ``argento server``.

The UI is a single page: every page URL (Argo UI's ``/workflows/{namespace}/{name}`` and friends, plus our
``/models`` and ``/serving`` pages) answers the same ``index.html`` and the browser-side router picks the page.
Assets live under ``/ui/``. Pages and assets hold no data, so they are served without a token even in
``client`` auth mode: the login page must load before there is a token, and every API call the page then
makes is authenticated (the ``authorization`` cookie).

There is no build step: the files under ``static/`` are the files the browser runs.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"
ASSETS_PREFIX = "/ui"

#: Page URLs of the single-page app. Argo UI's paths come first so the links Hera prints work; ``/serving``
#: (deployments) stays clear of the gateway's ``/deployments/<name>/<route>``.
PAGES = (
    "/",
    "/login",
    "/workflows",
    "/workflows/{namespace}",
    "/workflows/{namespace}/{name}",
    "/workflow-templates",
    "/workflow-templates/{namespace}",
    "/workflow-templates/{namespace}/{name}",
    "/cluster-workflow-templates",
    "/cluster-workflow-templates/{name}",
    "/cron-workflows",
    "/cron-workflows/{namespace}",
    "/cron-workflows/{namespace}/{name}",
    "/archived-workflows",
    "/archived-workflows/{namespace}",
    "/archived-workflows/{namespace}/{uid}",
    "/models",
    "/models/{name}",
    "/serving",
    "/serving/{name}",
)

_PAGE_PATTERN = re.compile("^(?:" + "|".join(re.sub(r"{\w+}", "[^/]+", p) for p in PAGES) + ")/?$")


def is_ui_path(path: str) -> bool:
    """Whether ``path`` is a UI page or asset (public in every auth mode: they carry no data)."""
    return path.startswith(ASSETS_PREFIX + "/") or bool(_PAGE_PATTERN.match(path))


async def _index(request: Request) -> Response:
    # no-cache: the shell is tiny and must pick up new asset versions right after an upgrade.
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def ui_routes() -> list[BaseRoute]:
    """The UI's routes, to be appended after the API routes of the server app."""
    routes: list[BaseRoute] = [Route(p, _index, methods=["GET"]) for p in PAGES]
    routes.append(Mount(ASSETS_PREFIX, StaticFiles(directory=STATIC), name="ui"))
    return routes
