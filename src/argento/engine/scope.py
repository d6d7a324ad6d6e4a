"""Variable scopes: what ``{{steps.X.outputs.result}}`` and friends resolve to (Argo's ``wfScope``)."""

from __future__ import annotations

import json
import re
from typing import Any

from argento.engine.nodes import NodePhase, NodeStatus
from argento.engine.state import WorkflowState
from argento.errors import SpecError


class Scope:
    """Flat parameter values (``prefix.outputs.parameters.x`` → str) and artifacts by the same keys."""

    __slots__ = ("absent", "artifacts", "params")

    def __init__(self, params: dict[str, str] | None = None) -> None:
        self.params: dict[str, str] = dict(params or {})
        self.artifacts: dict[str, dict[str, Any]] = {}
        #: Outputs of skipped/omitted producers that have no ``valueFrom.default``: nil to expressions, and an
        #: argument that is exactly such a reference counts as not supplied (the input's default applies).
        self.absent: set[str] = set()

    def copy(self) -> Scope:
        s = Scope(self.params)
        s.artifacts = dict(self.artifacts)
        s.absent = set(self.absent)
        return s

    def add_skipped(self, prefix: str, tmpl: dict[str, Any] | None) -> None:
        """Outputs of a producer that did not run: its ``valueFrom.default`` if declared, else absent."""
        for param in ((tmpl or {}).get("outputs") or {}).get("parameters") or []:
            key = f"{prefix}.outputs.parameters.{param.get('name')}"
            default = (param.get("valueFrom") or {}).get("default")
            if default is not None:
                self.params[key] = anystr(default)
            else:
                self.absent.add(key)

    def expr_flat(self, global_params: dict[str, str]) -> dict[str, Any]:
        """Flat variables for an expression env: globals, this scope, and nil for absent outputs."""
        flat: dict[str, Any] = {**global_params, **self.params}
        for key in self.absent:
            flat.setdefault(key, None)
        return flat

    def substitute(self, obj: Any, global_params: dict[str, str]) -> Any:
        """Substitute a step/task/hook from this scope. Expression tags see absent outputs as nil
        (Argo's ``getParametersAny``: ``{{= tasks.p.outputs.parameters.x ?? 'fallback'}}`` falls back)."""
        from collections import ChainMap

        from argento.expr.template import substitute_obj

        env = None
        if self.absent and "{{=" in json.dumps(obj):
            from argento.expr.lang import build_env

            env = build_env(self.expr_flat(global_params))
        return substitute_obj(obj, ChainMap(self.params, global_params), expr_env=env)

    def drop_absent_arguments(self, holder: dict[str, Any]) -> None:
        """References to absent outputs: an argument that is exactly one counts as not supplied (the input's
        default applies, else the node fails as an "absent optional"); a ``withParam`` that is one fails."""
        if not self.absent:
            return
        ref = _absent_ref(holder.get("withParam"), self.absent)
        if ref:
            raise SpecError(
                f"withParam {ref} is an absent optional: its producer did not run and declares no default"
            )
        for param in (holder.get("arguments") or {}).get("parameters") or []:
            ref = _absent_ref(param.get("value"), self.absent)
            if ref:
                del param["value"]
                param[ABSENT] = ref
        # Argo's simpleReplace: any other simple tag resolving to an absent output (e.g. an artifact's subPath)
        # cannot be substituted; the node errors rather than keeping the tag or an empty string.
        # (hooks are resolved on their own, when they run: hooks.py hook_arguments)
        rest = json.dumps({k: v for k, v in holder.items() if k not in ("withParam", "hooks")}, default=str)
        for param in (holder.get("arguments") or {}).get("parameters") or []:
            if ABSENT in param:  # a pure reference dropped above is not a substitution
                rest = rest.replace(json.dumps(param[ABSENT])[1:-1], "", 1)
        for tag in _TAG.findall(rest):
            if tag.strip() in self.absent:
                raise SpecError(
                    f"unable to substitute {{{{{tag}}}}}: output is an absent optional "
                    "(skipped/omitted node with no default)"
                )

    def add_node(self, state: WorkflowState, prefix: str, node: NodeStatus) -> None:
        """Argo's ``buildLocalScope``: id, ip, status, timestamps, exitCode, outputs of one node."""
        node = state.last_attempt(node) or node  # a Retry node's values are its newest attempt's
        p = self.params
        p[f"{prefix}.id"] = node.id
        if node.pod_ip:
            p[f"{prefix}.ip"] = node.pod_ip
        p[f"{prefix}.status"] = str(node.phase)
        if node.started_at:
            p[f"{prefix}.startedAt"] = node.started_at
        if node.finished_at:
            p[f"{prefix}.finishedAt"] = node.finished_at
        if node.host_node_name:
            p[f"{prefix}.hostNodeName"] = node.host_node_name
        self.add_outputs(prefix, node.outputs)

    def add_outputs(self, prefix: str, outputs: dict[str, Any] | None) -> None:
        """Argo's ``addOutputsToLocalScope``."""
        if not outputs:
            return
        p = self.params
        if prefix != "workflow" and outputs.get("result") is not None:
            p[f"{prefix}.outputs.result"] = outputs["result"]
        if prefix != "workflow" and outputs.get("exitCode") is not None:
            p[f"{prefix}.exitCode"] = str(outputs["exitCode"])
        params = outputs.get("parameters") or []
        for param in params:
            if param.get("value") is not None:
                p[f"{prefix}.outputs.parameters.{param['name']}"] = anystr(param["value"])
        for art in outputs.get("artifacts") or []:
            self.artifacts[f"{prefix}.outputs.artifacts.{art['name']}"] = art

    def add_aggregate(self, prefix: str, children: list[NodeStatus]) -> None:
        """Argo's ``processAggregateNodeOutputs`` for loops: JSON lists of results and parameters."""
        # Hooks and retry attempts are not items of the loop (a Retry node carries its last attempt's outputs).
        children = [
            c
            for c in children
            if not (c.node_flag and (c.node_flag.get("hooked") or c.node_flag.get("retried")))
        ]
        children.sort(key=lambda c: c.t_start)
        param_list: list[dict[str, str]] = []
        values: dict[str, list[str]] = {}
        results: list[Any] = []
        for node in children:
            outputs = node.outputs
            if not outputs or node.phase is not NodePhase.SUCCEEDED:
                continue
            params = outputs.get("parameters") or []
            if params:
                entry: dict[str, str] = {}
                for prm in params:
                    value = anystr(prm.get("value", ""))
                    entry[prm["name"]] = value
                    values.setdefault(prm["name"], []).append(value)
                param_list.append(entry)
            if outputs.get("result") is not None:
                results.append(_json_or_string(outputs["result"]))
        self.params[f"{prefix}.outputs.result"] = json.dumps(results, separators=(",", ":"))
        self.params[f"{prefix}.outputs.parameters"] = json.dumps(param_list, separators=(",", ":"))
        for name, vals in values.items():
            self.params[f"{prefix}.outputs.parameters.{name}"] = aggregated_json_list(vals)

    def resolve_artifact(self, ref: str) -> dict[str, Any]:
        """Resolve ``{{steps.X.outputs.artifacts.Y}}`` (Argo: ``Unable to resolve: …``)."""
        key = ref.strip()
        if key.startswith("{{") and key.endswith("}}"):
            key = key[2:-2].strip()
        art = self.artifacts.get(key)
        if art is None:
            raise SpecError(f"Unable to resolve: {{{{{key}}}}}")
        return art


#: Marks an argument whose value was a reference to an absent output (see ``Scope.drop_absent_arguments``).
ABSENT = "__argento_absent__"


_TAG = re.compile(r"\{\{([^{}=][^{}]*)\}\}")


def _absent_ref(value: Any, absent: set[str]) -> str:
    if (
        isinstance(value, str)
        and value.startswith("{{")
        and value.endswith("}}")
        and value[2:-2].strip() in absent
    ):
        return value
    return ""


def _json_or_string(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def aggregated_json_list(values: list[str]) -> str:
    """Argo's ``aggregatedJSONValueList``: a JSON list of the values, parsed as JSON when every one is a JSON
    list or object (``tryJSONUnmarshal``); else — numbers, booleans and other scalars too — a list of strings."""
    parsed: list[Any] = []
    for value in values:
        try:
            item = json.loads(value)
        except ValueError:
            return json.dumps(values, separators=(",", ":"))
        if not isinstance(item, list | dict):
            return json.dumps(values, separators=(",", ":"))
        parsed.append(item)
    return json.dumps(parsed, separators=(",", ":"))


def anystr(value: Any) -> str:
    """Argo's ``AnyString``: the string form of a parameter value as written in YAML/JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"))
