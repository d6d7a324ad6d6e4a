"""Pod-type nodes (container, script, containerSet): build the executor's PodSpec, run it, collect outputs."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from argento.engine.call import NodeFailure, inputs_of
from argento.engine.durations import pod_resources_duration
from argento.engine.nodes import NodePhase, NodeStatus, NodeType
from argento.engine.podspec import (
    HOSTNAME,
    PROGRESS_FILE,
    PodCreationError,
    build_pod_spec,
    node_selector_mismatch,
)
from argento.engine.scope import anystr
from argento.engine.views import RetryStrategy
from argento.errors import ArgentoError, SpecError
from argento.executors.base import CommandNotFound

if TYPE_CHECKING:
    from argento.engine.call import Call
    from argento.engine.ports import RunContext
    from argento.executors.base import Adopter, PodSpec, StepHandle, StepResult

#: Builds the pod of a Pod node that is not a single container (a containerSet: ``containerset.prepare``):
#: ``(run, call, node, pod name, adopt=)`` → the coroutine function that runs it to its end.
Prepare = Callable[..., Awaitable[Callable[[], Awaitable[NodeStatus]]]]

DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
#: What Argo writes on a step the workflow's activeDeadlineSeconds stops (workflow/controller/exec_control.go).
STEP_DEADLINE_MESSAGE = "Step exceeded its deadline"
#: The main container's name (Argo's ``common.MainContainerName``), which prefixes its failure reason.
MAIN = "main"
#: The emissary's exit code when it cannot run the command itself.
EMISSARY_ERROR = 64


def _pod_node(run: RunContext, call: Call) -> NodeStatus:
    node = run.state.by_name(call.node_name)
    if node is None:
        node = run.state.init_node(
            call.node_name,
            NodeType.POD,
            phase=NodePhase.PENDING,
            inputs=inputs_of(call.template),
            **call.init_kwargs(),
        )
        node.progress = initial_progress(call.template)
    return node


async def run_daemon(run: RunContext, call: Call) -> NodeStatus:
    """A ``daemon: true`` step counts as done once running; it is killed when its boundary finishes."""
    call.ready = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run_pod(run, call))
    run.register_daemon(call.boundary_id, task)
    await asyncio.wait({task, call.ready}, return_when=asyncio.FIRST_COMPLETED)
    if call.ready.done():
        return call.ready.result()
    return task.result()


async def run_pod(run: RunContext, call: Call, *, prepare: Prepare | None = None) -> NodeStatus:
    """Run one Pod node to its end and record phase, message and outputs (``prepare``: see `Prepare`)."""
    node = _pod_node(run, call)
    if node.fulfilled:
        return node
    if not run.should_run(call.on_exit):
        message = (
            STEP_DEADLINE_MESSAGE
            if run.deadline_exceeded and not run.shutdown
            else f"workflow shutdown with strategy: {run.shutdown}"
        )
        return run.state.mark(node, NodePhase.FAILED, message)
    pod_name = run.pod_name(call.node_name, call.template.get("name"))
    unschedulable = node_selector_mismatch(
        {**(run.spec.get("nodeSelector") or {}), **(call.template.get("nodeSelector") or {})}
    )
    if unschedulable:
        # Kubernetes would leave the pod Pending forever; on one machine it can never fit, so it fails.
        return run.state.mark(
            node, NodePhase.FAILED, f"Unschedulable: 0/1 nodes are available: {unschedulable}"
        )
    # A node an earlier engine left unfinished: its step may run on (or have ended) without us (SPEC §6 R1).
    adopt = run.adopting(node)
    try:  # build the PodSpec(s): inputs, volumes, env
        if prepare is not None:
            job = await prepare(run, call, node, pod_name, adopt=adopt)
        else:
            spec = await build_pod_spec(run, call, node, pod_name, placed=adopt)
            if adopt:
                job = functools.partial(_adopt_or_start, run, call, node, spec, pod_name)
            else:
                job = functools.partial(_supervise, run, call, node, spec)
    except PodCreationError as exc:
        return _creation_error(run, call, node, str(exc))
    except ArgentoError as exc:
        return run.state.mark(node, NodePhase.ERROR, str(exc))
    except OSError as exc:  # its dirs or files cannot be made (a full disk, …)
        return run.state.mark(node, NodePhase.ERROR, f"cannot prepare the pod: {exc.strerror or exc}")
    async with run.pod_slot():
        return await job()


def _creation_error(run: RunContext, call: Call, node: NodeStatus, message: str) -> NodeStatus:
    """A pod the controller cannot make (`PodCreationError`: an unknown volume, …) errors its node; without a retryStrategy it is also the
    template's error, as Argo's ``executeTemplate`` returns it: the caller reports it ("error in entry template
    execution: …", "error in exit template execution : …", "task '…' errored: …", a step group's error)."""
    node = run.state.mark(node, NodePhase.ERROR, message)
    if RetryStrategy.for_template(call.template, run.spec) is None:
        raise NodeFailure(node)
    return node


async def _adopt_or_start(
    run: RunContext, call: Call, node: NodeStatus, spec: PodSpec, pod_name: str
) -> NodeStatus:
    """Adopt the step an earlier engine started for ``node``; start it if it never started.

    ``spec`` maps the inputs the earlier engine placed without fetching them again; a step that never
    started gets them fetched now. A step that started but whose end is lost fails (Argo: ``pod deleted``).
    """
    try:
        handle = await cast("Adopter", run.executor).adopt(spec)
        if handle is None and (call.template.get("inputs") or {}).get("artifacts"):
            spec = await build_pod_spec(run, call, node, pod_name)
    except ArgentoError as exc:
        return run.state.mark(node, NodePhase.ERROR, str(exc))
    return await _supervise(run, call, node, spec, handle)


async def _supervise(
    run: RunContext, call: Call, node: NodeStatus, spec: PodSpec, handle: StepHandle | None = None
) -> NodeStatus:
    from argento.engine import debug

    pausing = run.breakpoints is not None or debug.PAUSE_BEFORE in spec.env or debug.PAUSE_AFTER in spec.env
    if handle is None and pausing:  # Argo's debug pause / `argento run --break` (engine/debug.py)
        early = await debug.before(run, call, node, spec)
        if early is debug.STOP:
            stopped = run.deadline_exceeded and not run.shutdown
            message = DEADLINE_MESSAGE if stopped else f"workflow shutdown with strategy: {run.shutdown}"
            return run.state.mark(node, NodePhase.FAILED, message)
        if isinstance(early, debug.Outcome):
            return await _finish(run, call, node, early.handle, early.result, "")
    if handle is None:
        try:
            handle = await run.executor.start(spec)
        except CommandNotFound as exc:
            return await _not_started(run, call, node, spec, exc)
        except ArgentoError as exc:
            return run.state.mark(node, NodePhase.ERROR, str(exc))
    note_warnings(run, handle)
    admitted = getattr(handle, "admitted", None)
    waiter = asyncio.ensure_future(handle.wait())
    # Argo's exec_control.go: a shutdown kills the pods it would not start (ShutdownStrategy.ShouldExecute): a
    # Stop (or the deadline) leaves an exit handler's pod running, a Terminate kills it too.
    stopper, own_stopper = stop_waiter(run)
    watchers: set[asyncio.Future[Any]] = {waiter, stopper}

    def stopped() -> bool:
        return stopper.done() and not (call.on_exit and run.should_run(True))

    # Only a process writes the progress file (an executor like the fake runs none: nothing to read).
    reports = getattr(run.executor, "runs_processes", True)
    progress = _ProgressTicker(run, node, handle) if reports else None
    try:
        # A multi-node executor says why a pod waits (Kubernetes' scheduler message); shown while Pending.
        pending_message = getattr(handle, "pending_message", "")
        if admitted is not None and not admitted.is_set():
            if pending_message:
                run.state.mark(node, NodePhase.PENDING, pending_message)
            adm = asyncio.ensure_future(admitted.wait())
            await asyncio.wait({adm, *watchers}, return_when=asyncio.FIRST_COMPLETED)
            adm.cancel()
        if not waiter.done() and not stopped():
            node.host_node_name = getattr(handle, "host_node_name", "") or HOSTNAME
            if call.template.get("daemon"):
                node.daemoned = True
                node.pod_ip = "127.0.0.1"
            run.state.mark(node, NodePhase.RUNNING, "" if pending_message else None)
            if call.ready is not None and not call.ready.done():
                call.ready.set_result(node)
        await asyncio.wait(watchers, return_when=asyncio.FIRST_COMPLETED)
        while not waiter.done() and not stopped():  # an exit handler's pod after a Stop: until a Terminate
            await asyncio.wait({waiter}, timeout=0.2)
        killed_by = ""
        if not waiter.done():
            killed_by = (
                STEP_DEADLINE_MESSAGE
                if run.deadline_exceeded and not run.shutdown
                else f"workflow shutdown with strategy: {run.shutdown}"
            )
            await handle.kill(grace=2.0)
        try:
            result = await waiter
        except CommandNotFound as exc:  # found out once admitted (the executor starts the process then)
            return await _not_started(run, call, node, spec, exc)
        except ArgentoError as exc:
            return run.state.mark(node, NodePhase.ERROR, str(exc))
    except asyncio.CancelledError:
        # The enclosing template timed out, or the boundary of a daemon finished (Argo's
        # killDaemonedChildren: the daemon is Succeeded and no longer daemoned).
        with contextlib.suppress(Exception):
            await asyncio.shield(handle.kill(grace=2.0))
        if node.daemoned:
            node.daemoned = False
            run.state.mark(node, NodePhase.SUCCEEDED)
        else:
            run.state.mark(node, NodePhase.FAILED, DEADLINE_MESSAGE)
        raise
    finally:
        if own_stopper:
            stopper.cancel()
        if progress is not None:
            progress.cancel()
    if reports:
        _read_progress(run, node, handle)
    if pausing and not killed_by:
        result = await debug.after(run, call, node, spec, handle, result)
    return await _finish(run, call, node, handle, result, killed_by)


def stop_waiter(run: RunContext) -> tuple[asyncio.Future[Any], bool]:
    """A future done once the run is stopped, and whether it is the caller's own (to cancel when done): the
    run's shared one (`controller.StopEvent.future`), else a task waiting on ``run.stop_event``."""
    shared = getattr(run.stop_event, "future", None)
    if shared is not None:
        return shared(), False
    return asyncio.ensure_future(run.stop_event.wait()), True


async def _not_started(
    run: RunContext, call: Call, node: NodeStatus, spec: PodSpec, exc: CommandNotFound
) -> NodeStatus:
    """Argo's emissary cannot find the command: it prints why, exits 64, and the main container fails with
    that termination message (cmd/argoexec/commands/emissary.go, ``inferFailedReason``)."""
    from argento.executors.base import StepResult

    reason = f"failed to find name in PATH: {exc}"
    with contextlib.suppress(OSError):
        spec.log_path.parent.mkdir(parents=True, exist_ok=True)
        with spec.log_path.open("a") as fh:
            fh.write(reason + "\n")
    result = StepResult(exit_code=EMISSARY_ERROR, message=f"Error (exit code {EMISSARY_ERROR}): {reason}")
    return await finish_pod(
        run, call, node, _NoFiles(), result, NodePhase.FAILED, f"{MAIN}: {result.message}"
    )


class _NoFiles:
    """The handle of a pod whose command never ran: no output file exists."""

    def host_path(self, container_path: str) -> Path:
        return Path("/nonexistent") / container_path.lstrip("/")


def note_warnings(run: RunContext, handle: StepHandle) -> None:
    """What the executor wants the user to know about a started step (an image without a local mapping)
    becomes a ``SpecWarning`` condition of the workflow; the step's own log says it too."""
    for warning in getattr(handle, "warnings", None) or ():
        run.state.warn(warning)


async def _finish(
    run: RunContext, call: Call, node: NodeStatus, handle: StepHandle, result: StepResult, killed_by: str
) -> NodeStatus:
    """Argo's ``assessNodeStatus`` for the pod's end: the main container's reason, prefixed with its name as
    ``inferFailedReason`` does (``main: Error (exit code 1)``); a pod deadline is the pod's own message. A
    daemon is meant to run until its boundary ends: one that ends by itself Failed, even with exit code 0; one
    that is killed while daemoned Succeeded (``assessNodeStatus``: "ignore pod failure for daemoned steps")."""
    phase = NodePhase.SUCCEEDED
    message = ""
    if killed_by and node.daemoned:
        pass  # a running daemon killed by a shutdown or the deadline: "ignore pod failure for daemoned steps"
    elif killed_by:
        phase, message = NodePhase.FAILED, killed_by
    elif result.timed_out:
        phase, message = NodePhase.FAILED, result.message or DEADLINE_MESSAGE
    elif result.exit_code != 0:
        phase = NodePhase.FAILED
        message = f"{MAIN}: {result.message or f'Error (exit code {result.exit_code})'}"
    elif call.template.get("daemon"):
        phase = NodePhase.FAILED
    node.daemoned = False
    return await finish_pod(run, call, node, handle, result, phase, message)


# -- progress: Argo's executor reads ARGO_PROGRESS_FILE and reports N/M (workflow/executor/executor.go) --------
PROGRESS_TICK = 1.0
PROGRESS_ANNOTATION = "workflows.argoproj.io/progress"


class _ProgressTicker:
    """Re-reads the step's progress file every tick while it runs (Argo's ``monitorProgress``): a timer on the
    loop, not a task (a task per step cost a few loop turns to start and to cancel)."""

    __slots__ = ("_args", "_loop", "_timer")

    def __init__(self, run: RunContext, node: NodeStatus, handle: StepHandle) -> None:
        self._args = (run, node, handle)
        self._loop = asyncio.get_running_loop()
        self._timer = self._loop.call_later(PROGRESS_TICK, self._tick)

    def _tick(self) -> None:
        self._timer = self._loop.call_later(PROGRESS_TICK, self._tick)
        _read_progress(*self._args)

    def cancel(self) -> None:
        self._timer.cancel()


def _read_progress(run: RunContext, node: NodeStatus, handle: StepHandle) -> None:
    """The last line of the progress file, if it is a valid ``N/M``, becomes the node's progress."""
    from argento.engine.state import parse_progress

    if not _may_exist(handle):
        return
    try:
        text = handle.host_path(PROGRESS_FILE).read_text(errors="replace")
    except (OSError, ValueError, ArgentoError):  # ArgentoError: a link leading outside the step's files
        return
    lines = text.strip().split("\n")
    latest = lines[-1].strip()
    if not latest:
        return
    n, m = parse_progress(latest)
    if m > 0 and node.progress != f"{n}/{m}":
        node.progress = f"{n}/{m}"
        run.state.changed(node)


def _may_exist(handle: StepHandle) -> bool:
    """False when the progress file is certainly absent (most steps write none): the plain host path of a
    `Layout` has no entry there, so no link of the step's can lead anywhere from it either. Anything else —
    the file, a link, another executor — goes through ``host_path``, which follows links as the step sees them.
    """
    layout = getattr(handle, "layout", None)
    if layout is None or not hasattr(layout, "resolve_output"):
        return True
    try:
        os.lstat(layout.host_path(PROGRESS_FILE))  # links not followed: `Layout.resolve_output` does
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return True


def initial_progress(tmpl: dict[str, Any]) -> str | None:
    """The pod's ``workflows.argoproj.io/progress`` annotation, when it is a valid ``N/M`` (Argo's
    ``ProgressToApply``): the node's progress before the step reports any."""
    from argento.engine.state import parse_progress

    value = ((tmpl.get("metadata") or {}).get("annotations") or {}).get(PROGRESS_ANNOTATION)
    if value is None:
        return None
    n, m = parse_progress(anystr(value))
    return f"{n}/{m}" if m > 0 else None


async def finish_pod(
    run: RunContext,
    call: Call,
    node: NodeStatus,
    handle: StepHandle,
    result: StepResult | None,
    phase: NodePhase,
    message: str,
) -> NodeStatus:
    """Argo's wait container: collect the outputs through ``handle`` (the ``main`` container), then mark the node.

    ``result`` is the main container's; None when the pod has no ``main`` container (a containerSet without
    one), which then has neither ``outputs.result`` nor ``outputs.exitCode``.
    """
    tmpl = call.template
    outputs: dict[str, Any] = {}
    params: list[dict[str, Any]] = []
    for param in (tmpl.get("outputs") or {}).get("parameters") or []:
        value_from = param.get("valueFrom") or {}
        out = dict(param)  # Argo's executor reports the template's outputs as they are, valueFrom included
        value: str | None = None
        if value_from.get("path"):
            refused = ""
            try:
                value = _read_output(handle.host_path(value_from["path"]), run.max_parameter_bytes)
            except OSError:
                value = None
            except SpecError as exc:  # larger than ARGENTO_MAX_PARAMETER_BYTES: never read whole
                value = None
                if phase is NodePhase.SUCCEEDED:
                    phase, message = NodePhase.ERROR, f"output parameter '{param.get('name')}' {exc.message}"
                continue
            except ArgentoError as exc:  # a link leading outside the step's files: never read from the host
                value, refused = None, str(exc)
            if value is None and refused and phase is NodePhase.SUCCEEDED:
                phase = NodePhase.ERROR
                message = f"failed to get output parameter '{param.get('name')}': {refused}"
            elif value is None:
                if value_from.get("default") is not None:
                    value = anystr(value_from["default"])
                elif phase is NodePhase.SUCCEEDED:
                    phase = NodePhase.ERROR
                    message = f"failed to get output parameter '{param.get('name')}': open {value_from['path']}: no such file or directory"
            if value is not None:  # Argo's executor trims one trailing newline (SaveParameters)
                value = value.removesuffix("\n")
        elif value_from.get("default") is not None:
            value = anystr(value_from["default"])
        elif param.get("value") is not None:
            value = anystr(param["value"])
        if value is not None:
            out["value"] = value
            params.append({k: out[k] for k in _PARAMETER_FIELDS if k in out})
    if run.platform is not None:  # e.g. the MLflow run the step created (argento.tracking)
        params += await run.platform.outputs(run, node)
    if params:
        outputs["parameters"] = params
    if run.artifacts is not None and phase is NodePhase.SUCCEEDED:
        try:
            arts = await run.artifacts.save_outputs(run, call, node, handle)
        except ArgentoError as exc:
            # postmain.go: what SaveArtifacts did save is reported with its error (artifacts.PartialSaveError)
            arts = list(getattr(exc, "saved", None) or [])
            phase, message = NodePhase.ERROR, str(exc)
        if arts:
            outputs["artifacts"] = arts
    elif run.artifacts is not None:
        # Argo's wait container archives the logs of a failed step too (archiveLogs); its failure to do so
        # does not change the node's own failure.
        with contextlib.suppress(ArgentoError):
            logs = await run.artifacts.save_logs(run, call, node, handle)
            if logs:
                outputs["artifacts"] = logs
    if result is not None:
        if "script" in tmpl or run.include_result:
            outputs["result"] = result.result
        outputs["exitCode"] = str(result.exit_code)
    node.outputs = outputs
    if result is not None and result.started_at and result.finished_at:
        # operator.go (podReconciliation): the pod's resourcesDuration, from its containers' run time
        node.resources_duration = pod_resources_duration(tmpl, result.finished_at - result.started_at) or None
    run.state.mark(node, phase, message)
    if phase is NodePhase.SUCCEEDED:
        run.add_global_outputs(outputs)
    return node


#: Argo's ``Parameter`` fields in their JSON order (the shape a Pod node's outputs are written in).
_PARAMETER_FIELDS = ("name", "default", "value", "valueFrom", "globalName", "enum", "description")


def _read_output(path: Path, limit: int) -> str | None:
    """The file's text, at most ``limit`` bytes (more is a SpecError: the file is not read whole)."""
    if path.is_dir():
        return None
    with path.open("rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise SpecError(f"is larger than {limit} bytes (ARGENTO_MAX_PARAMETER_BYTES)")
    # As text mode reads it: \r\n and \r become \n.
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
