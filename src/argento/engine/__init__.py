"""The controller: runs an Argo Workflow with Argo's semantics over ``status.nodes``.

The engine mirrors Argo's operator: every template invocation is an idempotent coroutine that creates (or
finds) its node, does its work, and returns the node once fulfilled. Completion of a child is an event
(an awaited future), never a poll.

The names below are imported on first use, so a light submodule (``argento.engine.nodes``' hashes, which
``argento get`` prints node ids with) does not load the controller, asyncio and the expression languages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from argento import lazy

if TYPE_CHECKING:
    from argento.engine.controller import RunOptions, WorkflowRunner, run_workflow
    from argento.engine.nodes import NodePhase, NodeStatus, NodeType, node_id

__all__ = ["NodePhase", "NodeStatus", "NodeType", "RunOptions", "WorkflowRunner", "node_id", "run_workflow"]

_LAZY = {
    "RunOptions": "argento.engine.controller",
    "WorkflowRunner": "argento.engine.controller",
    "run_workflow": "argento.engine.controller",
    "NodePhase": "argento.engine.nodes",
    "NodeStatus": "argento.engine.nodes",
    "NodeType": "argento.engine.nodes",
    "node_id": "argento.engine.nodes",
}

__getattr__, __dir__ = lazy.exports(__name__, _LAZY, globals())
