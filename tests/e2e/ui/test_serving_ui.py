"""The deployments page against real replicas: flip a canary's weight in the browser and watch the observed
split follow; per-variant charts; promote."""

from __future__ import annotations

import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

SERVICE = """
import os

import argento.serving as s

LABEL = os.environ.get("LABEL", "v1")


@s.service(name="uiecho", traffic={"timeout": 30})
class Echo:
    @s.api
    def predict(self, x: float = 1.0) -> dict:
        return {"label": LABEL, "y": x * 2}
"""


class Load:
    """Requests to the gateway from a thread until stopped; counts answers by label."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.labels: dict[str, int] = {}
        self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self._stop.is_set():
                try:
                    r = client.post(self.url, json={"x": 1})
                    label = r.json().get("label", "?") if r.status_code == 200 else "error"
                except httpx.HTTPError:
                    label = "error"
                self.labels[label] = self.labels.get(label, 0) + 1
                time.sleep(0.005)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)


@pytest.fixture
def canary(server: Any, tmp_path: Path) -> Iterator[str]:
    """A deployment with a main variant (90) and a canary (10), one replica each, ready."""
    if server.api.get("/api/v1/deployments").status_code in (404, 405, 503):
        pytest.skip("the deployments API is not on this server (GET /api/v1/deployments: not found)")
    (tmp_path / "uisvc.py").write_text(textwrap.dedent(SERVICE))
    name = "ui-canary"

    def variant(vname: str, label: str, weight: int) -> dict[str, Any]:
        return {
            "name": vname,
            "service": "uisvc:Echo",
            "working_dir": str(tmp_path),
            "weight": weight,
            "replicas": 1,
            "env": {"LABEL": label},
        }

    r = server.api.post(
        "/api/v1/deployments",
        json={
            "name": name,
            "replicas": 1,
            "variants": [variant("main", "v1", 90), variant("canary", "v2", 10)],
        },
    )
    assert r.status_code == 200, r.text
    r = server.api.get(f"/api/v1/deployments/{name}/wait", params={"timeout": 90}, timeout=100)
    assert r.status_code == 200, r.text
    yield name
    server.api.delete(f"/api/v1/deployments/{name}", params={"wait": "true"}, timeout=60)


def observed(page: Any, variant: str) -> float:
    share = page.locator(f".observed [data-variant={variant}]").get_attribute("data-share", timeout=1000)
    return float(share or 0)


def wait_share(page: Any, variant: str, low: float, high: float, timeout: float = 30) -> float:
    deadline = time.monotonic() + timeout
    share = -1.0
    while time.monotonic() < deadline:
        if page.locator(f".observed [data-variant={variant}]").count():
            share = observed(page, variant)
            if low <= share <= high:
                return share
        page.wait_for_timeout(500)
    raise AssertionError(f"observed share of {variant} stayed at {share}, expected {low}..{high}")


def test_flip_a_canary_weight_and_see_the_split_change(
    page: Any, server: Any, canary: str, snap: Any
) -> None:
    with Load(f"{server.url}/deployments/{canary}/predict") as load:
        page.goto(f"/serving/{canary}")
        expect(page.locator(".page-head h1")).to_have_text(canary)
        expect(page.locator(".page-head .badge")).to_have_attribute("data-phase", "Available")
        configured = page.locator(".split").first
        expect(configured.locator("[data-variant=canary]")).to_have_attribute("data-share", "10.0")
        expect(page.locator("table.grid").nth(1)).to_contain_text("ready")  # replicas and their health
        wait_share(page, "canary", 3, 20)
        snap("30-canary-10")

        page.get_by_label("weight of main").fill("50")
        page.get_by_label("weight of canary").fill("50")
        page.locator("button[data-action=apply-weights]").click()
        expect(configured.locator("[data-variant=canary]")).to_have_attribute("data-share", "50.0")
        view = server.api.get(f"/api/v1/deployments/{canary}").json()
        assert view["status"]["traffic"] == {"main": 50.0, "canary": 50.0}
        share = wait_share(page, "canary", 35, 65)
        expect(page.locator(".chart .legend").first).to_contain_text("canary")
        snap("31-canary-50")

        page.locator("button[data-promote=canary]").click()
        page.locator("dialog").get_by_role("button", name="Promote").click()
        # The promoted canary becomes the deployment's main variant (issue 17.10).
        expect(page.locator(".split").first.locator("[data-variant=main]")).to_have_attribute(
            "data-share", "100.0", timeout=15_000
        )
        expect(page.locator(".split").first.locator("[data-variant=canary]")).to_have_count(0)
        page.goto("/serving")
        card = page.locator(".card", has_text=canary)
        expect(card).to_contain_text("main 100%")
        snap("32-deployments")
    assert load.labels.get("v2", 0) > 0 and load.labels.get("v1", 0) > 0, load.labels
    assert 35 <= share <= 65  # wait_share returned a share inside this window


CRASHING = """
import argento.serving as s


@s.service(name="uicrash")
class Crash:
    def __init__(self):
        raise RuntimeError("model file missing")

    @s.api
    def predict(self, x: float = 1.0) -> dict:
        return {}
"""


def test_a_crash_looping_deployment_shows_degraded_with_the_reason(
    page: Any, server: Any, tmp_path: Path
) -> None:
    """Issue 14.5: the page says Degraded, why (CrashLoopBackOff, the exit) and the replica's last log lines."""
    if server.api.get("/api/v1/deployments").status_code in (404, 405, 503):
        pytest.skip("the deployments API is not on this server")
    (tmp_path / "uicrash.py").write_text(textwrap.dedent(CRASHING))
    body = {"name": "ui-crash", "replicas": 1, "service": "uicrash:Crash", "working_dir": str(tmp_path)}
    assert server.api.post("/api/v1/deployments", json=body).status_code == 200
    try:
        page.goto("/serving/ui-crash")
        expect(page.locator(".page-head .badge")).to_have_attribute("data-phase", "Degraded", timeout=30_000)
        reason = page.locator("[data-reason=CrashLoopBackOff]")
        expect(reason).to_contain_text("exited with code 1", timeout=15_000)
        assert "model file missing" in (reason.get_attribute("title") or "")
    finally:
        server.api.delete("/api/v1/deployments/ui-crash", params={"wait": "true"}, timeout=60)
