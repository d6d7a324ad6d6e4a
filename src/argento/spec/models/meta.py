"""Object metadata: Kubernetes ``ObjectMeta`` and Argo's smaller ``Metadata``/``WorkflowMetadata``."""

from __future__ import annotations

from argento.spec.models.base import ArgoModel, KubeDict


class ObjectMeta(ArgoModel):
    """Kubernetes ``metav1.ObjectMeta`` (every field Kubernetes defines, so lint can spot typos)."""

    name: str | None = None
    generate_name: str | None = None
    namespace: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    uid: str | None = None
    resource_version: str | None = None
    generation: int | None = None
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None
    deletion_grace_period_seconds: int | None = None
    owner_references: list[KubeDict] | None = None
    finalizers: list[str] | None = None
    managed_fields: list[KubeDict] | None = None
    self_link: str | None = None
    cluster_name: str | None = None


class Metadata(ArgoModel):
    """Argo's ``Metadata``: labels and annotations put on pods (template ``metadata``, ``podMetadata``)."""

    annotations: dict[str, str] | None = None
    labels: dict[str, str] | None = None


class LabelValueFrom(ArgoModel):
    """A label whose value is an expression (``workflowMetadata.labelsFrom``)."""

    expression: str = ""


class WorkflowMetadata(ArgoModel):
    """Labels and annotations added to the Workflow (``spec.workflowMetadata``)."""

    annotations: dict[str, str] | None = None
    labels: dict[str, str] | None = None
    labels_from: dict[str, LabelValueFrom] | None = None
