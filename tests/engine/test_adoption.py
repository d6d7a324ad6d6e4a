"""Adoption (SPEC §6 R1): an engine restarted on stored nodes adopts the Pod nodes it finds unfinished.

The executor is the fake with an ``adopt`` script: what an earlier engine's step became (ended with a
recorded result, lost, never started). A restored unfinished Pod node is never started again when its step
started; its recorded result is used; a lost one is an Error with Argo's ``pod deleted`` (operator.go,
``podReconciliation``); fresh nodes and finished ones are never offered for adoption.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from argento.config import Settings
from argento.engine import RunOptions, WorkflowRunner
from argento.engine.state import WorkflowState
from argento.executors.base import PodSpec, StepLost, StepResult
from argento.executors.fake import FakeExecutor, FakeHandle

WF = {
    "metadata": {"name": "adopt", "namespace": "argo", "uid": "uid-1"},
    "spec": {
        "entrypoint": "main",
        "templates": [
            {
                "name": "main",
                "steps": [
                    [{"name": "a", "template": "t"}],
                    [{"name": "b", "template": "t"}],
                    [{"name": "c", "template": "t"}],
                ],
            },
            {
                "name": "t",
                "outputs": {"parameters": [{"name": "out", "valueFrom": {"path": "/tmp/out"}}]},
                "script": {"image": "alpine", "command": ["sh"], "source": "echo ran"},
            },
        ],
    },
}


class Adopter(FakeExecutor):
    """The fake executor, plus what ``adopt`` finds for each pod (by its template's step name)."""

    def __init__(self, found: Callable[[PodSpec], StepResult | Exception | None]) -> None:
        super().__init__(
            lambda pod: StepResult(exit_code=0, result="ran"), files=lambda pod: {"/tmp/out": "fresh"}
        )
        self.found = found
        self.offered: list[str] = []

    async def adopt(self, pod: PodSpec) -> FakeHandle | None:
        self.offered.append(pod.env["ARGO_POD_NAME"])
        outcome = self.found(pod)
        if outcome is None:
            return None
        if isinstance(outcome, Exception):
            raise outcome
        handle = FakeHandle(self, pod)
        handle._settle(outcome)
        handle.host_path("/tmp/out").write_text("recorded")  # what the earlier run of the step wrote
        return handle

    def detach(self) -> None:
        pass


def _stored(settings: Settings) -> dict[str, Any]:
    """The nodes of a run interrupted in step ``b`` (``a`` done; ``b`` Running; ``c`` not reached)."""
    executor = FakeExecutor(
        lambda pod: StepResult(exit_code=0, result="ran"), files=lambda pod: {"/tmp/out": "x"}
    )

    async def go() -> dict[str, Any]:
        runner = WorkflowRunner(_wf(), RunOptions(settings=settings, executor=executor))
        return await runner.run()

    nodes = asyncio.run(go())["status"]["nodes"]
    kept = {}
    for nid, node in nodes.items():
        if node["displayName"] == "c" or (node["type"] == "StepGroup" and node["name"].endswith("[2]")):
            continue
        node = dict(node)
        if node["displayName"] in ("b", "adopt", "[1]"):
            node.update(phase="Running", finishedAt=None, outputs=None, message="")
            node["children"] = [
                c for c in node.get("children") or [] if c in nodes and nodes[c]["displayName"] != "[2]"
            ]
        kept[nid] = node
    return kept


def _wf() -> dict[str, Any]:
    import copy

    return copy.deepcopy(WF)


def _resume(settings: Settings, executor: Adopter, nodes: dict[str, Any]) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        state = WorkflowState("adopt", nodes=nodes)
        runner = WorkflowRunner(_wf(), RunOptions(settings=settings, executor=executor), state=state)
        return await runner.run()

    return asyncio.run(go())


def _by_name(wf: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["displayName"]: n for n in wf["status"]["nodes"].values()}


def test_a_step_that_ended_meanwhile_gets_its_recorded_result_and_does_not_run_again(
    settings: Settings,
) -> None:
    executor = Adopter(lambda pod: StepResult(exit_code=0, result="recorded"))
    wf = _resume(settings, executor, _stored(settings))
    assert wf["status"]["phase"] == "Succeeded"
    nodes = _by_name(wf)
    assert nodes["b"]["outputs"]["result"] == "recorded"
    assert nodes["b"]["outputs"]["parameters"][0]["value"] == "recorded"
    assert [p.node_id for p in executor.started] == [nodes["c"]["id"]]  # only `c` ran
    assert len(executor.offered) == 1  # only the restored unfinished node was offered; `a` and `c` were not


def test_a_failed_recorded_step_fails_its_node(settings: Settings) -> None:
    executor = Adopter(lambda pod: StepResult(exit_code=3, message="Error (exit code 3)"))
    wf = _resume(settings, executor, _stored(settings))
    assert _by_name(wf)["b"]["phase"] == "Failed"
    assert _by_name(wf)["b"]["message"].endswith("Error (exit code 3)")
    assert executor.started == []


def test_a_lost_step_is_an_error_never_run_again(settings: Settings) -> None:
    executor = Adopter(lambda pod: StepLost("pod deleted: its supervisor is gone"))
    wf = _resume(settings, executor, _stored(settings))
    node = _by_name(wf)["b"]
    assert (node["phase"], node["message"]) == ("Error", "pod deleted: its supervisor is gone")
    assert wf["status"]["phase"] in ("Failed", "Error")
    assert executor.started == []


def test_a_step_that_never_started_is_started(settings: Settings) -> None:
    executor = Adopter(lambda pod: None)
    wf = _resume(settings, executor, _stored(settings))
    assert wf["status"]["phase"] == "Succeeded"
    assert len(executor.started) == 2  # `b` (never started before) and `c`
    assert _by_name(wf)["b"]["outputs"]["parameters"][0]["value"] == "fresh"


def test_a_fresh_run_offers_nothing_for_adoption(settings: Settings) -> None:
    executor = Adopter(lambda pod: None)

    async def go() -> dict[str, Any]:
        return await WorkflowRunner(_wf(), RunOptions(settings=settings, executor=executor)).run()

    assert asyncio.run(go())["status"]["phase"] == "Succeeded"
    assert executor.offered == [] and len(executor.started) == 3


CSET = {
    "metadata": {"name": "cset", "namespace": "argo", "uid": "uid-2"},
    "spec": {
        "entrypoint": "pod",
        "templates": [
            {
                "name": "pod",
                "containerSet": {
                    "containers": [
                        {"name": "prep", "image": "alpine", "command": ["true"]},
                        {"name": "main", "image": "alpine", "command": ["true"], "dependencies": ["prep"]},
                    ]
                },
            }
        ],
    },
}


def _cset_interrupted(settings: Settings) -> dict[str, Any]:
    """A containerSet pod interrupted while its containers ran (every node back to Running)."""
    import copy

    async def go() -> dict[str, Any]:
        executor = FakeExecutor(lambda pod: StepResult(exit_code=0, result="first"))
        return await WorkflowRunner(
            copy.deepcopy(CSET), RunOptions(settings=settings, executor=executor)
        ).run()

    nodes = asyncio.run(go())["status"]["nodes"]
    assert {n["phase"] for n in nodes.values()} == {"Succeeded"}
    for node in nodes.values():
        node.update(phase="Running", finishedAt=None, outputs=None, message="")
    return nodes


def test_a_container_set_adopts_its_containers(settings: Settings) -> None:
    import copy

    ended = Adopter(lambda pod: StepResult(exit_code=0, result=f"recorded {pod.env['ARGO_CONTAINER_NAME']}"))
    started_main = Adopter(
        lambda pod: StepResult(exit_code=0) if pod.env["ARGO_CONTAINER_NAME"] == "prep" else None
    )
    for executor, started in ((ended, []), (started_main, ["main"])):
        nodes = _cset_interrupted(settings)

        async def go(executor: Adopter = executor, nodes: dict[str, Any] = nodes) -> dict[str, Any]:
            state = WorkflowState("cset", nodes=nodes)
            runner = WorkflowRunner(
                copy.deepcopy(CSET), RunOptions(settings=settings, executor=executor), state=state
            )
            return await runner.run()

        wf = asyncio.run(go())
        assert wf["status"]["phase"] == "Succeeded"
        assert [p.env["ARGO_CONTAINER_NAME"] for p in executor.started] == started
        assert len(executor.offered) == 2  # both containers were looked for
    pod = next(n for n in wf["status"]["nodes"].values() if n["type"] == "Pod")
    assert pod["outputs"]["exitCode"] == "0"


DAEMON = {
    "metadata": {"name": "dmn", "namespace": "argo", "uid": "uid-3"},
    "spec": {
        "entrypoint": "main",
        "templates": [
            {
                "name": "main",
                "steps": [[{"name": "d", "template": "server"}], [{"name": "s", "template": "t"}]],
            },
            {"name": "server", "daemon": True, "container": {"image": "alpine", "command": ["serve"]}},
            {"name": "t", "container": {"image": "alpine", "command": ["true"]}},
        ],
    },
}


class RunningHandle:
    """An adopted step that still runs (a daemon): it ends when killed."""

    def __init__(self, pod: PodSpec) -> None:
        self.pod = pod
        self.pid = None
        self.admitted = asyncio.Event()
        self.admitted.set()
        self.killed = False
        self._fut: asyncio.Future[StepResult] = asyncio.get_running_loop().create_future()

    async def wait(self) -> StepResult:
        return await asyncio.shield(self._fut)

    async def kill(self, grace: float = 10.0) -> None:
        self.killed = True
        if not self._fut.done():
            self._fut.set_result(StepResult(exit_code=143, killed=True))

    def host_path(self, container_path: str) -> Any:
        from argento.executors.fake import fake_host_path

        return fake_host_path(self.pod, container_path)


def test_a_daemon_left_running_is_adopted_and_ended_with_its_boundary(settings: Settings) -> None:
    """Argo's daemoned pods outlive the controller and are killed when their boundary ends
    (``killDaemonedChildren`` in operator.go): an adopted daemon is not started again, and it is ended."""
    import copy

    async def first() -> dict[str, Any]:
        executor = FakeExecutor()
        return await WorkflowRunner(
            copy.deepcopy(DAEMON), RunOptions(settings=settings, executor=executor)
        ).run()

    nodes = asyncio.run(first())["status"]["nodes"]
    kept = {}
    for nid, node in nodes.items():
        if node["displayName"] in ("s", "[1]"):
            continue
        if node["displayName"] in ("d", "dmn", "[0]"):
            node.update(phase="Running", finishedAt=None)
        if node["displayName"] == "d":  # still running as a daemon when its engine went away
            node["daemoned"] = True
        node["children"] = [
            c for c in node.get("children") or [] if nodes[c]["displayName"] not in ("s", "[1]")
        ]
        kept[nid] = node
    handles: list[RunningHandle] = []

    class DaemonAdopter(FakeExecutor):
        async def adopt(self, pod: PodSpec) -> RunningHandle:
            handles.append(RunningHandle(pod))
            return handles[-1]

        def detach(self) -> None:
            pass

    executor = DaemonAdopter()

    async def again() -> dict[str, Any]:
        state = WorkflowState("dmn", nodes=kept)
        return await WorkflowRunner(
            copy.deepcopy(DAEMON), RunOptions(settings=settings, executor=executor), state=state
        ).run()

    wf = asyncio.run(again())
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    assert len(handles) == 1 and handles[0].killed  # adopted, then ended with the workflow
    assert [p.template for p in executor.started] == ["t"]  # the daemon was not started again
    assert _by_name(wf)["d"]["phase"] == "Succeeded"
