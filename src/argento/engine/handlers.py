"""The template handlers, registered in one place: one `TemplateHandler` per template type.

The controller's ``_execute_once`` (Argo's switch in ``executeTemplate``) is ``HANDLERS.get(kind)``. Every
type of :data:`argento.template_kinds.KINDS` has a handler here (``tests/engine/test_handlers.py`` checks it);
a type Argento cannot run on one machine gets `Unsupported`, which fails its node with the kind's reason.

To add a template type: its facts in ``template_kinds.py``, its model field in ``spec/models/templates.py``
(plus lint rules), its handler module under ``engine/`` and one ``register`` line here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from argento.engine import data, pod, steps, suspend
from argento.engine.call import inputs_of
from argento.engine.nodes import NodePhase, NodeStatus, NodeType
from argento.engine.ports import HandlerRegistry
from argento.template_kinds import KINDS, KindFacts

if TYPE_CHECKING:
    from argento.engine.call import Call
    from argento.engine.ports import RunContext


class ContainerHandler:
    """``container`` and ``script``: one pod; a ``daemon`` is done once running."""

    async def execute(self, run: RunContext, call: Call) -> NodeStatus:
        # `call.ready` is set by a daemon's retry attempt, which watches the pod itself
        if call.template.get("daemon") and call.ready is None:
            return await pod.run_daemon(run, call)
        return await pod.run_pod(run, call)


class ContainerSetHandler:
    """``containerSet``: one pod of several containers (``engine/containerset.py``)."""

    async def execute(self, run: RunContext, call: Call) -> NodeStatus:
        from argento.engine import containerset  # loaded by the first containerSet, not by every run

        return await pod.run_pod(run, call, prepare=containerset.prepare)


@dataclass(frozen=True)
class BoundaryHandler:
    """``steps`` and ``dag``: a boundary node whose children the handler's ``body`` runs; daemons started
    inside it are killed when it ends."""

    node_type: NodeType
    body: Callable[[RunContext, Call, NodeStatus], Awaitable[None]]

    async def execute(self, run: RunContext, call: Call) -> NodeStatus:
        node = run.state.by_name(call.node_name)
        if node is None:
            node = run.state.init_node(
                call.node_name, self.node_type, inputs=inputs_of(call.template), **call.init_kwargs()
            )
        # A steps/DAG template's `timeout` (reachable only through templateDefaults: validation rejects it on
        # a non-leaf template) has no effect in Argo: checkTemplateTimeouts only fails Pending nodes.
        await self.body(run, call, node)
        await run.kill_daemons(node.id)
        return node


@dataclass(frozen=True)
class FunctionHandler:
    """A template type run by one coroutine function ``(run, call) -> node``."""

    run_fn: Callable[[RunContext, Call], Awaitable[NodeStatus]]

    async def execute(self, run: RunContext, call: Call) -> NodeStatus:
        return await self.run_fn(run, call)


@dataclass(frozen=True)
class Unsupported:
    """A template type that needs a Kubernetes cluster: its node fails with the kind's reason."""

    kind: KindFacts

    async def execute(self, run: RunContext, call: Call) -> NodeStatus:
        node = run.state.by_name(call.node_name) or run.state.init_node(
            call.node_name, NodeType(self.kind.node_type), **call.init_kwargs()
        )
        return run.state.mark(node, NodePhase.ERROR, self.kind.unsupported or "")


async def _execute_dag(run: RunContext, call: Call, node: NodeStatus) -> None:
    from argento.engine import dag  # `depends` and its expression languages: loaded by the first DAG only

    await dag.execute_dag(run, call, node)


def _build() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.register("container", ContainerHandler())
    registry.register("script", ContainerHandler())
    registry.register("containerSet", ContainerSetHandler())
    registry.register("steps", BoundaryHandler(NodeType.STEPS, steps.execute_steps))
    registry.register("dag", BoundaryHandler(NodeType.DAG, _execute_dag))
    registry.register("suspend", FunctionHandler(suspend.execute_suspend))
    registry.register("http", FunctionHandler(suspend.execute_http))
    registry.register("data", FunctionHandler(data.execute_data))
    for kind in KINDS:
        if kind.unsupported is not None:
            registry.register(kind.name, Unsupported(kind))
    return registry


HANDLERS = _build()
