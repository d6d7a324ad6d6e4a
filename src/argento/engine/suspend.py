"""Suspend templates (duration or manual resume) and HTTP templates."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from argento.engine.durations import parse_duration
from argento.engine.nodes import NodePhase, NodeStatus, NodeType
from argento.engine.scope import anystr
from argento.errors import ArgentoError

if TYPE_CHECKING:
    from argento.engine.call import Call
    from argento.engine.ports import RunContext


def _stopped_message(run: RunContext) -> str:
    """Argo's ``failNodesWithoutCreatedPodsAfterDeadlineOrShutdown`` for an active suspend node."""
    if run.deadline_exceeded and not run.shutdown:
        return "Step exceeded its deadline"
    return f"Stopped with strategy '{run.shutdown or 'Stop'}'"


async def execute_suspend(run: RunContext, call: Call) -> NodeStatus:
    """A Suspend node: Running until resumed (or its ``duration`` elapses); supplies output parameters."""
    from argento.engine.call import inputs_of

    state = run.state
    node = state.by_name(call.node_name) or state.init_node(
        call.node_name, NodeType.SUSPEND, inputs=inputs_of(call.template), **call.init_kwargs()
    )
    if node.fulfilled:
        return node
    if not run.should_run(call.on_exit):
        return state.mark(node, NodePhase.FAILED, _stopped_message(run))
    duration = (call.template.get("suspend") or {}).get("duration")
    timeout = parse_duration(duration, field="suspend.duration") * run.time_scale if duration else None
    with run.suspension(node.name) as fut:
        resumed: dict[str, Any] | None
        try:
            resumed = await asyncio.wait_for(asyncio.shield(fut), timeout)
        except TimeoutError:
            resumed = {"outputs": {}}
    if resumed is None:
        return state.mark(node, NodePhase.FAILED, _stopped_message(run))
    if resumed.get("phase") in ("Failed", "Error"):  # Argo's `set` action (`argo node set --phase Failed`)
        return state.mark(node, NodePhase(resumed["phase"]), resumed.get("message") or "")
    supplied = resumed.get("outputs") or {}
    # Argo's addRawOutputFields: a supplied output without a default takes the default of the input of the same
    # name; OverrideOutputParametersWithDefault then fills what was not supplied, or errors.
    input_defaults = {
        p.get("name"): p["default"]
        for p in (call.template.get("inputs") or {}).get("parameters") or []
        if p.get("default") is not None
    }
    params = []
    for param in (call.template.get("outputs") or {}).get("parameters") or []:
        out = {k: v for k, v in param.items() if k != "valueFrom"}
        value_from = param.get("valueFrom") or {}
        default = value_from.get("default")
        if default is None and value_from.get("supplied") is not None:
            default = input_defaults.get(param["name"])
        if param["name"] in supplied:
            out["value"] = supplied[param["name"]]
        elif default is not None:
            out["value"] = anystr(default)
        elif param.get("value") is not None:
            out["value"] = anystr(param["value"])
        else:
            return state.mark(
                node,
                NodePhase.ERROR,
                f"raw output parameter '{param['name']}' has not been set and does not have a default value",
            )
        params.append(out)
    if params:
        node.outputs = {"parameters": params}
        run.add_global_outputs(node.outputs)
    return state.mark(node, NodePhase.SUCCEEDED)


async def execute_http(run: RunContext, call: Call) -> NodeStatus:
    """An HTTP node: one request; ``successCondition`` (expr-lang on ``response``) decides the phase."""
    from argento.engine.call import inputs_of

    state = run.state
    node = state.by_name(call.node_name) or state.init_node(
        call.node_name, NodeType.HTTP, inputs=inputs_of(call.template), **call.init_kwargs()
    )
    if node.fulfilled:
        return node
    spec = call.template["http"]
    headers = {h["name"]: anystr(h.get("value", "")) for h in spec.get("headers") or [] if h.get("name")}
    body = spec.get("body")
    data = body.encode() if isinstance(body, str) else None
    import urllib.error  # http.client, email: only HTTP templates pay for them
    import urllib.request

    request = urllib.request.Request(
        str(spec.get("url", "")), data=data, headers=headers, method=spec.get("method") or "GET"
    )
    timeout = float(spec.get("timeoutSeconds") or 30)

    def fetch() -> tuple[int, str, dict[str, list[str]]]:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:
                return resp.status, resp.read().decode("utf-8", "replace"), _headers(resp.headers)
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace"), _headers(err.headers)

    try:
        status, text, resp_headers = await asyncio.to_thread(fetch)
    except (OSError, ValueError) as exc:
        return state.mark(node, NodePhase.FAILED, f"http request failed: {exc}")
    node.outputs = {"result": text}
    condition = spec.get("successCondition")
    if condition:
        from argento.expr.lang import evaluate

        try:
            ok = (
                evaluate(
                    condition, {"response": {"statusCode": status, "body": text, "headers": resp_headers}}
                )
                is True
            )
        except ArgentoError as exc:
            return state.mark(node, NodePhase.ERROR, f"successCondition: {exc}")
        message = "" if ok else f"successCondition '{condition}' evaluated false"
    else:
        ok = status < 400
        message = "" if ok else f"received non-2xx response code: {status}"
    return state.mark(node, NodePhase.SUCCEEDED if ok else NodePhase.FAILED, message)


def _headers(raw: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in raw.items():
        out.setdefault(key, []).append(value)
    return json.loads(json.dumps(out))
