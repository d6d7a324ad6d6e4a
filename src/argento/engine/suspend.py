"""Suspend templates (duration or manual resume) and HTTP templates."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from argento.engine.durations import parse_duration
from argento.engine.nodes import NodePhase, NodeStatus, NodeType
from argento.engine.scope import anystr
from argento.errors import ArgentoError

if TYPE_CHECKING:
    from argento.engine.controller import Call, WorkflowRunner


async def execute_suspend(run: WorkflowRunner, call: Call) -> NodeStatus:
    """A Suspend node: Running until resumed (or its ``duration`` elapses); supplies output parameters."""
    from argento.engine.controller import _inputs_of

    state = run.state
    node = state.by_name(call.node_name) or state.init_node(
        call.node_name, NodeType.SUSPEND, inputs=_inputs_of(call.template), **call.init_kwargs()
    )
    if node.fulfilled:
        return node
    if not run.should_run(call.on_exit):
        return state.mark(
            node, NodePhase.FAILED, f"workflow shutdown with strategy: {run.shutdown or 'Stop'}"
        )
    fut: asyncio.Future[dict[str, Any] | None] = asyncio.get_running_loop().create_future()
    run._suspended[node.name] = fut
    duration = (call.template.get("suspend") or {}).get("duration")
    timeout = (
        parse_duration(duration, field="suspend.duration") * run.options.time_scale if duration else None
    )
    try:
        resumed = await asyncio.wait_for(asyncio.shield(fut), timeout)
    except TimeoutError:
        resumed = {"outputs": {}}
    finally:
        run._suspended.pop(node.name, None)
    if resumed is None:
        return state.mark(
            node, NodePhase.FAILED, f"workflow shutdown with strategy: {run.shutdown or 'Stop'}"
        )
    if resumed.get("phase") in ("Failed", "Error"):  # Argo's `set` action (`argo node set --phase Failed`)
        return state.mark(node, NodePhase(resumed["phase"]), resumed.get("message") or "")
    supplied = resumed.get("outputs") or {}
    params = []
    for param in (call.template.get("outputs") or {}).get("parameters") or []:
        out = {k: v for k, v in param.items() if k != "valueFrom"}
        value_from = param.get("valueFrom") or {}
        if param["name"] in supplied:
            out["value"] = supplied[param["name"]]
        elif value_from.get("default") is not None:
            out["value"] = anystr(value_from["default"])
        elif param.get("value") is not None:
            out["value"] = anystr(param["value"])
        else:
            return state.mark(
                node, NodePhase.ERROR, f"outputs.parameters.{param['name']}: no value supplied on resume"
            )
        params.append(out)
    if params:
        node.outputs = {"parameters": params}
        run.add_global_outputs(node.outputs)
    return state.mark(node, NodePhase.SUCCEEDED)


async def execute_http(run: WorkflowRunner, call: Call) -> NodeStatus:
    """An HTTP node: one request; ``successCondition`` (expr-lang on ``response``) decides the phase."""
    from argento.engine.controller import _inputs_of

    state = run.state
    node = state.by_name(call.node_name) or state.init_node(
        call.node_name, NodeType.HTTP, inputs=_inputs_of(call.template), **call.init_kwargs()
    )
    if node.fulfilled:
        return node
    spec = call.template["http"]
    headers = {h["name"]: anystr(h.get("value", "")) for h in spec.get("headers") or [] if h.get("name")}
    body = spec.get("body")
    data = body.encode() if isinstance(body, str) else None
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
