"""The controller: runs an Argo Workflow with Argo's semantics over ``status.nodes``.

The engine mirrors Argo's operator: every template invocation is an idempotent coroutine that creates (or
finds) its node, does its work, and returns the node once fulfilled. Completion of a child is an event
(an awaited future), never a poll.
"""

from argento.engine.controller import RunOptions, WorkflowRunner, run_workflow
from argento.engine.nodes import NodePhase, NodeStatus, NodeType, node_id

__all__ = ["NodePhase", "NodeStatus", "NodeType", "RunOptions", "WorkflowRunner", "node_id", "run_workflow"]
