"""The CronWorkflow controller (SPEC §2.9): schedules, timezone, concurrency policy, starting deadline,
history limits, suspend, ``when`` and ``stopStrategy``; children are named ``<cron>-<unix seconds>``.

Time comes from a :class:`Clock`, so tests call :meth:`CronController.tick` with the time they want instead
of waiting. One tick looks at every CronWorkflow: it settles the children that finished (counts, history
limits, stop strategy), then starts the most recent activation that is due, if the policy allows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from argento.errors import AlreadyExists, ArgentoError, NotFound
from argento.spec.cron import parse_schedule
from argento.store.base import COMPLETED_PHASES

if TYPE_CHECKING:
    from argento.server.manager import WorkflowManager
    from argento.server.metrics import Metrics
    from argento.server.validate import Catalog
    from argento.store import Store

log = logging.getLogger("argento.server.cron")
CRON_LABEL = "workflows.argoproj.io/cron-workflow"
SCHEDULED_ANNOTATION = "workflows.argoproj.io/scheduled-time"
#: Without ``startingDeadlineSeconds`` an activation is still started this late (the loop's own lag).
GRACE = timedelta(seconds=60)


class Clock(Protocol):
    """Where the cron controller gets its time."""

    def now(self) -> datetime: ...
    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def _rfc3339(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def workflow_of_cron(cron: dict[str, Any], scheduled: datetime | None) -> dict[str, Any]:
    """Argo's ``ConvertCronWorkflowToWorkflow``: the child (``<cron>-<unix seconds>`` when scheduled)."""
    meta = cron["metadata"]
    spec = cron.get("spec") or {}
    wf_meta = spec.get("workflowMetadata") or {}
    labels = {**(wf_meta.get("labels") or {}), CRON_LABEL: meta["name"]}
    annotations = dict(wf_meta.get("annotations") or {})
    child_meta: dict[str, Any] = {"labels": labels, "annotations": annotations}
    if scheduled is not None:
        child_meta["name"] = f"{meta['name']}-{int(scheduled.timestamp())}"
        annotations[SCHEDULED_ANNOTATION] = _rfc3339(scheduled)
    else:
        child_meta["generateName"] = f"{meta['name']}-"
    if meta.get("uid"):
        child_meta["ownerReferences"] = [
            {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "CronWorkflow",
                "name": meta["name"],
                "uid": meta["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": child_meta,
        "spec": dict(spec.get("workflowSpec") or {}),
    }


class CronController:
    """Starts the children of every CronWorkflow in the store."""

    def __init__(
        self,
        store: Store,
        manager: WorkflowManager,
        catalog: Catalog,
        metrics: Metrics,
        clock: Clock | None = None,
        interval: float = 1.0,
    ) -> None:
        self.store = store
        self.manager = manager
        self.catalog = catalog
        self.metrics = metrics
        self.clock = clock or SystemClock()
        self.interval = interval
        self.wake = asyncio.Event()

    async def run(self) -> None:
        """Tick until cancelled (each second, or at once when a CronWorkflow changes)."""
        while True:
            try:
                self.tick()
            except Exception:  # the scheduler must survive a bad CronWorkflow or a database hiccup
                log.exception("cron tick failed")
                self.metrics.error("CronWorkflow")
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), self.interval)

    def tick(self, now: datetime | None = None) -> list[str]:
        """Evaluate every CronWorkflow at ``now``; return the names of the workflows started."""
        now = now or self.clock.now()
        started: list[str] = []
        for cron in self.store.resources.list("CronWorkflow", None):
            try:
                name = self._evaluate(cron, now)
            except ArgentoError as exc:
                log.warning("cron workflow %s: %s", cron["metadata"].get("name"), exc)
                self._condition(cron, "SubmissionError", str(exc))
                self._save(cron)
                continue
            if name:
                started.append(name)
        return started

    # ------------------------------------------------------------------------------------------- one cron
    def _evaluate(self, cron: dict[str, Any], now: datetime) -> str | None:
        spec = cron.get("spec") or {}
        status = cron.setdefault("status", {})
        changed = self._settle(cron)
        if status.get("phase") == "Stopped" or spec.get("suspend"):
            if changed:
                self._save(cron)
            return None
        due = self._due(cron, now)
        if due is None:
            if changed:
                self._save(cron)
            return None
        name = None
        meta = cron["metadata"]
        policy = spec.get("concurrencyPolicy") or "Allow"
        active = status.get("active") or []
        if policy == "Forbid" and active:
            self.metrics.cron_policy_applied(meta["name"], meta["namespace"], "Forbid")
        elif self._when(cron, now):
            if policy == "Replace" and active:
                self.metrics.cron_policy_applied(meta["name"], meta["namespace"], "Replace")
                for ref in active:
                    with contextlib.suppress(ArgentoError):
                        self.manager.shutdown(meta["namespace"], ref["name"], "Terminate")
            name = self._start(cron, due)
        status["lastScheduledTime"] = _rfc3339(due)
        self._save(cron)
        return name

    def _due(self, cron: dict[str, Any], now: datetime) -> datetime | None:
        """The latest activation in (last scheduled, now], unless it is past its starting deadline."""
        spec = cron.get("spec") or {}
        status = cron.get("status") or {}
        since = (
            _parse_time(status.get("lastScheduledTime"))
            or _parse_time(cron["metadata"].get("creationTimestamp"))
            or now
        )
        deadline = spec.get("startingDeadlineSeconds")
        window = timedelta(seconds=float(deadline)) if deadline is not None else GRACE
        # An activation older than the window is never run, so none before it needs enumerating (a cron idle
        # for years — a paused server, a clock jump — would otherwise walk every missed minute).
        since = max(since, now - window - timedelta(seconds=1))
        schedules = list(spec.get("schedules") or []) or ([spec["schedule"]] if spec.get("schedule") else [])
        latest: datetime | None = None
        for i, text in enumerate(schedules):
            sched = parse_schedule(str(text), spec.get("timezone") or "", f"spec.schedules[{i}]")
            times = sched.times_between(since, now, limit=1)
            if times and (latest is None or times[-1] > latest):
                latest = times[-1]
        if latest is None:
            return None
        if now - latest > window:
            return None
        return latest

    def _when(self, cron: dict[str, Any], now: datetime) -> bool:
        expr = (cron.get("spec") or {}).get("when")
        if not expr:
            return True
        from argento.expr import substitute
        from argento.expr.lang import clock_at

        env = _cron_env(cron, now)
        text = expr if "{{" in expr else "{{=" + expr + "}}"
        with clock_at(now):  # now() is the controller's clock (injected in tests)
            return substitute(text, {}, expr_env=env).strip() == "true"

    def _start(self, cron: dict[str, Any], due: datetime) -> str | None:
        from argento.server.validate import admit

        meta = cron["metadata"]
        child = workflow_of_cron(cron, due)
        try:
            wf = admit({"workflow": child}, "workflow", "Workflow", meta["namespace"], catalog=self.catalog)
            created = self.manager.create(wf)
        except AlreadyExists:
            return None
        cmeta = created["metadata"]
        status = cron.setdefault("status", {})
        status.setdefault("active", []).append(
            {
                "kind": "Workflow",
                "namespace": cmeta["namespace"],
                "name": cmeta["name"],
                "uid": cmeta["uid"],
                "apiVersion": "argoproj.io/v1alpha1",
            }
        )
        self.metrics.cron_triggered(meta["name"], meta["namespace"])
        return str(cmeta["name"])

    # ------------------------------------------------------------------------------------ bookkeeping
    def _settle(self, cron: dict[str, Any]) -> bool:
        """Move finished children out of ``active``, count them, apply history limits and stopStrategy."""
        meta = cron["metadata"]
        status = cron.setdefault("status", {})
        changed = False
        still: list[dict[str, Any]] = []
        for ref in status.get("active") or []:
            phase = self._phase(meta["namespace"], ref["name"])
            if phase in COMPLETED_PHASES:
                key = "succeeded" if phase == "Succeeded" else "failed"
                status[key] = int(status.get(key) or 0) + 1
                changed = True
            elif phase is not None:
                still.append(ref)
            else:
                changed = True
        if changed:
            status["active"] = still
            self._history(cron)
            stop = (cron.get("spec") or {}).get("stopStrategy") or {}
            expr = stop.get("expression") or stop.get("condition")
            if expr and status.get("phase") != "Stopped":
                from argento.expr.lang import evaluate

                if evaluate(expr, _cron_env(cron, None)) is True:
                    status["phase"] = "Stopped"
                    self._condition(cron, "Completed", f"stopStrategy {expr!r} is met")
        return changed

    def _phase(self, namespace: str, name: str) -> str | None:
        try:
            return (self.manager.get(namespace, name).get("status") or {}).get("phase") or "Running"
        except NotFound:
            return None

    def _history(self, cron: dict[str, Any]) -> None:
        from argento.store import ListQuery
        from argento.store.selectors import Requirement

        meta, spec = cron["metadata"], cron.get("spec") or {}
        limits = {
            "Succeeded": int(spec.get("successfulJobsHistoryLimit", 3)),
            "Failed": int(spec.get("failedJobsHistoryLimit", 1)),
        }
        query = ListQuery(namespace=meta["namespace"], labels=[Requirement(CRON_LABEL, "=", (meta["name"],))])
        children = self.store.workflows.list(query).items
        for phase, limit in limits.items():
            done = [
                w
                for w in children
                if ((w.get("status") or {}).get("phase") == phase)
                or (phase == "Failed" and (w.get("status") or {}).get("phase") == "Error")
            ]
            done.sort(key=_age, reverse=True)
            for wf in done[max(limit, 0) :]:
                with contextlib.suppress(NotFound):
                    self.manager.delete(meta["namespace"], wf["metadata"]["name"])

    def _condition(self, cron: dict[str, Any], kind: str, message: str) -> None:
        conditions = [
            c for c in cron.setdefault("status", {}).get("conditions") or [] if c.get("type") != kind
        ]
        conditions.append(
            {
                "type": kind,
                "status": "True",
                "message": message,
                "lastTransitionTime": _rfc3339(self.clock.now()),
            }
        )
        cron["status"]["conditions"] = conditions

    def _save(self, cron: dict[str, Any]) -> None:
        cron["metadata"].pop("resourceVersion", None)  # the controller owns status: no optimistic check
        with contextlib.suppress(NotFound):
            self.store.resources.update("CronWorkflow", cron)


def _age(wf: dict[str, Any]) -> tuple[str, str, str]:
    """Newest last: by finish time, then scheduled time (children finish within the same second)."""
    meta = wf["metadata"]
    scheduled = (meta.get("annotations") or {}).get(SCHEDULED_ANNOTATION, "")
    return ((wf.get("status") or {}).get("finishedAt") or "", scheduled, meta.get("name", ""))


def _cron_env(cron: dict[str, Any], now: datetime | None) -> dict[str, Any]:
    from argento.expr.lang import GoTime, build_env

    meta, status = cron["metadata"], cron.get("status") or {}
    env = build_env({})
    last = _parse_time(status.get("lastScheduledTime"))
    env["cronworkflow"] = {
        "name": meta.get("name", ""),
        "namespace": meta.get("namespace", ""),
        "labels": dict(meta.get("labels") or {}),
        "annotations": dict(meta.get("annotations") or {}),
        "lastScheduledTime": GoTime(last) if last else None,
        "failed": int(status.get("failed") or 0),
        "succeeded": int(status.get("succeeded") or 0),
    }
    return env
