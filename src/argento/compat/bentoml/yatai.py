"""Deployments the BentoML/Yatai way, on the Argento server's deployment API (SPEC §3.6).

- ``bentoml.YataiClient(endpoint=None).deployment.create(name=, bento=, namespace=, replicas=)`` and ``get``,
  ``list``, ``update``, ``delete``: Yatai's client shape. ``endpoint`` (or ``YATAI_ENDPOINT``) goes through the
  service-alias table, so ``http://yatai.ml-platform:3000`` is the Argento server (``ARGENTO_SERVER``).
- ``bentoml.deploy(bento, name=None, platform="yatai", ...)``: create or update, and wait until it serves.
- ``bentoml.deployment.create/get/list/update/delete``: BentoML 1.2's module, the same operations.

``bento`` is a bento tag, or a model tag (a model with no bento is served by a generated one answering
``POST /predict``), or a folder with a build file. Deployments land in ``namespace`` (default
``ARGENTO_NAMESPACE``: in a workflow step, the workflow's namespace). The results are the server's deployment
views (plain dicts: ``name``, ``namespace``, ``spec``, ``status``, …).
"""

from __future__ import annotations

import builtins
import os
import types
from typing import Any

from argento.compat.bentoml.bentos import deployable
from argento.config import Settings
from argento.errors import AlreadyExists, NotFound, SpecError

#: ``platform=`` values that mean "the deployment plane of the Argento server".
PLATFORMS = frozenset({"yatai", "argento", "local", "kubernetes"})


def server_url(endpoint: str | None = None, settings: Settings | None = None) -> str:
    """The Argento server a BentoML client means: ``endpoint`` / ``YATAI_ENDPOINT`` through the alias table,
    else ``ARGENTO_SERVER``."""
    from argento.tracking.targets import resolve_address

    settings = settings or Settings.from_env()
    given = endpoint or os.environ.get("YATAI_ENDPOINT") or ""
    if not given:
        return settings.server
    url = resolve_address(given, settings)
    return url if "://" in url else f"http://{url}"


def _envs(envs: Any) -> dict[str, str] | None:
    if envs is None:
        return None
    if isinstance(envs, dict):
        return {str(k): str(v) for k, v in envs.items()}
    return {str(e["name"]): str(e.get("value", "")) for e in envs}


def _body(
    bento: str,
    *,
    namespace: str,
    replicas: int | None,
    scaling_min: int | None,
    scaling_max: int | None,
    envs: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"bento": bento, "namespace": namespace}
    if scaling_min is not None or scaling_max is not None:
        low = scaling_min if scaling_min is not None else 1
        body["autoscaling"] = {"min": low, "max": scaling_max if scaling_max is not None else max(low, 1)}
    else:
        body["replicas"] = 1 if replicas is None else int(replicas)
    if (env := _envs(envs)) is not None:
        body["env"] = env
    return body


class DeploymentAPI:
    """``client.deployment``: create, get, list, update, delete (Yatai's verbs)."""

    def __init__(self, server: str, *, token: str | None = None, namespace: str | None = None) -> None:
        from argento.client.platform import Client

        self.client = Client(server, token=token)
        self.namespace = namespace or Settings.from_env().namespace

    def create(
        self,
        name: str | None = None,
        bento: Any = None,
        namespace: str | None = None,
        replicas: int | None = None,
        *,
        scaling_min: int | None = None,
        scaling_max: int | None = None,
        envs: Any = None,
        wait: bool = False,
        timeout: float = 300.0,
        **_cloud_only: Any,
    ) -> dict[str, Any]:
        """Create deployment ``name`` of ``bento``; with ``wait``, return once every replica is ready."""
        if bento is None:
            raise SpecError("deployment.create needs bento=… (a bento or model tag)", path="bento")
        built = deployable(bento)
        body = _body(
            built.tag,
            namespace=namespace or self.namespace,
            replicas=replicas,
            scaling_min=scaling_min,
            scaling_max=scaling_max,
            envs=envs,
        )
        return self.client.deployments.create(
            name or built.name, spec={"name": name or built.name, **body}, wait=wait, timeout=timeout
        )

    def get(self, name: str, namespace: str | None = None) -> dict[str, Any]:
        """Spec, status and history of deployment ``name`` (in ``namespace``, when given)."""
        view = self.client.deployments.get(name)
        if namespace and view.get("namespace") != namespace:
            raise NotFound(
                f'deployment "{name}" not found in namespace "{namespace}" '
                f'(it is in "{view.get("namespace")}")'
            )
        return view

    def list(self, namespace: str | None = None) -> builtins.list[dict[str, Any]]:
        """Deployments of ``namespace`` (every namespace with ``namespace=""``; default: this client's)."""
        ns = self.namespace if namespace is None else namespace
        return self.client.deployments.list(namespace=ns or None)

    def update(
        self,
        name: str,
        bento: Any = None,
        namespace: str | None = None,
        replicas: int | None = None,
        *,
        scaling_min: int | None = None,
        scaling_max: int | None = None,
        envs: Any = None,
        wait: bool = False,
        timeout: float = 300.0,
        **_cloud_only: Any,
    ) -> dict[str, Any]:
        """Change the bento (a rolling update), the replicas or the environment of deployment ``name``."""
        current = self.get(name, namespace)
        spec = dict(current.get("spec") or {})
        if bento is not None:
            spec.pop("variants", None)
            spec["bento"] = deployable(bento).tag
        if replicas is not None:
            spec["replicas"] = int(replicas)
            spec.pop("autoscaling", None)
        if scaling_min is not None or scaling_max is not None:
            low = scaling_min if scaling_min is not None else 1
            spec["autoscaling"] = {"min": low, "max": scaling_max if scaling_max is not None else max(low, 1)}
        if (env := _envs(envs)) is not None:
            spec["env"] = env
        return self.client.deployments.update(name, spec, wait=wait, timeout=timeout)

    def delete(self, name: str, namespace: str | None = None) -> None:
        """Drain and delete deployment ``name``."""
        self.get(name, namespace)
        self.client.deployments.delete(name)

    terminate = delete


class YataiClient:
    """Yatai's client, talking to the Argento server (``endpoint`` through the alias table)."""

    def __init__(
        self, endpoint: str | None = None, *, api_token: str | None = None, namespace: str | None = None
    ) -> None:
        self.endpoint = server_url(endpoint)
        self.deployment = DeploymentAPI(self.endpoint, token=api_token, namespace=namespace)
        self.deployments = self.deployment


def deploy(
    bento: Any = None,
    name: str | None = None,
    *,
    platform: str | None = None,
    namespace: str | None = None,
    replicas: int | None = None,
    scaling_min: int | None = None,
    scaling_max: int | None = None,
    envs: Any = None,
    endpoint: str | None = None,
    wait: bool = True,
    timeout: float = 300.0,
    **_cloud_only: Any,
) -> dict[str, Any]:
    """Deploy ``bento`` (a bento or model tag, or a build folder; default: the current folder) on the Argento
    server as ``name`` — created, or updated when it exists — and wait until it serves."""
    if platform is not None and platform.lower() not in PLATFORMS:
        raise SpecError(
            f"platform {platform!r} is not available here: Argento deploys on its own server "
            f"(platform='yatai'; or one of {', '.join(sorted(PLATFORMS))})",
            path="platform",
        )
    api = DeploymentAPI(server_url(endpoint), namespace=namespace)
    built = deployable(bento if bento is not None else ".")
    target = name or built.name
    try:
        return api.create(
            target,
            built,
            replicas=replicas,
            scaling_min=scaling_min,
            scaling_max=scaling_max,
            envs=envs,
            wait=wait,
            timeout=timeout,
        )
    except AlreadyExists:
        return api.update(
            target,
            built,
            replicas=replicas,
            scaling_min=scaling_min,
            scaling_max=scaling_max,
            envs=envs,
            wait=wait,
            timeout=timeout,
        )


def _module() -> types.ModuleType:
    module = types.ModuleType(
        "argento.compat.bentoml.deployment", "``bentoml.deployment``: BentoML 1.2's module."
    )

    def create(name: str | None = None, *, bento: Any = None, **kwargs: Any) -> dict[str, Any]:
        return deploy(bento, name, **kwargs)

    def get(name: str, **_: Any) -> dict[str, Any]:
        return DeploymentAPI(server_url()).get(name)

    def list_(**kwargs: Any) -> builtins.list[dict[str, Any]]:
        return DeploymentAPI(server_url()).list(kwargs.get("namespace", ""))

    def update(name: str, *, bento: Any = None, **kwargs: Any) -> dict[str, Any]:
        return DeploymentAPI(server_url()).update(name, bento, **kwargs)

    def delete(name: str, **_: Any) -> None:
        DeploymentAPI(server_url()).delete(name)

    module.create, module.get, module.list = create, get, list_  # type: ignore[attr-defined]
    module.update, module.delete, module.terminate = update, delete, delete  # type: ignore[attr-defined]
    module.__all__ = ["create", "delete", "get", "list", "terminate", "update"]  # type: ignore[attr-defined]
    return module


deployment = _module()

__all__ = ["PLATFORMS", "DeploymentAPI", "YataiClient", "deploy", "deployment", "server_url"]
