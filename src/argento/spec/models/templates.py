"""Templates and the calls between them (Argo's ``Template``, ``WorkflowStep``, ``DAGTask``, …)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from argento.spec.models.artifacts import ArtifactLocation, ArtifactPaths, KeySelector, ManifestFrom
from argento.spec.models.base import JSON, ArgoModel, IntOrString, KubeDict
from argento.spec.models.containers import (
    Container,
    ContainerNode,
    ScriptTemplate,
    UserContainer,
    VolumeMount,
)
from argento.spec.models.meta import Metadata
from argento.spec.models.params import Arguments, Inputs, Outputs
from argento.spec.models.policy import (
    ContainerSetRetryStrategy,
    ContinueOn,
    ExecutorConfig,
    LifecycleHook,
    Memoize,
    Metrics,
    RetryStrategy,
    Sequence,
    Synchronization,
    TemplateRef,
)
from argento.template_kinds import LEAF_TYPES, POD_TYPES, TEMPLATE_TYPES, TemplateKind


class SuspendTemplate(ArgoModel):
    """Pause until resumed, or for ``duration`` (seconds, or a Go duration such as ``20s``)."""

    duration: str | None = None


class ResourceTemplate(ArgoModel):
    """Create/apply/get/patch/delete a Kubernetes resource."""

    action: str = ""
    manifest: str | None = None
    manifest_from: ManifestFrom | None = None
    merge_strategy: str | None = None
    success_condition: str | None = None
    failure_condition: str | None = None
    set_owner_reference: bool | None = None
    flags: list[str] | None = None


class HTTPHeaderSource(ArgoModel):
    """An HTTP header value read from a secret."""

    secret_key_ref: KeySelector | None = None


class HTTPHeader(ArgoModel):
    """A header of an HTTP template's request."""

    name: str = ""
    value: str | None = None
    value_from: HTTPHeaderSource | None = None


class HTTPBodySource(ArgoModel):
    """A request body given as bytes (base64 in JSON)."""

    bytes: str | None = None


class HTTP(ArgoModel):
    """An ``http`` template: one HTTP request, run by the controller's agent."""

    url: str = ""
    method: str | None = None
    headers: list[HTTPHeader] | None = None
    body: str | None = None
    body_from: HTTPBodySource | None = None
    timeout_seconds: int | None = None
    success_condition: str | None = None
    insecure_skip_verify: bool | None = None


class DataSource(ArgoModel):
    """Where a ``data`` template reads its list from."""

    artifact_paths: ArtifactPaths | None = None


class TransformationStep(ArgoModel):
    """One expression of a ``data`` template's transformation."""

    expression: str = ""


class Data(ArgoModel):
    """A ``data`` template: list artifact paths and transform them with expressions."""

    source: DataSource = Field(default_factory=DataSource)
    transformation: list[TransformationStep] = Field(default_factory=list)


class Plugin(ArgoModel):
    """An executor-plugin template: ``{<plugin name>: <its configuration>}`` kept as JSON."""

    @property
    def unknown_fields(self) -> dict[str, Any]:
        """None: a plugin's configuration is free-form."""
        return {}

    @property
    def config(self) -> dict[str, Any]:
        """``{<plugin name>: <its configuration>}``."""
        return dict(self.__pydantic_extra__ or {})


class ContainerSetTemplate(ArgoModel):
    """Several containers in one pod, ordered by their ``dependencies``."""

    containers: list[ContainerNode] = Field(default_factory=list)
    volume_mounts: list[VolumeMount] | None = None
    retry_strategy: ContainerSetRetryStrategy | None = None


class _TemplateCall(ArgoModel):
    """What a step and a DAG task have in common: which template to call, with what, how often, when."""

    name: str = ""
    template: str | None = None
    template_ref: TemplateRef | None = None
    inline: Template | None = None
    arguments: Arguments | None = None
    when: str | None = None
    with_items: list[JSON] | None = None
    with_param: str | None = None
    with_sequence: Sequence | None = None
    continue_on: ContinueOn | None = None
    on_exit: str | None = None
    hooks: dict[str, LifecycleHook] | None = None

    def has_loop(self) -> bool:
        """Whether the call fans out over ``withItems``/``withParam``/``withSequence``."""
        return bool(self.with_items) or bool(self.with_param) or self.with_sequence is not None


class WorkflowStep(_TemplateCall):
    """One step of a ``steps`` template (steps in the same inner list run in parallel)."""


class DAGTask(_TemplateCall):
    """One task of a ``dag`` template."""

    dependencies: list[str] | None = None
    depends: str | None = None


class DAGTemplate(ArgoModel):
    """A ``dag`` template: tasks ordered by ``dependencies``/``depends``."""

    tasks: list[DAGTask] = Field(default_factory=list)
    target: str | None = None
    fail_fast: bool | None = None


class Template(ArgoModel):
    """One template of a workflow (Argo's ``Template``).

    Exactly one of the template types is set; :attr:`kind` says which.
    """

    name: str | None = None
    inputs: Inputs | None = None
    outputs: Outputs | None = None
    metadata: Metadata | None = None
    # the template types
    container: Container | None = None
    script: ScriptTemplate | None = None
    dag: DAGTemplate | None = None
    steps: list[list[WorkflowStep]] | None = None
    suspend: SuspendTemplate | None = None
    resource: ResourceTemplate | None = None
    http: HTTP | None = None
    container_set: ContainerSetTemplate | None = None
    data: Data | None = None
    plugin: Plugin | None = None
    # behaviour
    daemon: bool | None = None
    active_deadline_seconds: IntOrString | None = None
    timeout: str | None = None
    retry_strategy: RetryStrategy | None = None
    parallelism: int | None = None  # Argo: *int64 (a string is refused)
    fail_fast: bool | None = None
    memoize: Memoize | None = None
    synchronization: Synchronization | None = None
    metrics: Metrics | None = None
    archive_location: ArtifactLocation | None = None
    # pod shape
    init_containers: list[UserContainer] | None = None
    sidecars: list[UserContainer] | None = None
    volumes: list[KubeDict] | None = None
    annotations: dict[str, str] | None = None
    # Kubernetes scheduling/security (kept, ignored locally)
    affinity: KubeDict | None = None
    tolerations: list[KubeDict] | None = None
    node_selector: dict[str, str] | None = None
    host_aliases: list[KubeDict] | None = None
    security_context: KubeDict | None = None
    service_account_name: str | None = None
    automount_service_account_token: bool | None = None
    executor: ExecutorConfig | None = None
    scheduler_name: str | None = None
    priority_class_name: str | None = None
    pod_spec_patch: str | None = None
    pod_resources: KubeDict | None = None
    resource_claims: list[KubeDict] | None = None

    #: The template-type fields in Argo's order (``argento.template_kinds``); ``kind`` returns the first one set.
    TYPE_FIELDS: ClassVar[tuple[TemplateKind, ...]] = TEMPLATE_TYPES
    _ATTRS: ClassVar[dict[str, str]] = {"containerSet": "container_set"}

    ignored_locally = frozenset(
        {
            "affinity",
            "tolerations",
            "nodeSelector",
            "securityContext",
            "serviceAccountName",
            "automountServiceAccountToken",
            "executor",
            "schedulerName",
            "priorityClassName",
            "podSpecPatch",
            "resourceClaims",
        }
    )

    def kinds(self) -> list[TemplateKind]:
        """Every template type that is set (lint wants exactly one)."""
        return [k for k in self.TYPE_FIELDS if getattr(self, self._ATTRS.get(k, k)) is not None]

    @property
    def kind(self) -> TemplateKind | None:
        """Which template type this is (``container``, ``dag``, …), or ``None`` when none is set."""
        for k in self.TYPE_FIELDS:
            if getattr(self, self._ATTRS.get(k, k)) is not None:
                return k
        return None

    @property
    def is_leaf(self) -> bool:
        """Argo's ``IsLeaf``: a template that runs work itself (not steps, dag or suspend)."""
        return self.kind in LEAF_TYPES

    @property
    def is_pod_type(self) -> bool:
        """Argo's ``IsPodType``: a template that runs as a pod (so ``{{pod.name}}`` exists)."""
        return self.kind in POD_TYPES

    @property
    def has_output(self) -> bool:
        """Argo's ``HasOutput``: whether ``outputs.result``/``exitCode`` exist for this template."""
        if self.container_set is not None:
            return any(c.name == "main" for c in self.container_set.containers)
        return self.kind in ("container", "script", "data", "http", "plugin")
