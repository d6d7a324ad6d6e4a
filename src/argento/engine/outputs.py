"""Outputs of steps/DAG templates from their scope, and ``from`` artifact references (Argo's wfScope)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from argento.engine.resolve import Template
from argento.engine.scope import Scope, anystr
from argento.errors import ArgentoError, SpecError

if TYPE_CHECKING:
    from argento.engine.ports import RunContext


def resolve_parameter(value_from: dict[str, Any], scope: Scope, run: RunContext) -> str:
    """Argo's ``resolveParameter``: ``expression`` (expr-lang) or ``parameter`` (a ``{{…}}`` reference)."""
    if value_from.get("expression"):
        from argento.expr.lang import build_env, evaluate

        env = build_env(scope.expr_flat(run.global_params))
        value = evaluate(value_from["expression"], env)
        if value is None:
            raise SpecError(f"Unable to resolve expression: {value_from['expression']}")
        return value if isinstance(value, str) else _json(value)
    ref = str(value_from.get("parameter") or "").strip()
    if not ref:
        return ""
    key = ref[2:-2].strip() if ref.startswith("{{") and ref.endswith("}}") else ref
    if key in scope.params:
        return scope.params[key]
    if key in run.global_params:
        return run.global_params[key]
    raise SpecError(f"Unable to resolve: {{{{{key}}}}}")


def _json(value: Any) -> str:
    if isinstance(value, bool | int | float):
        return anystr(value)
    return json.dumps(value, separators=(",", ":"))


def template_outputs(run: RunContext, tmpl: Template, scope: Scope) -> dict[str, Any] | None:
    """Argo's ``getTemplateOutputsFromScope``."""
    spec = tmpl.get("outputs") or {}
    if not spec.get("parameters") and not spec.get("artifacts"):
        return None
    outputs: dict[str, Any] = {}
    params = []
    for param in spec.get("parameters") or []:
        value_from = param.get("valueFrom")
        if value_from is None:
            raise SpecError(
                f"outputs.parameters.{param.get('name')}: output parameters must have a valueFrom specified"
            )
        try:
            value = resolve_parameter(value_from, scope, run)
        except ArgentoError:
            if value_from.get("default") is None:
                raise
            value = anystr(value_from["default"])
        out = {k: v for k, v in param.items() if k != "valueFrom"}
        out["value"] = value
        params.append(out)
    if params:
        outputs["parameters"] = params
    arts = []
    for art in spec.get("artifacts") or []:
        source = art.get("from") or art.get("fromExpression")
        if not source:
            continue
        try:
            resolved = _artifact_from(art, scope, run)
        except ArgentoError:
            if art.get("optional"):
                continue
            raise
        arts.append(
            {
                **resolved,
                "name": art["name"],
                **({"globalName": art["globalName"]} if art.get("globalName") else {}),
            }
        )
    if arts:
        outputs["artifacts"] = arts
    return outputs


def _artifact_from(art: dict[str, Any], scope: Scope, run: RunContext) -> dict[str, Any]:
    if art.get("fromExpression"):
        from argento.expr.lang import build_env, evaluate

        env = build_env({**run.global_params, **scope.params, **{k: v for k, v in scope.artifacts.items()}})
        value = evaluate(art["fromExpression"], env)
        if isinstance(value, dict):
            return dict(value)
        raise SpecError(f"fromExpression {art['fromExpression']!r} did not evaluate to an artifact")
    return dict(scope.resolve_artifact(art["from"]))


def resolve_artifact_args(holder: dict[str, Any], scope: Scope) -> None:
    """Replace ``arguments.artifacts[*].from`` references by the artifacts they name (in place)."""
    args = holder.get("arguments") or {}
    for i, art in enumerate(args.get("artifacts") or []):
        ref = art.get("from")
        if not ref or "{{item" in ref:
            continue
        try:
            found = scope.resolve_artifact(ref)
        except ArgentoError:
            if art.get("optional") or _absent_output(ref, scope):
                continue  # not supplied: the input's `optional` decides
            raise
        merged = {k: v for k, v in found.items() if k not in ("name", "globalName", "path", "mode")}
        merged.update({k: v for k, v in art.items() if k not in ("from",)})
        merged["name"] = art["name"]
        args["artifacts"][i] = merged


def _absent_output(ref: str, scope: Scope) -> bool:
    """``{{steps.X.outputs.artifacts.Y}}`` of a producer that ran without saving Y: Y was an ``optional``
    output whose path did not exist (a missing non-optional output errors the producer itself)."""
    key = ref.strip().removeprefix("{{").removesuffix("}}").strip()
    head, sep, _ = key.partition(".outputs.artifacts.")
    return bool(sep) and head.startswith(("steps.", "tasks.")) and f"{head}.status" in scope.params
