"""The deployment controller on the in-memory backend (tests/deployments/fake_backend.py): no process is started,
so scaling, crash restarts, rolling updates, start failures and re-adoption run in well under a second each."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fake_backend import FakeBackend
from wait import eventually_async

from argento.config import Settings
from argento.deployments.plane import DeploymentPlane
from argento.deployments.state import FileStateStore

SPEC = {"name": "web", "replicas": 3, "variants": [{"name": "main", "service": "svc:Svc", "env": {"V": "1"}}]}


def _plane(settings: Settings, backend: FakeBackend, state: Path) -> DeploymentPlane:
    return DeploymentPlane(
        settings, state=FileStateStore(state), backends={"local": backend}, interval=0.02, probe_interval=0.05
    )


def scenario(
    settings: Settings, tmp_path: Path, body: Callable[[DeploymentPlane, FakeBackend], Awaitable[None]]
) -> None:
    backend = FakeBackend()

    async def main() -> None:
        plane = _plane(settings, backend, tmp_path / "state")
        await plane.start()
        try:
            await body(plane, backend)
        finally:
            await plane.close(stop_replicas=True)

    asyncio.run(main())


async def _ask(plane: DeploymentPlane) -> tuple[int, dict[str, Any]]:
    status, _, payload = await plane.gateway.proxy("web", b"POST", b"/predict", b"", [], b"{}")
    return status, json.loads(payload) if isinstance(payload, bytes) else {}


def test_replicas_start_become_ready_and_serve(settings: Settings, tmp_path: Path) -> None:
    async def body(plane: DeploymentPlane, backend: FakeBackend) -> None:
        await plane.create(SPEC)
        view = await plane.wait("web", timeout=10)
        assert view["status"]["phase"] == "Available" and len(backend.live("web")) == 3
        served = {(await _ask(plane))[1]["replica"] for _ in range(30)}
        assert served <= {r.spec.replica_id for r in backend.live("web")} and len(served) >= 2

    scenario(settings, tmp_path, body)


def test_a_crashed_replica_is_restarted_and_counted(settings: Settings, tmp_path: Path) -> None:
    async def body(plane: DeploymentPlane, backend: FakeBackend) -> None:
        await plane.create(SPEC)
        await plane.wait("web", timeout=10)
        victim = backend.live("web")[0]
        victim.crash(137)
        await eventually_async(
            lambda: plane.view("web")["status"],
            until=lambda s: s["converged"] and s["variants"]["main"]["restarts"] == 1,
            timeout=10,
            what="one restart, converged again",
        )
        assert len(backend.started) == 4 and len(backend.live("web")) == 3 and not victim.alive()

    scenario(settings, tmp_path, body)


def test_scale_down_drains_the_extra_replicas(settings: Settings, tmp_path: Path) -> None:
    async def body(plane: DeploymentPlane, backend: FakeBackend) -> None:
        await plane.create(SPEC)
        await plane.wait("web", timeout=10)
        await plane.scale("web", 1)
        await eventually_async(lambda: len(backend.live("web")) == 1, timeout=10, what="two replicas stopped")
        await plane.wait("web", timeout=10)
        assert sorted(r.stopped_by or "" for r in backend.replicas.values()) == [
            "",
            "signal_stop",
            "signal_stop",
        ]

    scenario(settings, tmp_path, body)


def test_rolling_update_replaces_every_replica_and_keeps_serving(settings: Settings, tmp_path: Path) -> None:
    async def body(plane: DeploymentPlane, backend: FakeBackend) -> None:
        await plane.create(SPEC)
        await plane.wait("web", timeout=10)
        old = {r.spec.template_hash for r in backend.live("web")}
        await plane.update("web", {**SPEC, "variants": [{**SPEC["variants"][0], "env": {"V": "2"}}]})
        answers = []
        while not plane.view("web")["status"]["converged"]:
            answers.append(await _ask(plane))
            await asyncio.sleep(0.01)
        assert answers and all(status == 200 for status, _ in answers)  # never without a ready replica
        new = {r.spec.template_hash for r in backend.live("web")}
        assert len(backend.live("web")) == 3 and new.isdisjoint(old) and len(new) == 1

    scenario(settings, tmp_path, body)


def test_a_failing_start_is_degraded_then_recovers(settings: Settings, tmp_path: Path) -> None:
    async def body(plane: DeploymentPlane, backend: FakeBackend) -> None:
        backend.start_errors.append("image not found")
        await plane.create({**SPEC, "replicas": 1})
        status = await eventually_async(
            lambda: plane.view("web")["status"], until=lambda s: s["phase"] == "Degraded", timeout=10
        )
        assert "could not start: image not found" in status["message"]

    scenario(settings, tmp_path, body)


def test_a_restarted_control_plane_adopts_the_running_replicas(settings: Settings, tmp_path: Path) -> None:
    backend = FakeBackend()

    async def main() -> None:
        first = _plane(settings, backend, tmp_path / "state")
        await first.start()
        await first.create(SPEC)
        await first.wait("web", timeout=10)
        await first.close()  # replicas keep running
        assert len(backend.live("web")) == 3
        second = _plane(settings, backend, tmp_path / "state")
        await second.start()
        try:
            view = await second.wait("web", timeout=10)
            assert view["status"]["phase"] == "Available"
            assert len(backend.started) == 3  # adopted, none started again
            assert (await _ask(second))[0] == 200
        finally:
            await second.close(stop_replicas=True)
        assert backend.live("web") == []

    asyncio.run(main())


def test_a_stored_deployment_the_rules_now_refuse_is_kept_but_not_served(
    settings: Settings, tmp_path: Path, caplog
) -> None:
    """A record saved under older, looser rules (here a shadow percentage over 100) must not stop the control
    plane from starting: the others are served, that one is reported and its record left as it was."""
    from argento.deployments.state import new_record

    state = FileStateStore(tmp_path / "state")
    old = new_record({**SPEC, "name": "legacy", "shadow_percent": 150}, "created")
    state.save(old)
    backend = FakeBackend()

    async def main() -> None:
        plane = _plane(settings, backend, tmp_path / "state")
        await plane.start()
        try:
            await plane.create(SPEC)
            assert (await plane.wait("web", timeout=10))["status"]["phase"] == "Available"
            assert "legacy" not in plane.records and backend.live("legacy") == []
        finally:
            await plane.close(stop_replicas=True)

    with caplog.at_level("WARNING", logger="argento.deployments"):
        asyncio.run(main())
    assert "'legacy' is not loaded" in caplog.text and "shadow_percent" in caplog.text
    kept = {r["name"]: r for r in state.load_all()}
    assert set(kept) == {"legacy", "web"} and kept["legacy"]["revisions"] == old["revisions"]  # nothing lost
