"""Pausing a step before or after it runs: Argo's debug pause, and ``argento run --break``.

Argo's emissary (``cmd/argoexec/commands/emissary.go``) pauses the main container when its env sets
``ARGO_DEBUG_PAUSE_BEFORE=true`` (before the command starts) or ``ARGO_DEBUG_PAUSE_AFTER=true`` (after it
exited, before its outputs are saved), until the marker file ``/var/run/argo/ctr/main/before`` (or
``…/after``) is created (``file.WaitForCreate``) or the pod is signalled. Here the node stays Running with a
message saying how to release it, and it is released by the marker — on the host, under the pod's folder:
``<ARGENTO_HOME>/runs/<workflow>/<pod>/var/run/argo/ctr/main/before`` — or by ``argento resume WF
--node-field-selector …`` (the server's resume, as for a suspend node); stopping the workflow ends the
pause and the step. Argo drops the pod's ``activeDeadlineSeconds`` for such templates; a pause is not
counted in a step's own timeout here either (it runs before the process starts or after it ended).

``RunOptions.debug`` (``argento run --break``, ``cli/breakpoints.py``) takes over both: it opens a shell in
the step's environment instead of waiting for a marker, and may answer the step's result itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argento.engine.nodes import NodePhase, NodeStatus

if TYPE_CHECKING:
    from argento.engine.call import Call
    from argento.engine.ports import RunContext
    from argento.executors.base import PodSpec, StepResult

PAUSE_BEFORE = "ARGO_DEBUG_PAUSE_BEFORE"
PAUSE_AFTER = "ARGO_DEBUG_PAUSE_AFTER"
#: How often the marker file is looked for while a step is paused.
POLL = 0.2


class _Stop:
    """The pause ended because the workflow stopped: the step does not run."""

    def __repr__(self) -> str:
        return "STOP"


STOP = _Stop()


@dataclass
class Outcome:
    """A step's result decided at a break point instead of by running it (``handle`` reads its files)."""

    handle: Any
    result: StepResult


def marker(spec: PodSpec, when: str) -> Path:
    """The host file that releases a paused step (Argo's ``/var/run/argo/ctr/main/<when>``)."""
    return spec.workdir / "var" / "run" / "argo" / "ctr" / "main" / when


async def before(run: RunContext, call: Call, node: NodeStatus, spec: PodSpec) -> Outcome | _Stop | None:
    """Pause before the step starts when asked to: None (run it), an `Outcome` (finish with it), `STOP`."""
    env_pause = spec.env.get(PAUSE_BEFORE) == "true"
    breaks = run.breakpoints
    if breaks is not None and (env_pause or breaks.breaks_before(run, call, node)):
        return await breaks.before(run, call, node, spec)
    if env_pause and not await wait_released(run, node, spec, "before"):
        return STOP
    return None


async def after(
    run: RunContext, call: Call, node: NodeStatus, spec: PodSpec, handle: Any, result: StepResult
) -> StepResult:
    """Pause after the step exited when asked to; the result it finishes with."""
    env_pause = spec.env.get(PAUSE_AFTER) == "true"
    breaks = run.breakpoints
    if breaks is not None and (env_pause or breaks.breaks_after(run, call, node, result)):
        return await breaks.after(run, call, node, spec, handle, result)
    if env_pause:
        await wait_released(run, node, spec, "after")
    return result


async def wait_released(run: RunContext, node: NodeStatus, spec: PodSpec, when: str) -> bool:
    """Hold the step until its marker exists or it is resumed (True), or the workflow stops (False)."""
    path = marker(spec, when)
    path.parent.mkdir(parents=True, exist_ok=True)
    var = PAUSE_BEFORE if when == "before" else PAUSE_AFTER
    with run.suspension(node.name) as fut:
        run.state.mark(
            node,
            NodePhase.RUNNING,
            f"paused {when} the step ({var}): resume with `argento resume {run.name} --node-field-selector "
            f"id={node.id}` or create {path}",
        )
        released = True
        try:
            while not path.exists():
                if run.stop_event.is_set():
                    released = False
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(fut), POLL)
                if fut.done():
                    released = fut.result() is not None
                    break
        finally:
            if not fut.done():
                fut.cancel()
    run.state.mark(node, NodePhase.RUNNING, "")
    return released
