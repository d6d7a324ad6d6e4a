"""What the artifact driver reads of a running workflow and of one step's call.

The engine's ``RunContext`` (``engine/ports.py``) and ``Call`` satisfy these protocols structurally; they are
declared here so ``artifacts`` needs nothing of the engine (it sits below it).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol


class StepCall(Protocol):
    """One template invocation: its node's name and its processed template."""

    node_name: str
    template: dict[str, Any]


class RunStatus(Protocol):
    """The parts of the workflow's status the driver reads and records (``engine.state.WorkflowState``)."""

    artifact_repository_ref: dict[str, Any] | None
    nodes: Mapping[str, Any]
    outputs: dict[str, Any]
    conditions: list[dict[str, Any]]

    def changed(self, node: Any) -> None: ...


class WorkflowRun(Protocol):
    """A running workflow as the driver sees it."""

    name: str
    workflow: dict[str, Any]
    spec: dict[str, Any]
    global_params: dict[str, str]
    state: RunStatus
    run_dir: Path

    @property
    def configmaps(self) -> Mapping[str, Mapping[str, str]]: ...

    def pod_name(self, node_name: str, template_name: str | None) -> str: ...
