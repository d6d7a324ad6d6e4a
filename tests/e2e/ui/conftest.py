"""Browser tests of the web UI: a real ``argento server`` (a subprocess on a free port with its own
``ARGENTO_HOME``) driven by Playwright through Debian's Chromium (``/usr/bin/chromium``; Playwright never
downloads a browser here). Screenshots go to ``$ARGENTO_UI_ARTIFACTS`` or to a folder of pytest's temp dir,
named at the end of the run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from serverconf import ServerProcess

CHROMIUM = os.environ.get("ARGENTO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1440, "height": 900}
_ARTIFACTS: list[Path] = []


class Server(ServerProcess):
    """``argento server`` as a subprocess (``ServerProcess``); ``api`` is an httpx client of it (with the token)."""

    def __init__(self, home: Path, *args: str, token: str = "") -> None:
        super().__init__(home, *args)
        self.env["ARGENTO_SERVER"] = self.url
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.api = httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def start(self, timeout: float = 30.0) -> Server:
        super().start(timeout)
        return self

    def stop(self) -> None:
        self.api.close()
        super().stop()

    # -- API helpers -------------------------------------------------------------------------------
    def submit(self, workflow: dict[str, Any], ns: str = "argo") -> dict[str, Any]:
        r = self.api.post(f"/api/v1/workflows/{ns}", json={"namespace": ns, "workflow": workflow})
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def wait_phase(
        self,
        name: str,
        phases: tuple[str, ...] = ("Succeeded", "Failed", "Error"),
        ns: str = "argo",
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            wf = self.api.get(f"/api/v1/workflows/{ns}/{name}").json()
            if (wf.get("status") or {}).get("phase") in phases:
                return wf  # type: ignore[no-any-return]
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} is still {wf.get('status', {}).get('phase')}")
            time.sleep(0.1)


def _chromium_missing() -> str:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return ""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright.

    Module-scoped on purpose: Playwright's sync API keeps an asyncio loop running in the main thread while
    it is open, and every later ``asyncio.run()`` in the session would fail ("cannot be called from a
    running event loop"). Closing it after each module keeps the rest of the suite independent.
    """
    missing = _chromium_missing()
    if missing:
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def chromium() -> tuple[str, list[str]]:
    """The Chromium executable and the arguments the suite launches it with (to launch one more)."""
    return CHROMIUM, list(CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the browser suite (server auth mode, local executor)."""
    home = tmp_path_factory.mktemp("ui-home")
    srv = Server(home).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def server_class() -> type[Server]:
    """:class:`Server`, for tests that need a server of their own (another auth mode)."""
    return Server


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots and measurements go."""
    chosen = os.environ.get("ARGENTO_UI_ARTIFACTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("ui-screenshots")
    path.mkdir(parents=True, exist_ok=True)
    _ARTIFACTS.append(path)
    return path


@pytest.fixture
def page(browser: Any, server: Server, artifacts: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context on the suite's server; JavaScript errors fail the test."""
    context = browser.new_context(viewport=VIEWPORT, base_url=server.url)
    context.set_default_timeout(15_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    # The UI runs under a strict Content-Security-Policy: anything it refuses fails the test too.
    pg.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    yield pg
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        pg.screenshot(path=str(artifacts / f"FAILED-{request.node.name}.png"))
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, "rep_" + report.when, report)
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for path in _ARTIFACTS:
        shots = sorted(p.name for p in path.glob("*.png"))
        if shots:
            terminalreporter.write_line(f"UI screenshots ({len(shots)}): {path}")


@pytest.fixture
def snap(page: Any, artifacts: Path) -> Any:
    """``snap("name")`` saves a screenshot of the window as ``<artifacts>/name.png``."""

    def save(name: str) -> Path:
        path = artifacts / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return save
