"""Kubernetes containers as Argo embeds them: ``container``, ``script``, sidecars, init containers,
container-set members.

The container's own fields are modelled (so typos are caught); nested Kubernetes objects (probes, resources,
security contexts, env sources) are kept as plain JSON.
"""

from __future__ import annotations

from pydantic import Field

from argento.spec.models.base import ArgoModel, KubeDict


class EnvVar(ArgoModel):
    """An environment variable; ``valueFrom`` (secret/configmap/field refs) is kept as JSON."""

    name: str = ""
    value: str | None = None
    value_from: KubeDict | None = None


class VolumeMount(ArgoModel):
    """Where a volume is mounted in a container."""

    name: str = ""
    mount_path: str = ""
    sub_path: str | None = None
    sub_path_expr: str | None = None
    read_only: bool | None = None
    recursive_read_only: str | None = None
    mount_propagation: str | None = None


class Container(ArgoModel):
    """Kubernetes ``core/v1.Container`` (a ``container`` template's body)."""

    name: str | None = None
    image: str | None = None
    command: list[str] | None = None
    args: list[str] | None = None
    working_dir: str | None = None
    env: list[EnvVar] | None = None
    env_from: list[KubeDict] | None = None
    ports: list[KubeDict] | None = None
    resources: KubeDict | None = None
    resize_policy: list[KubeDict] | None = None
    restart_policy: str | None = None
    volume_mounts: list[VolumeMount] | None = None
    volume_devices: list[KubeDict] | None = None
    liveness_probe: KubeDict | None = None
    readiness_probe: KubeDict | None = None
    startup_probe: KubeDict | None = None
    lifecycle: KubeDict | None = None
    termination_message_path: str | None = None
    termination_message_policy: str | None = None
    image_pull_policy: str | None = None
    security_context: KubeDict | None = None
    stdin: bool | None = None
    stdin_once: bool | None = None
    tty: bool | None = None

    ignored_locally = frozenset(
        {"securityContext", "livenessProbe", "startupProbe", "lifecycle", "volumeDevices", "resizePolicy"}
    )


class UserContainer(Container):
    """A sidecar or init container; ``mirrorVolumeMounts`` copies the main container's mounts."""

    mirror_volume_mounts: bool | None = None


class ContainerNode(Container):
    """A container of a ``containerSet``; ``dependencies`` order them like DAG tasks."""

    dependencies: list[str] | None = None


class ScriptTemplate(Container):
    """A ``script`` template: a container whose ``source`` is written to a file and run."""

    source: str = Field(default="")
