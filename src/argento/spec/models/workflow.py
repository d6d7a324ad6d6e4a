"""The top-level Argo resources: Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow,
WorkflowEventBinding, and the ``WorkflowSpec`` they share."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, PrivateAttr

from argento.spec.models.artifacts import ArtifactRepositoryRef
from argento.spec.models.base import ArgoModel, KubeDict
from argento.spec.models.meta import ObjectMeta, WorkflowMetadata
from argento.spec.models.params import Arguments
from argento.spec.models.policy import (
    ExecutorConfig,
    LifecycleHook,
    Metrics,
    PodGC,
    RetryStrategy,
    StopStrategy,
    Synchronization,
    TTLStrategy,
    VolumeClaimGC,
    WorkflowLevelArtifactGC,
)
from argento.spec.models.status import CronWorkflowStatus, WorkflowStatus
from argento.spec.models.templates import Template

API_VERSION = "argoproj.io/v1alpha1"


class WorkflowTemplateRef(ArgoModel):
    """Run the spec of a WorkflowTemplate (or ClusterWorkflowTemplate when ``clusterScope``)."""

    name: str | None = None
    cluster_scope: bool | None = None


class WorkflowSpec(ArgoModel):
    """The spec of a Workflow and of the template kinds (Argo's ``WorkflowSpec``)."""

    templates: list[Template] | None = None
    entrypoint: str | None = None
    arguments: Arguments | None = None
    on_exit: str | None = None
    hooks: dict[str, LifecycleHook] | None = None
    workflow_template_ref: WorkflowTemplateRef | None = None
    template_defaults: Template | None = None
    workflow_metadata: WorkflowMetadata | None = None
    pod_metadata: KubeDict | None = None
    # behaviour
    parallelism: int | None = None  # Argo: *int64 (a string is refused)
    active_deadline_seconds: int | None = None  # Argo: *int64
    retry_strategy: RetryStrategy | None = None
    suspend: bool | None = None
    shutdown: str | None = None
    priority: int | None = None
    synchronization: Synchronization | None = None
    metrics: Metrics | None = None
    ttl_strategy: TTLStrategy | None = None
    pod_gc: PodGC | None = Field(default=None, alias="podGC")
    artifact_gc: WorkflowLevelArtifactGC | None = Field(default=None, alias="artifactGC")
    artifact_repository_ref: ArtifactRepositoryRef | None = None
    archive_logs: bool | None = None
    # volumes
    volumes: list[KubeDict] | None = None
    volume_claim_templates: list[KubeDict] | None = None
    volume_claim_gc: VolumeClaimGC | None = Field(default=None, alias="volumeClaimGC")
    # Kubernetes scheduling/security (kept, ignored locally)
    service_account_name: str | None = None
    automount_service_account_token: bool | None = None
    executor: ExecutorConfig | None = None
    node_selector: dict[str, str] | None = None
    affinity: KubeDict | None = None
    tolerations: list[KubeDict] | None = None
    image_pull_secrets: list[KubeDict] | None = None
    host_network: bool | None = None
    dns_policy: str | None = None
    dns_config: KubeDict | None = None
    scheduler_name: str | None = None
    pod_priority_class_name: str | None = None
    pod_priority: int | None = None
    host_aliases: list[KubeDict] | None = None
    security_context: KubeDict | None = None
    pod_spec_patch: str | None = None
    pod_disruption_budget: KubeDict | None = None
    pod_resources: KubeDict | None = None
    resource_claims: list[KubeDict] | None = None
    executor_plugins: list[KubeDict] | None = None

    ignored_locally = frozenset(
        {
            "serviceAccountName",
            "automountServiceAccountToken",
            "executor",
            "nodeSelector",
            "affinity",
            "tolerations",
            "imagePullSecrets",
            "hostNetwork",
            "dnsPolicy",
            "dnsConfig",
            "schedulerName",
            "podPriorityClassName",
            "podPriority",
            "securityContext",
            "podSpecPatch",
            "podDisruptionBudget",
            "resourceClaims",
            "executorPlugins",
            "podGC",
        }
    )

    _by_name: dict[str, Template] | None = PrivateAttr(default=None)

    def template(self, name: str) -> Template | None:
        """The template called ``name`` (the lookup table is built once)."""
        if self._by_name is None:
            self._by_name = {t.name: t for t in self.templates or () if t.name}
        return self._by_name.get(name)


class _Resource(ArgoModel):
    api_version: str = Field(default=API_VERSION, alias="apiVersion")
    kind: str = ""
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)

    KIND: ClassVar[str] = ""

    @property
    def name(self) -> str:
        """``metadata.name`` (empty while only ``generateName`` is set)."""
        return self.metadata.name or ""

    @property
    def namespace(self) -> str | None:
        """``metadata.namespace``."""
        return self.metadata.namespace

    @property
    def labels(self) -> dict[str, str]:
        """``metadata.labels`` (empty dict when unset)."""
        return self.metadata.labels or {}

    @property
    def annotations(self) -> dict[str, str]:
        """``metadata.annotations`` (empty dict when unset)."""
        return self.metadata.annotations or {}


class Workflow(_Resource):
    """A Workflow: a spec to run, and the status of the run."""

    KIND: ClassVar[str] = "Workflow"
    kind: Literal["Workflow"] = "Workflow"
    spec: WorkflowSpec = Field(default_factory=WorkflowSpec)
    status: WorkflowStatus | None = None


class WorkflowTemplate(_Resource):
    """A namespaced, reusable workflow spec (``templateRef``/``workflowTemplateRef`` targets)."""

    KIND: ClassVar[str] = "WorkflowTemplate"
    kind: Literal["WorkflowTemplate"] = "WorkflowTemplate"
    spec: WorkflowSpec = Field(default_factory=WorkflowSpec)


class ClusterWorkflowTemplate(_Resource):
    """A cluster-scoped WorkflowTemplate (referenced with ``clusterScope: true``)."""

    KIND: ClassVar[str] = "ClusterWorkflowTemplate"
    kind: Literal["ClusterWorkflowTemplate"] = "ClusterWorkflowTemplate"
    spec: WorkflowSpec = Field(default_factory=WorkflowSpec)


class CronWorkflowSpec(ArgoModel):
    """When and how a CronWorkflow creates Workflows."""

    workflow_spec: WorkflowSpec = Field(default_factory=WorkflowSpec)
    schedules: list[str] | None = None
    schedule: str | None = None
    timezone: str | None = None
    concurrency_policy: str | None = None
    suspend: bool | None = None
    starting_deadline_seconds: int | None = None
    successful_jobs_history_limit: int | None = None
    failed_jobs_history_limit: int | None = None
    workflow_metadata: KubeDict | None = None
    stop_strategy: StopStrategy | None = None
    when: str | None = None

    def all_schedules(self) -> list[str]:
        """``schedules`` plus the deprecated single ``schedule``."""
        return [*(self.schedules or ()), *([self.schedule] if self.schedule else [])]


class CronWorkflow(_Resource):
    """Creates Workflows on a cron schedule."""

    KIND: ClassVar[str] = "CronWorkflow"
    kind: Literal["CronWorkflow"] = "CronWorkflow"
    spec: CronWorkflowSpec = Field(default_factory=CronWorkflowSpec)
    status: CronWorkflowStatus | None = None


class Event(ArgoModel):
    """The event a WorkflowEventBinding listens for (``selector`` is an expression)."""

    selector: str = ""


class Submit(ArgoModel):
    """What a WorkflowEventBinding submits when its event matches."""

    workflow_template_ref: WorkflowTemplateRef = Field(default_factory=WorkflowTemplateRef)
    arguments: KubeDict | None = None
    metadata: KubeDict | None = None


class WorkflowEventBindingSpec(ArgoModel):
    """Event → submission."""

    event: Event = Field(default_factory=Event)
    submit: Submit | None = None


class WorkflowEventBinding(_Resource):
    """Submits a WorkflowTemplate when an API event matches."""

    KIND: ClassVar[str] = "WorkflowEventBinding"
    kind: Literal["WorkflowEventBinding"] = "WorkflowEventBinding"
    spec: WorkflowEventBindingSpec = Field(default_factory=WorkflowEventBindingSpec)


#: Any Argo resource.
Resource = Workflow | WorkflowTemplate | ClusterWorkflowTemplate | CronWorkflow | WorkflowEventBinding
#: A resource that holds a ``WorkflowSpec`` with templates.
TemplateHolder = Workflow | WorkflowTemplate | ClusterWorkflowTemplate
#: kind → model class.
RESOURCE_KINDS: dict[str, type[_Resource]] = {
    cls.KIND: cls
    for cls in (Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow, WorkflowEventBinding)
}


def workflow_spec(resource: Resource) -> WorkflowSpec | None:
    """The ``WorkflowSpec`` a resource carries (a CronWorkflow's ``workflowSpec``), if any."""
    if isinstance(resource, CronWorkflow):
        return resource.spec.workflow_spec
    if isinstance(resource, Workflow | WorkflowTemplate | ClusterWorkflowTemplate):
        return resource.spec
    return None
