"""The engine's ports: the real artifact driver and step platform implement what the engine calls, and the
runner implements what a template handler may use."""

from __future__ import annotations

import asyncio
import inspect

from argento.artifacts import build_driver
from argento.config import Settings
from argento.engine import RunOptions, WorkflowRunner, ports
from argento.tracking.steps import StepPlatform


def _members(proto: type) -> set[str]:
    return {
        name for name in {*vars(proto), *getattr(proto, "__annotations__", {})} if not name.startswith("_")
    }


def test_the_artifact_driver_and_the_step_platform_implement_their_ports(settings: Settings) -> None:
    driver = build_driver(settings)
    assert isinstance(driver, ports.ArtifactDriver)
    assert isinstance(StepPlatform(settings=settings), ports.StepPlatform)
    for name in _members(ports.ArtifactDriver):  # and with the same coroutine-ness
        assert inspect.iscoroutinefunction(getattr(driver, name)) == inspect.iscoroutinefunction(
            getattr(ports.ArtifactDriver, name)
        ), name


def test_the_runner_offers_everything_of_run_context(settings: Settings) -> None:
    wf = {"metadata": {"name": "ports"}, "spec": {"entrypoint": "main", "templates": []}}
    runner = WorkflowRunner(wf, RunOptions(settings=settings))
    missing = sorted(name for name in _members(ports.RunContext) if not hasattr(runner, name))
    assert missing == []


def test_a_suspension_is_resumed_and_unregistered(settings: Settings) -> None:
    wf = {"metadata": {"name": "ports"}, "spec": {"entrypoint": "main", "templates": []}}
    runner = WorkflowRunner(wf, RunOptions(settings=settings))

    async def go() -> tuple[object, bool, bool]:
        with runner.suspension("ports.s") as fut:
            assert runner.resume("s") == 1
            got = await fut
        return got, runner.set_suspended("ports.s", None), runner.resume() == 0

    assert asyncio.run(go()) == ({"outputs": {}}, False, True)
