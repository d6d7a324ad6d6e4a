"""Object metadata: Kubernetes ``ObjectMeta`` and Argo's smaller ``Metadata``/``WorkflowMetadata``."""

from __future__ import annotations

from typing import Any

from pydantic import Field

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


class KubernetesObject(ArgoModel):
    """A Kubernetes object that is not an Argo resource (a ConfigMap next to a Workflow, a PVC, …)."""

    api_version: str | None = Field(default=None, alias="apiVersion")
    kind: str | None = None
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)

    def get(self, key: str, default: Any = None) -> Any:
        """A top-level field such as ``data`` or ``spec`` (kept as plain JSON)."""
        return (self.__pydantic_extra__ or {}).get(key, default)
