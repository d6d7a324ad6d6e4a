"""What every workflow step gets from the platform: its environment, and the MLflow run it created.

The engine calls a :class:`StepPlatform` (``RunOptions.platform``) twice per Pod node:

- ``env(run, node)`` before the step starts: variables the step gets unless its container sets them —
  ``ARGENTO_HOME`` and ``ARGENTO_SERVER`` (so ``argento.models.save`` and ``argento deploy`` in a step use
  the same store and server as the run), ``ARGENTO_NAMESPACE`` (the workflow's: a deployment a step creates
  lands beside it), and, when a tracking server is configured, ``MLFLOW_TRACKING_URI``, the S3 endpoint
  variables when artifacts are on S3, and ``MLFLOW_RUN_CONTEXT``.
- ``finalize(run, env, literal)`` on the step's whole environment: the in-cluster addresses of the values the
  container sets (``MLFLOW_TRACKING_URI: http://mlflow.ml-platform:5000``) become the local services of the
  service-alias table (:mod:`argento.cluster`; an unmapped one fails the step naming the table), and
  ``PYTHONPATH`` gets the BentoML compatibility layer (:mod:`argento.compat`) unless BentoML is installed.
- ``outputs(run, node)`` after it ends: the output parameters ``mlflow-run-id`` and ``mlflow-run-url`` of
  the MLflow run the step created, if any.

How the run is found: ``MLFLOW_RUN_CONTEXT`` is MLflow's own hook (its ``SystemEnvironmentContext``) for
tags that every run created in a process gets. Argento puts the node ID, workflow and namespace there, so a
step needs no Argento code at all: a plain ``mlflow.start_run()`` is tagged ``argento.node_id=<node>``; after
the step the engine searches the tracking server for runs with that tag (two small REST calls; MLflow is never
imported here). A failed search never fails the step: the step simply has no ``mlflow-run-id``.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from argento.config import Settings

if TYPE_CHECKING:
    from argento.engine.nodes import NodeStatus
    from argento.engine.ports import RunContext

log = logging.getLogger("argento.tracking")

#: Tag keys Argento puts on the MLflow runs of a step (through ``MLFLOW_RUN_CONTEXT``).
TAG_NODE_ID = "argento.node_id"
TAG_WORKFLOW = "argento.workflow"
TAG_NAMESPACE = "argento.namespace"
TAG_NODE_NAME = "argento.node_name"

#: The output parameters a step that created an MLflow run gets.
RUN_ID_PARAM = "mlflow-run-id"
RUN_URL_PARAM = "mlflow-run-url"


@dataclass(frozen=True)
class RunRef:
    """One MLflow run: its id, experiment and the UI link."""

    run_id: str
    experiment_id: str
    url: str


def run_url(base: str, experiment_id: str, run_id: str) -> str:
    """The MLflow UI page of a run."""
    return f"{base.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"


@dataclass
class StepPlatform:
    """The ``RunOptions.platform`` hooks. ``tracking_uri`` empty: no MLflow (only the Argento variables)."""

    settings: Settings
    tracking_uri: str = ""
    #: Extra defaults (S3 endpoint of the artifact repository, …).
    extra_env: dict[str, str] = field(default_factory=dict)
    timeout: float = 3.0
    _targets: Any = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> StepPlatform:
        """Argento's variables, plus MLflow's when ``MLFLOW_TRACKING_URI`` is set or a managed server runs."""
        from argento.tracking.targets import tracking_uri

        uri = tracking_uri(settings)
        extra: dict[str, str] = {}
        if uri:
            extra = _artifact_env(settings)
        return cls(settings=settings, tracking_uri=uri, extra_env=extra)

    @property
    def http_tracking(self) -> bool:
        """Whether runs can be searched (an HTTP tracking server, not a ``file:`` or database URI)."""
        return self.tracking_uri.startswith(("http://", "https://"))

    # -- before a step --------------------------------------------------------------------------------------

    def env(self, run: RunContext, node: NodeStatus) -> dict[str, str]:
        """Defaults for the step's environment (the container's own ``env`` wins)."""
        meta = run.workflow.get("metadata") or {}
        env = {
            "ARGENTO_HOME": str(self.settings.home),
            "ARGENTO_SERVER": self.settings.server,
            "ARGENTO_NAMESPACE": str(meta.get("namespace") or self.settings.namespace),
            "ARGENTO_PYTHON": sys.executable,  # the `bentoml` command of the compatibility layer runs with it
        }
        if self.settings.service_aliases:
            env["ARGENTO_SERVICE_ALIASES"] = self.settings.service_aliases
        if not self.tracking_uri:
            return env
        tags = {
            TAG_NODE_ID: node.id,
            TAG_WORKFLOW: run.name,
            TAG_NAMESPACE: str(meta.get("namespace") or ""),
            TAG_NODE_NAME: node.display_name or node.name,
        }
        env["MLFLOW_TRACKING_URI"] = self.tracking_uri
        env["MLFLOW_RUN_CONTEXT"] = json.dumps(tags, separators=(",", ":"))
        env.update(self.extra_env)
        return env

    def finalize(self, run: RunContext, env: dict[str, str], literal: set[str]) -> dict[str, str]:
        """Resolve the in-cluster addresses of ``literal`` variables; add the compatibility layer's path."""
        from argento import compat

        if literal:  # the service-alias table (and its YAML) only for steps that name in-cluster addresses
            from argento.errors import ArgentoError, SpecError
            from argento.tracking.targets import Targets

            if self._targets is None:
                self._targets = Targets(self.settings)
            targets = self._targets
            for name in sorted(literal):
                try:
                    env[name] = targets.table.rewrite(env[name], targets)
                except ArgentoError as exc:
                    raise SpecError(f"env {name}: {exc}") from None
        env.update(compat.environ(env, path=False))
        return env

    # -- after a step ---------------------------------------------------------------------------------------

    async def outputs(self, run: RunContext, node: NodeStatus) -> list[dict[str, Any]]:
        """``mlflow-run-id`` / ``mlflow-run-url`` of the first top-level run the step created, if any."""
        if not self.http_tracking:
            return []
        import httpx  # only with an HTTP tracking server

        try:
            found = await self.runs_of(node.id)
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            log.debug("MLflow run search for %s failed: %s", node.id, exc)
            return []
        if not found:
            return []
        first = found[0]
        return [{"name": RUN_ID_PARAM, "value": first.run_id}, {"name": RUN_URL_PARAM, "value": first.url}]

    async def runs_of(self, node_id: str) -> list[RunRef]:
        """Runs tagged with ``node_id``, top-level runs first, oldest first."""
        import httpx

        base = self.tracking_uri.rstrip("/")
        # A client per call: the platform may outlive one event loop (the CLI runs one, the server another).
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            resp = await client.post(f"{base}/api/2.0/mlflow/experiments/search", json={"max_results": 1000})
            resp.raise_for_status()
            ids = [e["experiment_id"] for e in resp.json().get("experiments") or []]
            if not ids:
                return []
            body = {
                "experiment_ids": ids,
                "filter": f"tags.`{TAG_NODE_ID}` = '{node_id}'",
                "max_results": 50,
                "order_by": ["attributes.start_time ASC"],
            }
            resp = await client.post(f"{base}/api/2.0/mlflow/runs/search", json=body)
            resp.raise_for_status()
        refs: list[tuple[bool, RunRef]] = []
        for item in resp.json().get("runs") or []:
            info = item["info"]
            tags = {t["key"]: t.get("value") for t in (item.get("data") or {}).get("tags") or []}
            ref = RunRef(
                info["run_id"], info["experiment_id"], run_url(base, info["experiment_id"], info["run_id"])
            )
            refs.append(("mlflow.parentRunId" in tags, ref))
        return [ref for _, ref in sorted(refs, key=lambda r: r[0])]  # stable: keeps start-time order


def _artifact_env(settings: Settings) -> dict[str, str]:
    """What MLflow clients need to reach Argento's artifact repository (S3: ``MLFLOW_S3_ENDPOINT_URL`` and the
    region; the local folder: nothing), as its kind declares it."""
    from argento.artifacts.config import default_repository
    from argento.artifacts.kinds import kind_of
    from argento.errors import ArgentoError

    try:
        repo = default_repository(settings)
    except ArgentoError:
        return {}
    kind = kind_of(repo.spec)
    return kind.client_env(repo.location) if kind.client_env is not None else {}


__all__ = [
    "RUN_ID_PARAM",
    "RUN_URL_PARAM",
    "TAG_NODE_ID",
    "RunRef",
    "StepPlatform",
    "run_url",
]
