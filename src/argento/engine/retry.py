"""Argo's ``processNodeRetries``: after an attempt ends, retry (maybe after a backoff) or finish."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from argento.engine.durations import humanize, parse_duration
from argento.engine.nodes import NodePhase, NodeStatus
from argento.engine.scope import anystr
from argento.errors import ArgentoError

if TYPE_CHECKING:
    from argento.engine.controller import WorkflowRunner

# Messages Argo treats as transient for ``retryPolicy: OnTransientError`` (util/errors IsTransientErr).
_TRANSIENT = (
    "connection reset",
    "connection refused",
    "timeout",
    "i/o timeout",
    "EOF",
    "transient",
    "try again",
)


@dataclass(frozen=True)
class Decision:
    """``final`` set: the Retry node ends in that phase; else retry after ``wait`` seconds."""

    final: NodePhase | None = None
    message: str = ""
    wait: float = 0.0


def last_retry(last: NodeStatus) -> dict[str, str]:
    """Argo's ``lastRetry.*`` variables for the attempt ``last``."""
    return {
        "lastRetry.exitCode": str((last.outputs or {}).get("exitCode", "-1")),
        "lastRetry.status": str(last.phase),
        "lastRetry.duration": str(int(max(0.0, last.t_finish - last.t_start))),
        "lastRetry.message": last.message,
    }


def decide(run: WorkflowRunner, node: NodeStatus, last: NodeStatus, strategy: dict[str, Any]) -> Decision:
    """Decide what happens after attempt ``last`` of Retry node ``node`` (``last`` is fulfilled)."""
    if not last.phase.failed_or_error:
        return Decision(final=NodePhase.SUCCEEDED, message="")
    if run.shutdown:
        return Decision(final=last.phase, message=f"Stopped with strategy '{run.shutdown}'")
    if run.deadline_exceeded:
        return Decision(final=last.phase, message="retry exceeded workflow deadline")
    attempts = len(node.children)
    wait = 0.0
    backoff = strategy.get("backoff") or {}
    if backoff:
        first = run.state.get(node.children[0])
        max_duration = backoff.get("maxDuration")
        deadline = None
        if max_duration:
            deadline = first.t_start + parse_duration(max_duration, field="retryStrategy.backoff.maxDuration")
            if time.monotonic() > deadline:
                return Decision(final=last.phase, message="Max duration limit exceeded")
        wait = parse_duration(backoff.get("duration") or 0, field="retryStrategy.backoff.duration")
        factor = backoff.get("factor")
        if factor not in (None, ""):
            f = float(anystr(factor))
            if f > 0:
                wait = wait * f ** (attempts - 1)
        cap = backoff.get("cap")
        if cap:
            wait = min(wait, parse_duration(cap, field="retryStrategy.backoff.cap"))
        wait *= run.options.time_scale
        if deadline is not None and last.t_finish + wait > deadline:
            return Decision(final=last.phase, message="Backoff would exceed max duration limit")
        wait = max(0.0, last.t_finish + wait - time.monotonic())
    policy = strategy.get("retryPolicy") or "OnFailure"
    on_failed, on_error = {
        "Always": (True, True),
        "OnError": (False, True),
        "OnFailure": (True, False),
        "OnTransientError": (False, False),
    }.get(policy, (True, False))
    if policy == "OnTransientError" and any(t.lower() in last.message.lower() for t in _TRANSIENT):
        on_failed = on_error = True
    if (last.phase is NodePhase.FAILED and not on_failed) or (last.phase is NodePhase.ERROR and not on_error):
        return Decision(final=last.phase, message=last.message)
    limit = strategy.get("limit")
    if limit is not None and attempts > int(anystr(limit) or 0):
        return Decision(final=last.phase, message="No more retries left")
    expression = strategy.get("expression")
    if expression:
        from argento.expr.lang import build_env, evaluate

        env = build_env(last_retry(last))
        try:
            go_on = evaluate(expression, env)
        except ArgentoError as exc:
            return Decision(final=NodePhase.ERROR, message=f"retryStrategy.expression: {exc}")
        if go_on is not True:
            return Decision(final=last.phase, message="retryStrategy.expression evaluated to false")
    return Decision(wait=wait, message=f"Backoff for {humanize(wait)}" if wait > 0 else "")
