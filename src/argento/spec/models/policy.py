"""How templates and workflows behave around their work: retries, deadlines, locks, metrics, hooks, GC."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from argento.spec.models.artifacts import KeySelector
from argento.spec.models.base import ArgoModel, IntOrString, KubeDict
from argento.spec.models.meta import Metadata
from argento.spec.models.params import Arguments


class Backoff(ArgoModel):
    """Delay between retries: ``duration * factor**n`` capped by ``cap``, within ``maxDuration``."""

    cap: str | None = None
    duration: str | None = None
    factor: IntOrString | None = None
    max_duration: str | None = None


class RetryNodeAntiAffinity(ArgoModel):
    """Retry on a different node (ignored locally)."""


class RetryAffinity(ArgoModel):
    """Placement of retried pods (ignored locally)."""

    node_anti_affinity: RetryNodeAntiAffinity | None = None


class RetryStrategy(ArgoModel):
    """When and how often a failed node is retried (``retryStrategy``)."""

    limit: IntOrString | None = None
    retry_policy: str | None = None
    backoff: Backoff | None = None
    expression: str | None = None
    affinity: RetryAffinity | None = None

    ignored_locally = frozenset({"affinity"})


class ContinueOn(ArgoModel):
    """Let the parent go on although this step failed or errored."""

    error: bool | None = None
    failed: bool | None = None


class Cache(ArgoModel):
    """Where memoized results are kept (a ConfigMap in Argo; a local cache in Argento)."""

    config_map: KubeDict | None = None


class Memoize(ArgoModel):
    """Reuse a previous result with the same ``key`` that is younger than ``maxAge``."""

    key: str = ""
    max_age: str | None = None
    cache: Cache | None = None


class Mutex(ArgoModel):
    """A named lock held while the workflow or template runs."""

    name: str | None = None
    namespace: str | None = None
    database: bool | None = None


class SyncDatabaseRef(ArgoModel):
    """A semaphore limit kept in the synchronization database."""

    key: str = ""


class SemaphoreRef(ArgoModel):
    """A counting semaphore whose limit is read from a ConfigMap key (or the database)."""

    config_map_key_ref: KeySelector | None = None
    database: SyncDatabaseRef | None = None
    namespace: str | None = None


class Synchronization(ArgoModel):
    """Locks taken before running (``synchronization``); ``mutex``/``semaphore`` are the pre-3.6 forms."""

    mutexes: list[Mutex] | None = None
    semaphores: list[SemaphoreRef] | None = None
    mutex: Mutex | None = None
    semaphore: SemaphoreRef | None = None


class MetricLabel(ArgoModel):
    """A Prometheus label."""

    key: str = ""
    value: str = ""


class Counter(ArgoModel):
    """A counter metric's increment."""

    value: str = ""


class Gauge(ArgoModel):
    """A gauge metric's value."""

    value: str = ""
    realtime: bool | None = None
    operation: str | None = None


class Histogram(ArgoModel):
    """A histogram metric's observation and buckets."""

    value: str = ""
    buckets: list[float | int] | None = None


class Prometheus(ArgoModel):
    """One custom Prometheus metric emitted by a template or workflow."""

    name: str = ""
    help: str = ""
    labels: list[MetricLabel] | None = None
    when: str | None = None
    counter: Counter | None = None
    gauge: Gauge | None = None
    histogram: Histogram | None = None


class Metrics(ArgoModel):
    """Custom metrics (``metrics.prometheus``)."""

    prometheus: list[Prometheus] | None = None


class TemplateRef(ArgoModel):
    """A template in a WorkflowTemplate (or ClusterWorkflowTemplate when ``clusterScope``)."""

    name: str | None = None
    template: str | None = None
    cluster_scope: bool | None = None


class LifecycleHook(ArgoModel):
    """A template run when ``expression`` becomes true (or on exit, for the ``exit`` hook)."""

    template: str | None = None
    template_ref: TemplateRef | None = None
    arguments: Arguments | None = None
    expression: str | None = None


#: Argo's name of the hook that runs when its step/task/workflow exits.
EXIT_HOOK = "exit"


class TTLStrategy(ArgoModel):
    """How long a finished workflow is kept."""

    seconds_after_completion: int | None = None
    seconds_after_failure: int | None = None
    seconds_after_success: int | None = None


class PodGC(ArgoModel):
    """When finished pods are deleted."""

    strategy: str | None = None
    label_selector: KubeDict | None = None
    delete_delay_duration: str | None = None

    #: Argo's valid strategies ("" means the default, never delete).
    STRATEGIES: ClassVar[tuple[str, ...]] = (
        "",
        "OnPodCompletion",
        "OnPodSuccess",
        "OnWorkflowCompletion",
        "OnWorkflowSuccess",
    )


class VolumeClaimGC(ArgoModel):
    """When ``volumeClaimTemplates`` PVCs are deleted."""

    strategy: str | None = None


class WorkflowLevelArtifactGC(ArgoModel):
    """Workflow-wide artifact garbage collection."""

    strategy: str | None = None
    force_finalizer_removal: bool | None = None
    pod_metadata: Metadata | None = None
    pod_spec_patch: str | None = None
    service_account_name: str | None = None


class ExecutorConfig(ArgoModel):
    """Settings of the executor sidecar (ignored locally)."""

    service_account_name: str | None = None


class Sequence(ArgoModel):
    """``withSequence``: numbers from ``start`` to ``end`` (or ``count`` of them), printed with ``format``."""

    count: IntOrString | None = None
    start: IntOrString | None = None
    end: IntOrString | None = None
    format: str | None = None


class ContainerSetRetryStrategy(ArgoModel):
    """Retries of containers inside a container set."""

    duration: str | None = None
    retries: IntOrString = 0


class StopStrategy(ArgoModel):
    """When a CronWorkflow stops scheduling."""

    expression: str = Field(default="")
