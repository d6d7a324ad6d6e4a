"""``containerSet`` templates: one Pod node whose containers run as a graph inside the pod.

Argo's ``executeContainerSet`` (workflow/controller/container_set_template.go) creates the Pod node and, once
the pod exists, one ``Container`` node per container, named ``<pod node name>.<container name>`` with the Pod
node as boundary. A container without ``dependencies`` is a child of the Pod node; any other is a child of
each container it depends on. In the pod every container's emissary (cmd/argoexec/commands/emissary.go) waits
for its dependencies in order; a dependency that ended non-zero makes it exit 64 with the termination message
``dependency "<name>" exited with non-zero code: <code>``. The controller (``assessNodeStatus`` in
operator.go) marks a container node Running while the pod runs (the emissaries are running, waiting or not),
then Succeeded (exit 0), Error (exit 64) or Failed, with ``<name>: Error (exit code N): <message>``; it
terminates the other containers as soon as one exits non-zero. The pod fails with the first failed
container's message (``inferFailedReason``; containers in name order); outputs come from the container
named ``main`` (``outputs.result`` from its stdout, ``exitCode`` from its exit code) once all have ended.

Locally each container is one `PodSpec` run by the executor (no parallel interface): the pod's volumes
(``emptyDir`` is ``<pod dir>/volumes/<name>``) are shared, each container has its own work dir under
``<pod dir>/containers/<name>`` and its log at ``<pod dir>/<name>.log`` (``main.log`` for ``main``), where
``argento logs -c NAME`` and the log API look for a pod's container. ``containerSet.retryStrategy`` re-runs
a failed container's process in place, ``duration`` apart: ``retries`` retries after the first attempt
(``retries + 1`` attempts in all, as the API reference of ``ContainerSetRetryStrategy`` states).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from argento.engine.durations import parse_duration
from argento.engine.nodes import NodePhase, NodeStatus, NodeType
from argento.engine.pod import DEADLINE_MESSAGE, finish_pod, note_warnings
from argento.engine.podspec import (
    HOSTNAME,
    container_pod_spec,
    pod_timeout,
    raw_inputs,
    template_output_paths,
    volume_mounts,
)
from argento.engine.scope import anystr
from argento.errors import ArgentoError, SpecError
from argento.executors.base import StepResult
from argento.paths import safe_join

if TYPE_CHECKING:
    from argento.engine.call import Call
    from argento.engine.ports import RunContext
    from argento.executors.base import Adopter, PodSpec, StepHandle

MAIN = "main"
#: The emissary's exit code when it fails itself (a dependency failed, the command is not found, …).
EMISSARY_ERROR = 64
#: A container terminated by SIGTERM (the pod is being stopped).
TERMINATED = 143


@dataclass
class _Group:
    """The containers of one pod while it runs."""

    run: RunContext
    call: Call
    pod: NodeStatus
    order: list[str]  # the template's order
    deps: dict[str, list[str]]
    specs: dict[str, PodSpec]
    nodes: dict[str, NodeStatus]
    attempts: int
    retry_delay: float
    ends: dict[str, asyncio.Future[int]] = field(default_factory=dict)
    #: name -> (exit code, termination message) once the container has ended.
    codes: dict[str, tuple[int, str]] = field(default_factory=dict)
    results: dict[str, StepResult] = field(default_factory=dict)
    #: The handle of each container that started (its last attempt): outputs are read through main's.
    handles: dict[str, StepHandle] = field(default_factory=dict)
    running: dict[str, StepHandle] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)
    #: Containers an earlier engine started (a restarted server adopts them instead of starting them).
    adopted: dict[str, StepHandle] = field(default_factory=dict)
    terminating: bool = False
    kills: list[asyncio.Task[Any]] = field(default_factory=list)

    # -- container ends -----------------------------------------------------------------------------------
    def end(self, name: str, code: int, message: str = "") -> None:
        """Record a container's exit (Argo's container-node rule) and wake the containers waiting on it."""
        if name in self.codes:
            return
        self.codes[name] = (code, message)
        node = self.nodes[name]
        state = self.run.state
        if message:  # the emissary prints why it did not run the command (a failed dependency, …)
            _append_log(self.specs[name].log_path, message)
        if code == 0:
            state.mark(node, NodePhase.SUCCEEDED, "")
        else:
            phase = NodePhase.ERROR if code == EMISSARY_ERROR else NodePhase.FAILED
            state.mark(node, phase, f"{name}: Error (exit code {code}): {message}")
        fut = self.ends[name]
        if not fut.done():
            fut.set_result(code)
        if code != 0:
            self.terminate()  # Argo's cleanUpPod: a main container exited non-zero

    def terminate(self) -> None:
        """Argo's ``TerminateContainers``: SIGTERM every container; the ones still waiting exit at once."""
        if self.terminating:
            return
        self.terminating = True
        for name in _topological(self.order, self.deps):
            if name in self.codes or name in self.started:
                continue
            # The emissary waits for its dependencies in order: a failed one ends it with 64, one still
            # running means it is waiting when the signal arrives.
            for dep in self.deps[name]:
                dep_code = self.codes.get(dep, (None, ""))[0]
                if dep_code == 0:
                    continue
                if dep_code is None:
                    self.end(name, TERMINATED)
                else:
                    self.end(name, EMISSARY_ERROR, _dependency_failed(dep, dep_code))
                break
            else:
                self.end(name, TERMINATED)
        for handle in list(self.running.values()):
            self.kills.append(asyncio.ensure_future(handle.kill(grace=2.0)))

    # -- running ------------------------------------------------------------------------------------------
    def mark_running(self, handle: StepHandle) -> None:
        """The pod runs once its first container got its resources: every container's emissary is up."""
        state = self.run.state
        if self.pod.phase is NodePhase.PENDING:
            self.pod.host_node_name = getattr(handle, "host_node_name", "") or HOSTNAME
            state.mark(self.pod, NodePhase.RUNNING)
            ready = self.call.ready
            if ready is not None and not ready.done():
                ready.set_result(self.pod)
        for name in self.order:
            node = self.nodes[name]
            if name not in self.codes and node.phase is NodePhase.PENDING:
                state.mark(node, NodePhase.RUNNING)

    async def run_container(self, name: str) -> None:
        for dep in self.deps[name]:
            dep_code = await self.ends[dep]
            if name in self.codes:
                return  # ended by terminate() while waiting
            if dep_code != 0:
                self.end(name, EMISSARY_ERROR, _dependency_failed(dep, dep_code))
                return
        if name in self.codes:
            return
        if self.terminating:
            self.end(name, TERMINATED)
            return
        self.started.add(name)
        result = StepResult(exit_code=0)
        for attempt in range(self.attempts):
            try:
                handle = self.adopted.pop(name, None) or await self.run.executor.start(self.specs[name])
            except ArgentoError as exc:  # the emissary cannot run the command: exit 64 with the reason
                self.end(name, EMISSARY_ERROR, str(exc))
                return
            note_warnings(self.run, handle)
            self.handles[name] = self.running[name] = handle
            if self.terminating:
                self.kills.append(asyncio.ensure_future(handle.kill(grace=2.0)))
            waiter = asyncio.ensure_future(handle.wait())
            admitted = getattr(handle, "admitted", None)
            if admitted is not None and not admitted.is_set():
                adm = asyncio.ensure_future(admitted.wait())
                await asyncio.wait({adm, waiter}, return_when=asyncio.FIRST_COMPLETED)
                adm.cancel()
            self.mark_running(handle)
            try:
                result = await waiter
            except ArgentoError as exc:  # how it ended is unknown (its supervisor vanished)
                self.running.pop(name, None)
                self.end(name, EMISSARY_ERROR, str(exc))
                return
            self.running.pop(name, None)
            if result.exit_code == 0 or result.killed or self.terminating or attempt + 1 >= self.attempts:
                break
            if self.retry_delay > 0:
                await asyncio.sleep(self.retry_delay)
            if self.terminating:
                break
        self.results[name] = result
        self.end(name, result.exit_code, "")

    def main_result(self) -> StepResult | None:
        """The ``main`` container's result (its exit code even when it never ran); None without one."""
        if MAIN not in self.codes:
            return None
        code = self.codes[MAIN][0]
        ran = self.results.get(MAIN)
        return StepResult(exit_code=code, result=ran.result if ran is not None else "")

    def pod_outcome(self) -> tuple[NodePhase, str]:
        """Argo's ``inferFailedReason``: the first failed container, in name order."""
        for name in sorted(self.codes):
            code, message = self.codes[name]
            if code != 0:
                text = f"{name}: Error (exit code {code})"
                return NodePhase.FAILED, f"{text}: {message}" if message else text
        return NodePhase.SUCCEEDED, ""


def _append_log(path: Path, line: str) -> None:
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as fh:
            fh.write(line + "\n")


def _dependency_failed(dep: str, code: int) -> str:
    return f'dependency "{dep}" exited with non-zero code: {code}'


def _topological(order: list[str], deps: dict[str, list[str]]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for dep in deps.get(name, []):
            visit(dep)
        out.append(name)

    for name in order:
        visit(name)
    return out


def _attempts(tmpl: dict[str, Any], time_scale: float) -> tuple[int, float]:
    """``containerSet.retryStrategy``: (attempts, delay) — ``retries`` does not count the first attempt."""
    strategy = tmpl["containerSet"].get("retryStrategy") or {}
    raw = strategy.get("retries")
    if raw in (None, ""):
        return 1, 0.0
    try:
        retries = int(anystr(raw))
    except ValueError:
        raise SpecError(f"containerSet.retryStrategy.retries: '{raw}' is not an integer") from None
    delay = 0.0
    if strategy.get("duration"):
        delay = parse_duration(strategy["duration"], field="containerSet.retryStrategy.duration") * time_scale
    return max(0, retries) + 1, delay


async def prepare(
    run: RunContext, call: Call, pod: NodeStatus, pod_name: str, *, adopt: bool = False
) -> Callable[[], Awaitable[NodeStatus]]:
    """Build every container's PodSpec and the Container nodes; returns the coroutine that runs the pod.

    ``adopt``: an earlier engine left the pod unfinished — its containers that started are adopted (SPEC §6
    R1); if none did, the pod starts as usual (input artifacts fetched then)."""
    tmpl = call.template
    cset = tmpl["containerSet"]
    containers: list[dict[str, Any]] = list(cset.get("containers") or [])
    if not containers:
        raise SpecError("containerSet.containers must have at least one container")
    workdir = safe_join(run.run_dir, pod_name, what="pod name")  # shared volumes and every container's log
    inputs: dict[str, Any] = {}
    if run.artifacts is not None:
        inputs = await run.artifacts.load_inputs(run, call, pod, workdir, placed=adopt)
    elif (tmpl.get("inputs") or {}).get("artifacts"):
        inputs = raw_inputs(tmpl, workdir)
    names = [str(c.get("name") or "") for c in containers]
    has_main = MAIN in names
    specs: dict[str, PodSpec] = {}
    deps: dict[str, list[str]] = {}
    for ctr, name in zip(containers, names, strict=True):
        # Argo's GetContainers: the set's volumeMounts are appended to each container's own.
        merged = {
            **ctr,
            "volumeMounts": [*(ctr.get("volumeMounts") or []), *(cset.get("volumeMounts") or [])],
        }
        mounts = {**volume_mounts(run, tmpl, merged, workdir), **inputs}
        is_output = name == MAIN or (not has_main and name == names[-1])
        specs[name] = container_pod_spec(
            run,
            call,
            pod,
            pod_name,
            merged,
            mounts=mounts,
            log_path=safe_join(workdir, f"{name}.log", what="container name"),
            workdir=safe_join(workdir, "containers", name, what="container name"),
            output_paths=template_output_paths(tmpl) if is_output else [],
        )
        deps[name] = [str(d) for d in ctr.get("dependencies") or []]
    for name, wanted in deps.items():
        for dep in wanted:
            if dep not in deps:
                raise SpecError(f"containerSet.containers.{name} dependency '{dep}' not defined")
    attempts, delay = _attempts(tmpl, run.time_scale)
    if adopt:
        adopted: dict[str, StepHandle] = {}
        try:
            for name in names:
                handle = await cast("Adopter", run.executor).adopt(specs[name])
                if handle is not None:
                    adopted[name] = handle
        except ArgentoError:
            await asyncio.gather(*(h.kill(grace=2.0) for h in adopted.values()), return_exceptions=True)
            raise
        if not adopted:  # it never started: prepare it afresh (fetching its inputs)
            return await prepare(run, call, pod, pod_name)
    group = _Group(
        run, call, pod, names, deps, specs, _container_nodes(run, call, pod, names, deps), attempts, delay
    )
    if adopt:
        group.adopted = adopted
    return functools.partial(_supervise, group)


def _container_nodes(
    run: RunContext, call: Call, pod: NodeStatus, names: list[str], deps: dict[str, list[str]]
) -> dict[str, NodeStatus]:
    """Argo's ``executeContainerSet``: one Pending Container node per container, then the graph's edges."""
    state = run.state
    kwargs = {**call.init_kwargs(), "boundary_id": pod.id}
    nodes: dict[str, NodeStatus] = {}
    for name in names:
        node = state.init_node(f"{pod.name}.{name}", NodeType.CONTAINER, phase=NodePhase.PENDING, **kwargs)
        if node.phase is not NodePhase.PENDING:  # the pod is run again (resumed): so are its containers
            node.finished_at = None
            state.mark(node, NodePhase.PENDING, "")
        nodes[name] = node
    for name in names:
        child = f"{pod.name}.{name}"
        if not deps[name]:
            state.add_child(pod, child)
        for dep in deps[name]:
            state.add_child(nodes[dep], child)
    return nodes


async def _supervise(group: _Group) -> NodeStatus:
    run, call, pod = group.run, group.call, group.pod
    loop = asyncio.get_running_loop()
    group.ends = {name: loop.create_future() for name in group.order}
    tasks = [asyncio.ensure_future(group.run_container(name)) for name in group.order]
    everything = asyncio.ensure_future(asyncio.gather(*tasks))
    stopper = asyncio.ensure_future(run.stop_event.wait()) if not call.on_exit else None
    watchers: set[asyncio.Future[Any]] = {everything} | ({stopper} if stopper else set())
    timeout = pod_timeout(run, call.template, call.deadline)
    killed_by = ""
    try:
        await asyncio.wait(watchers, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if not everything.done():
            killed_by = (
                DEADLINE_MESSAGE
                if stopper is None or not stopper.done() or (run.deadline_exceeded and not run.shutdown)
                else f"workflow shutdown with strategy: {run.shutdown}"
            )
            group.terminate()
            await everything
        if group.kills:
            await asyncio.gather(*group.kills, return_exceptions=True)
    except asyncio.CancelledError:
        # The enclosing template timed out, or the boundary of a daemon finished.
        group.terminate()
        with contextlib.suppress(Exception):
            await asyncio.shield(asyncio.gather(everything, *group.kills, return_exceptions=True))
        run.state.mark(
            pod,
            NodePhase.SUCCEEDED if pod.daemoned else NodePhase.FAILED,
            None if pod.daemoned else DEADLINE_MESSAGE,
        )
        raise
    finally:
        if stopper is not None:
            stopper.cancel()
    phase, message = (NodePhase.FAILED, killed_by) if killed_by else group.pod_outcome()
    handle = group.handles.get(MAIN) or next(iter(group.handles.values()), None)
    if handle is None:  # no container ever started: nothing to read outputs from
        return run.state.mark(pod, phase, message)
    return await finish_pod(run, call, pod, handle, group.main_result(), phase, message)
