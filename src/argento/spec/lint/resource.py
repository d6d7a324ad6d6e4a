"""Rules for a whole resource (Argo's ``validate.Workflow``, ``WorkflowTemplate``, ``CronWorkflow``):
names, entrypoint, ``onExit``, hooks, arguments, ``workflowTemplateRef``, cron settings; then every template."""

from __future__ import annotations

import json
import re
import zoneinfo

from argento.names import object_name_errors
from argento.spec.cron import DESCRIPTORS
from argento.spec.lint.calls import check_arguments, check_expression, check_hooks, check_supplied
from argento.spec.lint.checker import Checker, global_scope
from argento.spec.lint.context import Emitter, Holder, Registry, resolve
from argento.spec.lint.expressions import ExpressionChecker
from argento.spec.lint.fields import check_fields
from argento.spec.lint.pods import check_workflow_pod
from argento.spec.lint.report import Problem
from argento.spec.lint.templates import RETRY_POLICIES, check_template
from argento.spec.load import Document
from argento.spec.models import (
    Arguments,
    CronWorkflow,
    PodGC,
    Workflow,
    WorkflowEventBinding,
)
from argento.spec.names import MAX_CRON_WORKFLOW_NAME, MAX_OBJECT_NAME, workflow_field_name_errors

CONCURRENCY_POLICIES = ("", "Allow", "Forbid", "Replace")
_CRON_FIELD = re.compile(r"^[\d*/,\-?A-Za-z]+$")


def lint_document(doc: Document, registry: Registry, exprs: ExpressionChecker) -> list[Problem]:
    """Every rule for one document."""
    emit = Emitter(doc)
    res = doc.resource
    if "apiVersion" not in doc.raw:
        emit.warn((), "apiVersion is missing; assuming argoproj.io/v1alpha1")
    check_fields(res, (), emit)
    for model, written, canonical in doc.folded:
        emit.warn(
            (),
            f'field "{written}" of {model} is read as "{canonical}": Go\'s decoder (the controller) matches field '
            "names case-insensitively, but argo lint/submit (strict) refuse it; write it as Argo spells it",
        )
    meta = doc.raw.get("metadata")
    if isinstance(meta, dict):  # what the Kubernetes API server checks before Argo sees the object
        for problem in object_name_errors(meta):
            emit.error(tuple(problem.path.split(".")), problem.message)
    limit = MAX_CRON_WORKFLOW_NAME if isinstance(res, CronWorkflow) else MAX_OBJECT_NAME
    label = {
        "Workflow": "workflow",
        "WorkflowTemplate": "workflow template",
        "ClusterWorkflowTemplate": "cluster workflow template",
        "CronWorkflow": "cron workflow",
    }.get(res.kind)
    if label and len(res.name) > limit:
        emit.error(
            ("metadata", "name"),
            f"{label} name {res.name!r} must not be more than {limit} characters long (currently {len(res.name)})",
        )
    if isinstance(res, CronWorkflow):
        _check_cron(res, emit, exprs)
    if isinstance(res, WorkflowEventBinding):
        selector = res.spec.event.selector
        problem = exprs.expr_error(selector) if selector else "event.selector is required"
        if problem:
            emit.error(
                ("spec", "event", "selector"), problem if not selector else f"invalid expression: {problem}"
            )
        ref = res.spec.submit.workflow_template_ref if res.spec.submit else None
        if ref is not None and ref.name and registry.lookup(ref.name, bool(ref.cluster_scope)) is None:
            emit.error(
                ("spec", "submit", "workflowTemplateRef"), registry.missing(ref.name, bool(ref.cluster_scope))
            )
    holder = Holder.of(doc)
    if holder is not None:
        _check_holder(holder, registry, emit, exprs)
    return emit.problems


def _check_holder(holder: Holder, registry: Registry, emit: Emitter, exprs: ExpressionChecker) -> None:
    spec, sp = holder.spec, holder.path
    res = holder.doc.resource
    referenced: Holder | None = None
    ref = spec.workflow_template_ref
    if ref is not None:
        if spec.templates:
            emit.error(
                (*sp, "templates"),
                "Templates is invalid field in spec if workflow referred WorkflowTemplate reference",
            )
        if not ref.name:
            emit.error((*sp, "workflowTemplateRef", "name"), "workflowTemplateRef.name is required")
        else:
            referenced = registry.lookup(ref.name, bool(ref.cluster_scope))
            if referenced is None:
                emit.error((*sp, "workflowTemplateRef"), registry.missing(ref.name, bool(ref.cluster_scope)))
    ck = Checker(
        holder,
        registry,
        emit,
        exprs,
        global_scope(holder, referenced),
        referenced,
        check_template=check_template,
    )
    seen: set[str] = set()
    for i, tmpl in enumerate(spec.templates or ()):
        name = tmpl.name or ""
        errors = workflow_field_name_errors(name)
        if errors:
            emit.error((*sp, "templates", i, "name"), f"name '{name}' is invalid: {';'.join(errors)}")
        elif name in seen:
            emit.error((*sp, "templates", i, "name"), f"name '{name}' is not unique")
        seen.add(name)
    check_arguments(spec.arguments, (*sp, "arguments"), ck, allow_empty=True)
    runs = isinstance(res, Workflow | CronWorkflow)
    args = _merged_arguments(spec.arguments, referenced.spec.arguments if referenced else None)
    entrypoint = spec.entrypoint or (referenced.spec.entrypoint if referenced else None)
    if runs and not entrypoint and (ref is None or referenced is not None):
        emit.error((*sp, "entrypoint"), "spec.entrypoint is required")
    for field_name, name in (("entrypoint", entrypoint), ("onExit", spec.on_exit)):
        if not name or (ref is not None and referenced is None):
            continue
        target_holder = referenced or holder
        r = resolve(
            template=name,
            template_ref=None,
            inline=None,
            holder=target_holder,
            registry=registry,
            path=(*sp, field_name),
            local=referenced is None,
        )
        if r.problem:
            emit.error((*sp, field_name), r.problem[1])
        elif r.target is not None and runs:
            check_supplied(r.target.template, args, sp, ck, lenient=True)
    check_hooks(spec.hooks, sp, ck, argo_base="hooks")
    check_workflow_pod(spec, sp, emit)
    if spec.pod_gc is not None and (spec.pod_gc.strategy or "") not in PodGC.STRATEGIES:
        emit.error((*sp, "podGC", "strategy"), f"podGC.strategy unknown strategy '{spec.pod_gc.strategy}'")
    retry = spec.retry_strategy
    if retry is not None:
        if (retry.retry_policy or "") not in RETRY_POLICIES:
            emit.error(
                (*sp, "retryStrategy", "retryPolicy"), f"{retry.retry_policy} is not a valid RetryPolicy"
            )
        if retry.expression:
            check_expression(ck, retry.expression, (*sp, "retryStrategy", "expression"))
    for label, expr in (spec.workflow_metadata.labels_from or {}).items() if spec.workflow_metadata else ():
        check_expression(ck, expr.expression, (*sp, "workflowMetadata", "labelsFrom", label, "expression"))
    for i, tmpl in enumerate(spec.templates or ()):
        check_template(tmpl, (*sp, "templates", i), ck)


def _merged_arguments(own: Arguments | None, referenced: Arguments | None) -> Arguments | None:
    """Argo's ``MergeParameters``: the Workflow's arguments win over the WorkflowTemplate's."""
    if referenced is None:
        return own
    params = {p.name: p for p in (referenced.parameters or ())}
    params.update({p.name: p for p in ((own.parameters or ()) if own else ())})
    arts = {a.name: a for a in (referenced.artifacts or ())}
    arts.update({a.name: a for a in ((own.artifacts or ()) if own else ())})
    return Arguments(parameters=list(params.values()), artifacts=list(arts.values()))


def _check_cron(cron: CronWorkflow, emit: Emitter, exprs: ExpressionChecker) -> None:
    spec = cron.spec
    schedules = spec.all_schedules()
    if not schedules:
        emit.error(("spec", "schedules"), "cron workflow must have at least one schedule")
    for i, schedule in enumerate(spec.schedules or ()):
        problem = cron_schedule_error(schedule)
        if problem:
            emit.error(("spec", "schedules", i), f"cron schedule {schedule} is malformed: {problem}")
    if spec.schedule and (problem := cron_schedule_error(spec.schedule)):
        emit.error(("spec", "schedule"), f"cron schedule {spec.schedule} is malformed: {problem}")
    if spec.timezone:
        try:
            zoneinfo.ZoneInfo(spec.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            # Go's %q quoting, then time.LoadLocation's reason
            emit.error(
                ("spec", "timezone"),
                f"invalid timezone {json.dumps(spec.timezone)}: unknown time zone {spec.timezone}",
            )
    if (spec.concurrency_policy or "") not in CONCURRENCY_POLICIES:
        emit.error(
            ("spec", "concurrencyPolicy"), f"'{spec.concurrency_policy}' is not a valid concurrencyPolicy"
        )
    if spec.starting_deadline_seconds is not None and spec.starting_deadline_seconds < 0:
        emit.error(("spec", "startingDeadlineSeconds"), "startingDeadlineSeconds must be positive")
    for field_name, expr in (
        ("when", spec.when),
        ("stopStrategy", spec.stop_strategy.expression if spec.stop_strategy else None),
    ):
        if expr and "{{" not in expr and (problem := exprs.expr_error(expr)):
            emit.error(("spec", field_name), f"invalid expression: {problem}")


def cron_schedule_error(schedule: str) -> str | None:
    """Why ``schedule`` is not a standard cron expression (robfig/cron ``ParseStandard``), or ``None``."""
    text = schedule.strip()
    if text.startswith(("CRON_TZ=", "TZ=")):
        text = text.split(None, 1)[1] if " " in text else ""
    if text.startswith("@"):
        if text in DESCRIPTORS or re.fullmatch(r"@every\s+\S+", text):
            return None
        return f"unrecognized descriptor: {text}"
    fields = text.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]"
    for f in fields:
        if not _CRON_FIELD.match(f):
            return f"failed to parse field {f!r}"
    return None
