"""One template invocation (`Call`) and the helpers every template handler shares.

Neutral ground between the controller and the handlers: nothing here imports either, so a handler needs
only this module and :mod:`argento.engine.ports`.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from argento.engine.nodes import NodeStatus
from argento.engine.resolve import Resolved, Template, TemplateBase
from argento.engine.scope import anystr
from argento.errors import SpecError


class NodeFailure(Exception):
    """``executeTemplate`` returned an error: the node exists (phase Error) and callers react as Argo does."""

    def __init__(self, node: NodeStatus) -> None:
        super().__init__(node.message)
        self.node = node


@dataclass(slots=True)
class Call:
    """One template invocation: the node it owns and where its references resolve."""

    node_name: str
    template: Template
    base: TemplateBase
    boundary_id: str | None
    holder: dict[str, Any]
    resolved: Resolved
    on_exit: bool = False
    node_flag: dict[str, bool] | None = None
    ready: asyncio.Future[NodeStatus] | None = None
    #: Monotonic time its pods may not outlive (Argo's ``executionDeadline``: ``backoff.maxDuration``).
    deadline: float | None = None
    #: The caller's template scope (where resolution started): the node's ``templateScope``. None: ``base``'s.
    scope: str | None = None

    @property
    def template_name(self) -> str | None:
        return self.resolved.template_name

    def init_kwargs(self) -> dict[str, Any]:
        return {
            "boundary_id": self.boundary_id,
            "template_name": self.resolved.template_name,
            "template_ref": self.resolved.template_ref,
            # Argo's executeTemplate: "templateScope from which the template resolution starts" — the
            # caller's, also for a templateRef (whose own children are then in the referenced template's)
            "template_scope": self.scope if self.scope is not None else self.base.scope,
            "node_flag": self.node_flag,
        }


def inputs_of(tmpl: Template) -> dict[str, Any] | None:
    """The ``inputs`` a node records: parameters with their bound values, artifacts as given."""
    inputs = tmpl.get("inputs") or {}
    out: dict[str, Any] = {}
    if inputs.get("parameters"):
        out["parameters"] = [
            {
                k: v
                for k, v in p.items()
                if k in ("name", "value", "default", "enum", "description", "globalName")
            }
            for p in inputs["parameters"]
        ]
    if inputs.get("artifacts"):
        out["artifacts"] = inputs["artifacts"]
    return out or None


def int_field(value: Any, path: str) -> int | None:
    """An integer field that may have been a ``{{…}}`` tag (``parallelism: "{{inputs.parameters.p}}"``): its
    substituted value must be an integer, as Go's JSON decoding of the substituted template requires."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = anystr(value)
    try:
        return int(text)
    except ValueError:
        raise SpecError(
            f"{path}: cannot unmarshal string {json.dumps(text)} into an int", path=path
        ) from None
