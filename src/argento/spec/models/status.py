"""A workflow's status as Argo writes it: ``WorkflowStatus`` and the ``NodeStatus`` tree."""

from __future__ import annotations

from pydantic import Field

from argento.spec.models.base import ArgoModel, KubeDict
from argento.spec.models.params import Inputs, Outputs
from argento.spec.models.policy import TemplateRef
from argento.spec.models.templates import Template


class MemoizationStatus(ArgoModel):
    """Whether a node's result came from the memoization cache."""

    hit: bool = False
    key: str = ""
    cache_name: str = ""


class NodeFlag(ArgoModel):
    """Why a node exists besides the main flow (a hook, a retry)."""

    hooked: bool | None = None
    retried: bool | None = None


class NodeSynchronizationStatus(ArgoModel):
    """The lock a node waits for."""

    waiting: str | None = None


class NodeStatus(ArgoModel):
    """One node of a workflow's status tree (``status.nodes[<id>]``)."""

    id: str = ""
    name: str = ""
    display_name: str | None = None
    type: str = ""
    template_name: str | None = None
    template_ref: TemplateRef | None = None
    template_scope: str | None = None
    phase: str | None = None
    boundary_id: str | None = Field(default=None, alias="boundaryID")
    message: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    estimated_duration: int | None = None
    progress: str | None = None
    resources_duration: dict[str, int] | None = None
    pod_ip: str | None = Field(default=None, alias="podIP")
    daemoned: bool | None = None
    node_flag: NodeFlag | None = None
    inputs: Inputs | None = None
    outputs: Outputs | None = None
    children: list[str] | None = None
    outbound_nodes: list[str] | None = None
    host_node_name: str | None = None
    memoization_status: MemoizationStatus | None = None
    synchronization_status: NodeSynchronizationStatus | None = None
    restarting_pod_uid: str | None = Field(default=None, alias="restartingPodUID")
    failed_pod_restarts: int | None = None
    task_result_synced: bool | None = None


class Condition(ArgoModel):
    """A workflow condition (``PodRunning``, ``Completed``, ``SpecWarning``, …)."""

    type: str | None = None
    status: str | None = None
    message: str | None = None


class WorkflowStatus(ArgoModel):
    """``status`` of a Workflow, byte-for-byte Argo's shape."""

    phase: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    estimated_duration: int | None = None
    progress: str | None = None
    message: str | None = None
    compressed_nodes: str | None = None
    nodes: dict[str, NodeStatus] | None = None
    offload_node_status_version: str | None = None
    stored_templates: dict[str, Template] | None = None
    persistent_volume_claims: list[KubeDict] | None = None
    outputs: Outputs | None = None
    conditions: list[Condition] | None = None
    resources_duration: dict[str, int] | None = None
    stored_workflow_template_spec: KubeDict | None = None
    artifact_repository_ref: KubeDict | None = None
    artifact_gc_status: KubeDict | None = Field(default=None, alias="artifactGCStatus")
    task_results_completion_status: dict[str, bool] | None = None
    synchronization: KubeDict | None = None


class CronWorkflowStatus(ArgoModel):
    """``status`` of a CronWorkflow."""

    active: list[KubeDict] | None = None
    conditions: list[Condition] | None = None
    failed: int | None = None
    succeeded: int | None = None
    last_scheduled_time: str | None = None
    phase: str | None = None
