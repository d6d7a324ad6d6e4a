"""The UI as the server serves it: page URLs answer the app shell, assets are package data, pages are public
in client auth mode while the API is not, and every ES module import resolves (no build step checks it)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest

from argento.config import Settings
from argento.server import create_app, starlette_app
from argento.server.ui import PAGES, STATIC, is_ui_path

_IMPORT = re.compile(
    r"""(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)"""
)


def get(settings: Settings, paths: list[str], **app_options: object) -> dict[str, httpx.Response]:
    """GET each path on an in-process app (lifespan included)."""

    async def main() -> dict[str, httpx.Response]:
        app = create_app(settings, executor_name="fake", run_crons=False, **app_options)  # type: ignore[arg-type]
        inner = starlette_app(app)
        async with inner.router.lifespan_context(inner):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
                return {p: await client.get(p) for p in paths}

    return asyncio.run(main())


def test_argo_ui_urls_answer_the_app_shell(settings: Settings) -> None:
    paths = [
        "/",
        "/workflows/argo",
        "/workflows/argo/hello-x7k2p",
        "/cron-workflows/argo/nightly",
        "/models/iris",
        "/serving/iris",
        "/login",
    ]
    answers = get(settings, [*paths, "/ui/js/main.js", "/ui/app.css", "/ui/js/nope.js"])
    for path in paths:
        r = answers[path]
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html")
        assert '<script type="module" src="/ui/js/main.js">' in r.text
    assert (
        answers["/ui/js/main.js"]
        .headers["content-type"]
        .startswith(("text/javascript", "application/javascript"))
    )
    assert answers["/ui/app.css"].status_code == 200
    assert answers["/ui/js/nope.js"].status_code == 404


def test_pages_are_public_in_client_mode_but_the_api_is_not(settings: Settings) -> None:
    answers = get(
        settings,
        ["/workflows/argo/x", "/ui/js/api.js", "/api/v1/workflows/argo", "/api/v1/info"],
        auth_mode="client",
    )
    assert answers["/workflows/argo/x"].status_code == 200
    assert answers["/ui/js/api.js"].status_code == 200
    assert answers["/api/v1/workflows/argo"].status_code == 401
    assert answers["/api/v1/info"].status_code == 401


@pytest.mark.parametrize(
    ("path", "ui"),
    [
        ("/", True),
        ("/workflows/argo/wf", True),
        ("/workflows/argo/wf/", True),
        ("/ui/js/main.js", True),
        ("/serving/iris", True),
        ("/api/v1/workflows/argo", False),
        ("/deployments/iris/predict", False),
        ("/artifact-files/argo/workflows/wf/n/outputs/a", False),
        ("/metrics", False),
        ("/workflows/a/b/c", False),
    ],
)
def test_is_ui_path(path: str, ui: bool) -> None:
    assert is_ui_path(path) is ui


def test_every_page_has_a_route_in_the_browser_router() -> None:
    main = (STATIC / "js" / "main.js").read_text()
    routes = {m.group(1) for m in re.finditer(r'route\("([^"]+)"', main)}
    for page in PAGES:
        assert re.sub(r"{(\w+)}", r":\1", page) in routes, page


def test_every_module_import_resolves() -> None:
    modules = sorted(STATIC.rglob("*.js")) + sorted(STATIC.rglob("*.mjs"))
    assert len(modules) > 20
    for module in modules:
        for match in _IMPORT.finditer(module.read_text()):
            spec = match.group(1) or match.group(2)
            if "${" in spec:
                continue
            assert spec.startswith("."), f"{module.name}: bare import {spec!r} (no bundler here)"
            target = (module.parent / spec).resolve()
            assert target.is_file(), f"{module.relative_to(STATIC)} imports missing {spec}"
    pages = {p.stem for p in (STATIC / "js" / "pages").glob("*.js")}
    main = (STATIC / "js" / "main.js").read_text()
    for name in re.findall(r'page\("(\w+)"\)', main):
        assert name in pages, f"main.js routes to missing page module {name}.js"


def test_index_preloads_existing_modules() -> None:
    index = (STATIC / "index.html").read_text()
    for href in re.findall(r'href="/ui/([^"]+)"', index):
        assert (STATIC / href).is_file(), href


def test_static_folder_is_package_data() -> None:
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert '"server/ui/static/**/*"' in pyproject
