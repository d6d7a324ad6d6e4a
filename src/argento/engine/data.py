"""Data templates (Argo's ``data``): list objects of an artifact location, transform the list, output it.

.. code-block:: yaml

    data:
      source:
        artifactPaths: {name: logs, s3: {bucket: my-bucket, key: runs}}
      transformation:
        - expression: 'filter(data, {# endsWith "main.log"})'

The source's keys (every object under the location's key, taken as a directory; the whole bucket when it has
none) become ``data``; each transformation's expr-lang ``expression`` maps ``data`` to the next value; the last
value, marshalled as JSON the way Go does, is the node's ``outputs.result`` (so ``withParam`` can fan out over
it). Argo runs this in its agent pod, so the node is a ``Pod`` node; here nothing is spawned: the listing goes
through the artifact driver and the expressions run in-process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from argento.engine.nodes import NodePhase, NodeStatus, NodeType
from argento.errors import ArgentoError, ExpressionError

if TYPE_CHECKING:
    from argento.engine.call import Call
    from argento.engine.ports import RunContext


async def execute_data(run: RunContext, call: Call) -> NodeStatus:
    """Run the data template of ``call``: Succeeded with ``outputs.result``, or Error naming what failed."""
    from argento.engine.call import inputs_of

    state = run.state
    node = state.by_name(call.node_name) or state.init_node(
        call.node_name, NodeType.POD, inputs=inputs_of(call.template), **call.init_kwargs()
    )
    if node.fulfilled:
        return node
    spec = call.template.get("data") or {}
    source = spec.get("source") or {}
    art = source.get("artifactPaths")
    if not isinstance(art, dict):
        return state.mark(node, NodePhase.ERROR, "data.source: only artifactPaths is supported")
    driver = run.artifacts
    if driver is None:
        return state.mark(
            node, NodePhase.ERROR, "data.source.artifactPaths: no artifact repository is configured"
        )
    state.mark(node, NodePhase.RUNNING)
    try:
        data: Any = await driver.list_keys(run, call, art)
        data = transform(data, spec.get("transformation") or [])
    except ArgentoError as exc:
        return state.mark(node, NodePhase.ERROR, str(exc))
    from argento.expr.lang import marshal_json

    node.outputs = {"result": marshal_json(data)}
    return state.mark(node, NodePhase.SUCCEEDED)


def transform(data: Any, steps: list[Any]) -> Any:
    """Apply ``data.transformation``: each step's ``expression`` sees the previous value as ``data``."""
    from argento.expr.lang import evaluate

    for i, step in enumerate(steps):
        expression = (step or {}).get("expression") if isinstance(step, dict) else None
        if not expression:
            raise ExpressionError(f"data.transformation[{i}]: only expression steps are supported")
        try:
            data = evaluate(str(expression), {"data": data})
        except ArgentoError as exc:
            raise ExpressionError(f"data.transformation[{i}].expression: {exc}") from None
    return data
