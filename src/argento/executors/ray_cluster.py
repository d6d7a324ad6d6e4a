"""The Ray side of the ``ray`` executor: the process-wide connection and where a pod may run.

Connection: one per process, shared by every `RayExecutor` (the server runs one executor for all workflows,
``argento run`` one per workflow). `connect` joins the cluster at ``ARGENTO_RAY_ADDRESS``
(`Settings.ray_address`, e.g. ``127.0.0.1:6379`` or ``auto``; the engine's host must be a node of that
cluster, as for any Ray driver) or, when it is empty, starts a local Ray with no dashboard and usage stats off.
A local Ray started here stops with the process (Ray's own exit hook) or with `shutdown`.

Placement (`Placement.of`): a pod's requests become the resources of its Ray task, the way Kubernetes turns
them into scheduling constraints:

=====================================  ==============================================================
Kubernetes                             Ray
=====================================  ==============================================================
``cpu: 500m`` (requests, else limits)  ``num_cpus=0.5``; no cpu request: ``default_cpus`` (Ray's 1)
``memory: 2Gi``                        ``memory=2147483648`` (bytes)
``nvidia.com/gpu: 1``                  ``num_gpus=1``
any other extended resource ``x: 2``   custom resource ``{"x": 2}`` (``ray start --resources``)
``nodeSelector: {pool: big}``          ``label_selector={"pool": "big"}`` (``ray start --labels``)
=====================================  ==============================================================

The well-known ``kubernetes.io/*`` selector labels are the engine's business (it checks them against this
host); ``ephemeral-storage`` and ``hugepages-*`` have no Ray counterpart and are ignored.

Feasibility: a pod no node of the cluster could ever hold is not handed to Ray (Ray would queue it as
"infeasible" and warn forever); it stays ``Pending`` with the Kubernetes scheduler's message,
``Unschedulable: 0/2 nodes are available: 2 Insufficient cpu.``, and starts when a node that fits joins.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from argento.errors import ExecutorError
from argento.resources import parse_quantity

from .base import PodSpec

_GPU_KEYS = ("nvidia.com/gpu", "amd.com/gpu")
_IGNORED = ("cpu", "memory", "ephemeral-storage", "storage")
#: Kubernetes' names for Ray's built-in resources, for scheduler messages.
_K8S_NAMES = {"CPU": "cpu", "memory": "memory", "GPU": "nvidia.com/gpu"}
NODE_TABLE_TTL = 2.0


def import_ray() -> ModuleType:
    """``import ray``, or an `ExecutorError` saying how to install it."""
    try:
        import ray
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ExecutorError("the ray executor needs Ray: pip install 'argento[ray]'") from e
    if not hasattr(ray, "init"):  # a folder or script named ray shadows the package
        raise ExecutorError(f"`import ray` found {getattr(ray, '__file__', None) or ray!r}, not Ray")
    return ray


@dataclass(frozen=True)
class Placement:
    """The Ray resources and node labels one pod needs."""

    num_cpus: float = 1.0
    num_gpus: float = 0.0
    memory: float = 0.0
    resources: Mapping[str, float] = field(default_factory=dict)
    label_selector: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, pod: PodSpec, *, default_cpus: float = 1.0) -> Placement:
        """What ``pod`` (main container plus sidecars: they share the pod's node) asks for."""
        totals: dict[str, float] = {}
        cpu_given = False
        for container in (pod, *pod.sidecars):
            for key in {*container.requests, *container.limits}:
                raw = container.requests.get(key, container.limits.get(key))
                if raw in (None, "") or key.startswith("hugepages-"):
                    continue
                try:
                    value = parse_quantity(raw)
                except ValueError as e:
                    raise ExecutorError(f"resources: {key}: {e}") from None
                cpu_given |= key == "cpu"
                totals[key] = totals.get(key, 0.0) + value
        gpus = sum(totals.pop(k, 0.0) for k in _GPU_KEYS)
        custom = {k: v for k, v in totals.items() if k not in _IGNORED and v > 0}
        selector = {
            str(k): str(v)
            for k, v in pod.node_selector.items()
            if not str(k).startswith(("kubernetes.io/", "beta.kubernetes.io/"))
        }
        return cls(
            num_cpus=totals.get("cpu", 0.0) if cpu_given else default_cpus,
            num_gpus=gpus,
            memory=totals.get("memory", 0.0),
            resources=custom,
            label_selector=selector,
        )

    @property
    def demand(self) -> dict[str, float]:
        """Ray resource name -> amount, as the node table counts them."""
        out = {"CPU": self.num_cpus, "GPU": self.num_gpus, "memory": self.memory, **self.resources}
        return {k: v for k, v in out.items() if v > 0}

    def options(self) -> dict[str, Any]:
        """Keyword arguments for ``remote_function.options()``."""
        opts: dict[str, Any] = {"num_cpus": self.num_cpus, "num_gpus": self.num_gpus}
        if self.memory:
            opts["memory"] = int(self.memory)
        if self.resources:
            opts["resources"] = dict(self.resources)
        if self.label_selector:
            opts["label_selector"] = dict(self.label_selector)
        return opts


@dataclass(frozen=True)
class NodeInfo:
    """One alive node of the cluster: its total resources and labels."""

    node_id: str
    resources: Mapping[str, float]
    labels: Mapping[str, str]


def unschedulable_message(placement: Placement, nodes: Iterable[NodeInfo]) -> str:
    """``""`` when some node could hold the pod, else Kubernetes' scheduler message naming why none can."""
    nodes = list(nodes)
    reasons: dict[str, int] = {}
    for node in nodes:
        why = [
            f"Insufficient {_K8S_NAMES.get(name, name)}"
            for name, amount in placement.demand.items()
            if node.resources.get(name, 0.0) + 1e-9 < amount
        ]
        if any(node.labels.get(k) != v for k, v in placement.label_selector.items()):
            why.append("node(s) didn't match Pod's node affinity/selector")
        if not why:
            return ""
        for reason in why:
            reasons[reason] = reasons.get(reason, 0) + 1
    # Kubernetes sorts the "<count> <reason>" strings themselves (FitError.Error).
    detail = ", ".join(sorted(f"{count} {reason}" for reason, count in reasons.items()))
    return f"Unschedulable: 0/{len(nodes)} nodes are available: {detail or 'no nodes'}."


class Cluster:
    """The process's connection to Ray, plus a short-lived cache of the node table."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._nodes: list[NodeInfo] = []
        self._nodes_at = 0.0
        self.started_here = False
        self.driver_node = ""
        #: ``host:port`` of the cluster's GCS: what a Ray program in a step connects to (``RAY_ADDRESS``).
        self.gcs_address = ""
        self._stop = threading.Event()

    @property
    def ray(self) -> ModuleType:
        return import_ray()

    def connect(self, address: str = "", *, init_options: Mapping[str, Any] | None = None) -> None:
        """Join the cluster at ``address`` (else Ray's own ``RAY_ADDRESS``, which a step run by the ``ray``
        executor has), or start a local Ray when both are empty (once per process)."""
        ray = self.ray
        address = address or os.environ.get("RAY_ADDRESS", "")
        with self._lock:
            if not ray.is_initialized():
                # Ray reads this when it starts; a workflow engine should not phone home.
                os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
                opts: dict[str, Any] = {
                    "logging_level": logging.ERROR,
                    "log_to_driver": False,
                    "namespace": "argento",
                }
                if address:
                    opts["address"] = address
                else:
                    opts["include_dashboard"] = False
                opts.update(init_options or {})
                try:
                    self._init_in_keeper(opts)
                except Exception as e:  # ConnectionError, RuntimeError, ValueError: all mean "no cluster"
                    where = (
                        f"the Ray cluster at {address!r} (ARGENTO_RAY_ADDRESS)" if address else "a local Ray"
                    )
                    raise ExecutorError(f"cannot start or reach {where}: {e}") from e
                self.started_here = not address and "address" not in (init_options or {})
            context = ray.get_runtime_context()
            self.driver_node = context.get_node_id()
            self.gcs_address = context.gcs_address

    def _init_in_keeper(self, opts: Mapping[str, Any]) -> None:
        """``ray.init`` in a thread that lives as long as the connection.

        Ray starts its local processes (GCS, raylet) with a parent-death signal, which Linux ties to the
        *thread* that forked them: had a short-lived thread (``asyncio.to_thread``'s pool is shut down when
        ``asyncio.run`` ends) started them, they would die with it, under a still-connected driver.
        """
        started: concurrent.futures.Future[None] = concurrent.futures.Future()
        stop = self._stop = threading.Event()

        def keeper() -> None:
            try:
                self.ray.init(**opts)
            except BaseException as e:
                started.set_exception(e)
                return
            started.set_result(None)
            stop.wait()

        threading.Thread(target=keeper, name="argento-ray", daemon=True).start()
        started.result()

    def nodes(self, *, fresh: bool = False) -> list[NodeInfo]:
        """The alive nodes (cached for `NODE_TABLE_TTL` seconds: placement checks run once per pod)."""
        now = time.monotonic()
        if fresh or now - self._nodes_at > NODE_TABLE_TTL:
            table = self.ray.nodes()
            self._nodes = [
                NodeInfo(n["NodeID"], dict(n.get("Resources") or {}), dict(n.get("Labels") or {}))
                for n in table
                if n.get("Alive")
            ]
            self._nodes_at = now
        return self._nodes

    def shutdown(self) -> None:
        """Disconnect; a local Ray started by `connect` stops with it."""
        ray = self.ray
        with self._lock:
            if ray.is_initialized():
                with contextlib.suppress(Exception):
                    ray.shutdown()
            self._stop.set()
            self.started_here = False
            self.driver_node = self.gcs_address = ""
            self._nodes, self._nodes_at = [], 0.0


#: The process-wide connection.
CLUSTER = Cluster()
