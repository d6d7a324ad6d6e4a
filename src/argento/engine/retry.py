"""Argo's ``processNodeRetries``: after an attempt ends, retry (maybe after a backoff) or finish.

The order of the checks is Argo's (workflow/controller/operator.go ``processNodeRetries``): a succeeded attempt
ends the Retry node; a shutdown or the workflow deadline stop it; ``backoff.maxDuration`` and the backoff come
next (Argo waits out a backoff only while ``limit`` is set and not yet used up); then the retry policy, the
limit and the expression. Every field has already been substituted (``{{inputs.parameters.limit}}`` is a
number by now); a value that is still not a number is the Retry node's error, with Argo's wording.

One rule is ours (SPEC R7): an attempt is never relaunched in a tight loop. Where Argo would retry at once
(no ``backoff``, or no ``limit`` so that Argo ignores the backoff), attempts are spaced by a floor that doubles
with each attempt (:data:`FLOOR_FIRST` … :data:`FLOOR_CAP` seconds, scaled by ``time_scale``); on Kubernetes
the pod round trip gives that spacing for free.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from argento.engine.durations import humanize, parse_duration
from argento.engine.nodes import NodePhase, NodeStatus
from argento.engine.scope import anystr
from argento.errors import ArgentoError

if TYPE_CHECKING:
    from argento.engine.ports import RunContext
    from argento.engine.views import RetryStrategy

# What Argo's ``IsTransientErr`` (util/errors/errors.go) finds transient in an attempt's message, which
# ``processNodeRetries`` wraps as an internal error: its network, etcd and database wordings, and whatever the
# ``TRANSIENT_ERROR_PATTERN`` environment variable matches (a regular expression, searched).
_TRANSIENT = (
    "unexpected error when reading response body",
    "stream error when reading response body",
    "Connection closed by foreign host",
    "net/http: TLS handshake timeout",
    "i/o timeout",
    "connection timed out",
    "connection reset by peer",
    "http2: client connection lost",
    "http2: server sent GOAWAY and closed the connection",
    "request did not complete within requested timeout",
    "connect: connection refused",
    "invalid connection",
    "etcdserver: leader changed",
    "etcdserver: request timed out",
    "etcdserver: too many requests",
    "client rate limiter Wait returned an error",
    "upper: no more rows in",
)


def is_transient(message: str) -> bool:
    """Argo's ``IsTransientErr`` of a node message (see `_TRANSIENT`)."""
    if any(t in message for t in _TRANSIENT):
        return True
    pattern = os.environ.get("TRANSIENT_ERROR_PATTERN", "")
    if not pattern:
        return False
    try:
        return re.search(pattern, message) is not None
    except re.error:  # Go's regexp.MatchString error: no match
        return False


#: The relaunch floor (R7): the first retry waits at least this long, each later one twice the one before.
FLOOR_FIRST = 0.05
FLOOR_CAP = 30.0

POLICIES = {
    "Always": (True, True),
    "OnError": (False, True),
    "OnFailure": (True, False),
    "OnTransientError": (False, False),
}


@dataclass(frozen=True)
class Decision:
    """``final`` set: the Retry node ends in that phase with ``message``; else retry once ``wait`` elapsed."""

    final: NodePhase | None = None
    message: str = ""
    wait: float = 0.0


def int_or_string(value: Any, field: str) -> int | None:
    """Argo's ``intstr.Int``: an int, or a string holding one; anything else is an error naming the value."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = anystr(value)
    if not _ATOI.fullmatch(text):
        raise ArgentoError(f"value '{text}' cannot be resolved to an int")
    return int(text)


_ATOI = re.compile(r"[+-]?[0-9]+")  # Go's strconv.Atoi


def last_retry(last: NodeStatus | None) -> dict[str, str]:
    """Argo's ``lastRetry.*`` variables for the next attempt (Argo's defaults before the first attempt)."""
    if last is None:
        return {
            "lastRetry.exitCode": "0",
            "lastRetry.status": "",
            "lastRetry.duration": "0",
            "lastRetry.message": "",
        }
    return {
        "lastRetry.exitCode": str((last.outputs or {}).get("exitCode", "0")),
        "lastRetry.status": str(last.phase),
        "lastRetry.duration": _duration(last),
        "lastRetry.message": last.message,
    }


def expression_scope(attempts: list[NodeStatus]) -> dict[str, str]:
    """Argo's ``buildRetryStrategyLocalScope``: what ``retryStrategy.expression`` sees."""
    last = attempts[-1]
    return {
        "retries": str(len(attempts) - 1),
        "lastRetry.exitCode": str((last.outputs or {}).get("exitCode", "-1")),
        "lastRetry.status": str(last.phase),
        "lastRetry.duration": _duration(last),
        "lastRetry.message": last.message,
    }


def _duration(node: NodeStatus) -> str:
    """Go's ``fmt.Sprint(duration.Seconds())`` of a node's (second-precision) duration."""
    seconds = max(0.0, (node.t_finish or time.monotonic()) - node.t_start)
    return str(int(seconds))


def workflow_deadline_text(run: RunContext) -> str:
    """The workflow deadline as Go prints a ``time.Time`` (``2006-01-02 15:04:05 +0000 UTC``)."""
    started = run.workflow["metadata"].get("creationTimestamp", "")
    try:
        start = datetime.strptime(started, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        start = time.time()
    seconds = parse_duration(run.spec.get("activeDeadlineSeconds") or 0, field="spec.activeDeadlineSeconds")
    return datetime.fromtimestamp(start + seconds, UTC).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")


def decide(run: RunContext, attempts: list[NodeStatus], strategy: RetryStrategy) -> Decision:
    """Decide what happens after the last of ``attempts`` ended (``attempts`` is not empty, its last fulfilled)."""
    last = attempts[-1]
    if not last.phase.failed_or_error:
        return Decision(final=NodePhase.SUCCEEDED)
    if run.shutdown:
        return Decision(final=last.phase, message=f"Stopped with strategy '{run.shutdown}'")
    if run.deadline_exceeded:
        return Decision(
            final=last.phase, message=f"retry exceeded workflow deadline {workflow_deadline_text(run)}"
        )
    count = len(attempts)
    scale = run.time_scale
    try:
        limit = int_or_string(strategy.limit, "retryStrategy.limit")
        backoff = _backoff(run, attempts, strategy, limit, scale)
    except ArgentoError as exc:
        return Decision(final=NodePhase.ERROR, message=str(exc))
    if isinstance(backoff, Decision):
        return backoff
    remaining, full = backoff
    if remaining > 0:
        return Decision(wait=remaining, message=f"Backoff for {humanize(full)}")
    # Argo's ``RetryPolicyActual``: unset means OnFailure, or Always when an expression decides
    policy = strategy.retry_policy or ("Always" if strategy.expression else "OnFailure")
    if policy not in POLICIES:
        return Decision(final=NodePhase.ERROR, message=f"{policy} is not a valid RetryPolicy")
    on_failed, on_error = POLICIES[policy]
    if policy == "OnTransientError" and is_transient(last.message):
        on_failed = on_error = True
    if (last.phase is NodePhase.FAILED and not on_failed) or (last.phase is NodePhase.ERROR and not on_error):
        return Decision(final=last.phase, message=last.message)
    if limit is not None and count > limit:
        return Decision(final=last.phase, message="No more retries left")
    expression = strategy.expression
    if expression:
        from argento.expr.lang import build_env, evaluate

        try:
            go_on = evaluate(expression, build_env(expression_scope(attempts)))
        except ArgentoError as exc:
            return Decision(final=NodePhase.ERROR, message=str(exc))
        if go_on is not True:
            return Decision(final=last.phase, message="retryStrategy.expression evaluated to false")
    return Decision(wait=_floor_wait(last, count, scale))


def _backoff(
    run: RunContext, attempts: list[NodeStatus], strategy: RetryStrategy, limit: int | None, scale: float
) -> tuple[float, float] | Decision:
    """(seconds left to wait out ``backoff``, its whole unscaled duration), or the final Decision that
    ``maxDuration`` makes. No wait once ``limit`` is used up or when there is no ``limit`` (Argo's rule)."""
    backoff = strategy.backoff
    if backoff is None:
        return 0.0, 0.0
    last = attempts[-1]
    now = time.monotonic()
    max_deadline = None
    if backoff.max_duration:
        max_duration = parse_duration(backoff.max_duration, field="retryStrategy.backoff.maxDuration") * scale
        max_deadline = attempts[0].t_start + max_duration
        if now > max_deadline:
            return Decision(final=last.phase, message="Max duration limit exceeded")
    if backoff.duration in (None, ""):
        raise ArgentoError("no base duration specified for retryStrategy")
    wait = parse_duration(backoff.duration, field="retryStrategy.backoff.duration")
    factor = int_or_string(backoff.factor, "retryStrategy.backoff.factor")
    if factor is not None and factor > 0:
        wait = wait * float(factor) ** (len(attempts) - 1)
    if backoff.cap:
        wait = min(wait, parse_duration(backoff.cap, field="retryStrategy.backoff.cap"))
    waiting_deadline = last.t_finish + wait * scale
    if max_deadline is not None and waiting_deadline > max_deadline:
        return Decision(final=last.phase, message="Backoff would exceed max duration limit")
    if now < waiting_deadline and limit is not None and len(attempts) <= limit:
        return waiting_deadline - now, wait
    return 0.0, wait


def _floor_wait(last: NodeStatus, count: int, scale: float) -> float:
    """R7: seconds still to wait before attempt ``count`` (the doubling floor, from the last attempt's end)."""
    floor = min(FLOOR_FIRST * 2 ** (count - 1), FLOOR_CAP) * scale
    return max(0.0, last.t_finish + floor - time.monotonic())


def max_duration_deadline(attempts: list[NodeStatus], strategy: RetryStrategy, scale: float) -> float | None:
    """Argo's ``executionDeadline``: the monotonic time ``backoff.maxDuration`` ends (attempts may not outlive it)."""
    backoff = strategy.backoff
    if backoff is None or not backoff.max_duration or not attempts:
        return None
    return (
        attempts[0].t_start
        + parse_duration(backoff.max_duration, field="retryStrategy.backoff.maxDuration") * scale
    )
