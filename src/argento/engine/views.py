"""Typed views over the fields the engine reads most from substituted templates.

The engine runs on the raw template dicts (what Argo's controller substitutes and what nodes record); these
read-only views name the hot fields once instead of ``.get("…")`` chains at every use: a template's
``retryStrategy`` (with the workflow's as fallback), a container's basics, a DAG and its tasks, a step.

Values are as written (after ``{{…}}`` substitution): numbers may still be strings (``limit: "3"``) and are
parsed, with Argo's error wording, where they are used (``retry``, ``call.int_field``). A view never fails
on construction, so errors surface exactly where they did before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from argento.engine.scope import anystr

Raw = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Backoff:
    """``retryStrategy.backoff`` (durations as written: ``"10s"``, ``10``)."""

    duration: Any
    factor: Any
    cap: Any
    max_duration: Any

    @classmethod
    def of(cls, raw: Raw | None) -> Backoff | None:
        """The view of a non-empty ``backoff``; None when it is absent or ``{}`` (no backoff)."""
        if not raw:
            return None
        return cls(raw.get("duration"), raw.get("factor"), raw.get("cap"), raw.get("maxDuration"))


@dataclass(frozen=True, slots=True)
class RetryStrategy:
    """A template's ``retryStrategy`` (Argo's ``RetryStrategy``)."""

    limit: Any
    #: ``Always``, ``OnError``, ``OnFailure`` (the default), ``OnTransientError``; "" when not set.
    retry_policy: str
    expression: str
    backoff: Backoff | None

    @classmethod
    def of(cls, raw: Raw) -> RetryStrategy:
        return cls(
            limit=raw.get("limit"),
            retry_policy=raw.get("retryPolicy") or "",
            expression=raw.get("expression") or "",
            backoff=Backoff.of(raw.get("backoff")),
        )

    @classmethod
    def for_template(cls, tmpl: Raw, spec: Raw) -> RetryStrategy | None:
        """Argo's ``retryStrategy(tmpl)``: the template's, else the workflow's; an empty ``{}`` is a strategy
        (retry without a limit); None when neither has one."""
        strategy = tmpl.get("retryStrategy")
        if strategy is None:
            strategy = spec.get("retryStrategy")
        return cls.of(strategy) if isinstance(strategy, Mapping) else None


@dataclass(frozen=True, slots=True)
class ContainerView:
    """A container's basics (the ``container``/``script`` of a template, a sidecar, a containerSet's one)."""

    name: str
    image: str
    command: list[str]
    args: list[str]
    working_dir: str | None
    requests: dict[str, str]
    limits: dict[str, str]
    tty: bool
    #: A script's source; None for a container.
    source: str | None

    @classmethod
    def of(cls, raw: Raw) -> ContainerView:
        resources = raw.get("resources") or {}
        return cls(
            name=raw.get("name") or "",
            image=str(raw.get("image", "")),
            command=[str(c) for c in raw.get("command") or []],
            args=[str(a) for a in raw.get("args") or []],
            working_dir=raw.get("workingDir"),
            requests={k: anystr(v) for k, v in (resources.get("requests") or {}).items()},
            limits={k: anystr(v) for k, v in (resources.get("limits") or {}).items()},
            tty=bool(raw.get("tty")),
            source=raw.get("source"),
        )


@dataclass(frozen=True, slots=True)
class CallSite:
    """What a step or a DAG task says about the template it calls (Argo's ``WorkflowStep``/``DAGTask``)."""

    name: str
    template: str | None
    template_ref: dict[str, Any] | None
    arguments: dict[str, Any] | None
    when: str
    continue_on_failed: bool
    continue_on_error: bool

    @classmethod
    def of(cls, raw: Raw) -> CallSite:
        cont = raw.get("continueOn") or {}
        when = raw.get("when")
        return cls(
            name=str(raw.get("name") or ""),
            template=raw.get("template"),
            template_ref=raw.get("templateRef"),
            arguments=raw.get("arguments"),
            when=str(when) if when else "",
            continue_on_failed=bool(cont.get("failed")),
            continue_on_error=bool(cont.get("error")),
        )


@dataclass(frozen=True, slots=True)
class TaskView:
    """A DAG task: its call site and its dependencies (``depends`` text, else ``dependencies``)."""

    site: CallSite
    depends: str
    dependencies: list[str]

    @classmethod
    def of(cls, raw: Raw) -> TaskView:
        depends = raw.get("depends")
        return cls(CallSite.of(raw), str(depends) if depends else "", list(raw.get("dependencies") or []))


@dataclass(frozen=True, slots=True)
class DagView:
    """A ``dag`` template: its tasks by name, ``target`` and ``failFast``."""

    tasks: dict[str, dict[str, Any]]
    #: The ``target`` task names; empty: the leaf tasks.
    targets: list[str]
    fail_fast: bool

    @classmethod
    def of(cls, tmpl: Raw) -> DagView:
        dag = tmpl.get("dag") or {}
        target = dag.get("target")
        return cls(
            tasks={t["name"]: t for t in dag.get("tasks") or []},
            targets=str(target).split(" ") if target else [],
            fail_fast=dag.get("failFast") is not False,
        )


def step_groups(tmpl: Raw) -> Sequence[list[dict[str, Any]]]:
    """A ``steps`` template's groups (each a list of parallel steps)."""
    return tmpl.get("steps") or []
