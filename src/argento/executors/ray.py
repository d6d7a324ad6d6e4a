"""The ``ray`` executor: each Pod-type node is a Ray task on a Ray cluster (SPEC §2.4).

    argento run wf.yaml --executor ray            # ARGENTO_RAY_ADDRESS=host:6379, or a local Ray on demand

Driver side (this module, in the engine's process): `RayExecutor.start` checks the image against the image
table, turns the pod's requests and node selector into a `ray_cluster.Placement`, and returns a `RayHandle` at
once. The handle submits the pod as a streaming-generator task (`ray_worker.run_step`) with those resources
and follows what the task yields: *started* (the handle is ``admitted``: the engine shows the node Running,
``hostNodeName`` = the Ray node id), *log* chunks (appended to ``pod.log_path`` while the step runs, their arrival time in its index), *done*
(exit code, ``outputs.result``, the output files that `RayHandle.host_path` serves). Output artifacts are
saved by the engine's artifact driver from those files, so they reach the configured repository whatever
node ran the step.

A pod that no node of the cluster could hold stays Pending with the Kubernetes scheduler's message
(`RayHandle.pending_message`: ``Unschedulable: 0/2 nodes are available: 2 Insufficient cpu.``) and is
submitted once a node that fits joins. A pod with no cpu request takes ``default_cpus`` (Ray's default, one
CPU): Ray counts concurrency in CPUs and each running task holds a worker process, so Kubernetes'
"BestEffort never waits" would start one Python worker per step.

`RayHandle.kill` asks the task, through Ray's internal KV store, to kill the step's process group (SIGTERM,
SIGKILL after the grace); a task still queued is cancelled; a task that does not answer within the grace
period plus 15 s is force-cancelled (its worker is killed). Timeouts are enforced in the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from argento.config import Settings
from argento.errors import ExecutorError

from .base import PodSpec, StepResult
from .images import ImageTable, Runtime, _load_source, _parse
from .logcap import RECORD, index_path
from .ray_cluster import CLUSTER, Cluster, Placement, unschedulable_message
from .ray_worker import KV_NAMESPACE, StepRequest, kill_key, pack, run_step, unpack

#: How often a Pending (unschedulable) pod looks at the node table again.
RESCHEDULE_INTERVAL = 2.0
#: Extra time a killed task gets, after the grace period, before its worker is killed.
KILL_SLACK = 15.0
_LOG_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC


@functools.cache
def _remote_step() -> Any:
    """The Ray remote function, defined once per process (Argo's ``retryStrategy`` owns retries)."""
    import ray

    return ray.remote(num_returns="streaming", max_retries=0)(run_step)


def merged_image_tables(settings: Settings) -> str:
    """The user's image tables (``ARGENTO_IMAGES`` before ``images.yaml``) as one inline JSON table."""
    merged: dict[str, Any] = {}
    if settings.images:
        merged.update(_load_source(settings.images)[0])
    if settings.images_file.exists():
        for glob, entry in _parse(settings.images_file.read_text(), str(settings.images_file)).items():
            merged.setdefault(glob, entry)
    return json.dumps(merged) if merged else ""


class RayHandle:
    """A pod submitted (or waiting to be submitted) to Ray."""

    def __init__(self, executor: RayExecutor, pod: PodSpec, placement: Placement, pending: str = "") -> None:
        self._ex = executor
        self.pod = pod
        self.placement = placement
        self.pid: int | None = None
        self.admitted = asyncio.Event()
        #: Why the pod is not running yet (Kubernetes' scheduler message), while it is Pending.
        self.pending_message = pending
        #: The Ray node that runs the pod, once admitted.
        self.host_node_name = ""
        self.token = uuid.uuid4().hex
        self._loop = asyncio.get_running_loop()
        self._done: asyncio.Future[StepResult] = self._loop.create_future()
        self._gen: Any = None
        self._killed = False
        self._kill_posted = False
        self._outputs: dict[str, Path] = {}
        self._log_paths = [pod.log_path, *(s.log_path for s in pod.sidecars)]
        self._log_fds: dict[int, int] = {}
        self._task = self._loop.create_task(self._drive())

    # -- public ------------------------------------------------------------------------------------------
    async def wait(self) -> StepResult:
        """The step's result; raises `ExecutorError` when it could not run (the engine marks it Error)."""
        return await asyncio.shield(self._done)

    async def kill(self, grace: float = 10.0) -> None:
        """Stop the step (SIGTERM its process group, SIGKILL after ``grace``); returns when it has ended."""
        if self._done.done():
            return
        self._killed = True
        if self._gen is None:
            self._task.cancel()
        else:
            await self._post_kill(grace)
            if not self.admitted.is_set():
                with contextlib.suppress(Exception):
                    self._ex.cluster.ray.cancel(self._gen)
            try:
                await asyncio.wait_for(asyncio.shield(self._done), grace + KILL_SLACK)
            except TimeoutError:
                with contextlib.suppress(Exception):
                    self._ex.cluster.ray.cancel(self._gen, force=True)
        with contextlib.suppress(Exception):
            await asyncio.shield(self._done)

    def host_path(self, container_path: str) -> Path:
        """Where the step's output file is on the engine's host (copied back if it ran on another node)."""
        found = self._outputs.get(container_path)
        if found is not None:
            return found
        return self.pod.workdir / ".ray-outputs" / "absent" / container_path.lstrip("/")

    # -- driving the task ----------------------------------------------------------------------------------
    async def _drive(self) -> None:
        try:
            result = await self._run()
        except asyncio.CancelledError:
            result = self._killed_result()
        except ExecutorError as e:
            self._settle(exception=e)
            return
        except Exception as e:  # RayTaskError(TaskCancelledError), WorkerCrashedError, NodeDiedError, …
            if self._killed:
                result = self._killed_result()
            else:
                self._settle(exception=ExecutorError(f"ray: the step's task failed: {_short(e)}"))
                return
        self._settle(result)

    async def _run(self) -> StepResult:
        ex = self._ex
        cluster = ex.cluster
        while self.pending_message:
            await asyncio.sleep(RESCHEDULE_INTERVAL)
            # The node table is cached for a couple of seconds: many Pending pods cost one lookup.
            self.pending_message = unschedulable_message(self.placement, cluster.nodes())
        request = StepRequest(
            pod=self.pod,
            token=self.token,
            driver_node=cluster.driver_node,
            home=str(ex.settings.home),
            images=ex.image_tables,
            sleep_scale=ex.settings.sleep_scale,
            kill_grace=ex.kill_grace,
            max_output_bytes=ex.max_output_bytes,
            stage_in=await _stage_in(self.pod),
        )
        name = f"{self.pod.workflow}/{self.pod.template or self.pod.node_id}"
        self._gen = _remote_step().options(name=name, **self.placement.options()).remote(request)
        async for ref in self._gen:
            item = await ref
            kind = item[0]
            if kind == "log":
                self._append_log(item[1], item[2])
            elif kind == "started":
                info = item[1]
                self.pid = info.get("pid")
                self.host_node_name = info.get("node_id", "")
                self.admitted.set()
            elif kind == "error":
                raise ExecutorError(item[1])
            elif kind == "done":
                await self._take_outputs(item[2])
                result = StepResult(**item[1])
                result.killed = result.killed or self._killed
                return result
        raise ExecutorError("ray: the step's task ended without a result")

    async def _take_outputs(self, outputs: Mapping[str, str] | bytes) -> None:
        paths = self.pod.output_paths
        if isinstance(outputs, bytes):
            into = self.pod.workdir / ".ray-outputs"
            if outputs:
                await asyncio.to_thread(unpack, outputs, into)
            found = {k: into / k for k in (str(i) for i in range(len(paths))) if os.path.lexists(into / k)}
        else:
            found = {k: Path(v) for k, v in outputs.items()}
        self._outputs = {paths[int(k)]: v for k, v in found.items()}

    def _append_log(self, index: int, data: bytes) -> None:
        fd = self._log_fds.get(index)
        if fd is None:
            path = self._log_paths[index]
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = self._log_fds[index] = os.open(path, _LOG_FLAGS, 0o600)  # the owner's only
            if index == 0:  # the main log's chunks are indexed when they arrive (stream unknown here)
                self._log_fds[-1] = os.open(index_path(path), _LOG_FLAGS, 0o600)
        if index == 0:
            with contextlib.suppress(OSError):
                record = RECORD.pack(os.fstat(fd).st_size, time.time_ns(), 0)
                os.write(self._log_fds[-1], record)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]

    async def _post_kill(self, grace: float) -> None:
        from ray.experimental import internal_kv

        self._kill_posted = True
        with contextlib.suppress(Exception):
            await asyncio.to_thread(
                internal_kv._internal_kv_put,
                kill_key(self.token),
                str(grace).encode(),
                namespace=KV_NAMESPACE,
            )

    def _killed_result(self) -> StepResult:
        """Killed before its process started (or its task was cancelled): Kubernetes' SIGTERM exit code."""
        t = time.time()
        return StepResult(exit_code=143, started_at=t, finished_at=t, killed=True)

    def _settle(self, result: StepResult | None = None, *, exception: BaseException | None = None) -> None:
        for fd in self._log_fds.values():
            os.close(fd)
        self._log_fds.clear()
        self._ex._live.discard(self)
        if self._kill_posted:
            self._loop.create_task(self._ex._forget(self.token))
        if self._done.done():
            return
        if exception is not None:
            self._done.set_exception(exception)
        else:
            self._done.set_result(result)  # type: ignore[arg-type]


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[-1] if text else ''}".rstrip(": ")


async def _stage_in(pod: PodSpec) -> bytes | None:
    """The files under the pod's directory that the engine prepared (inputs, volumes), for other nodes."""
    base = pod.workdir
    roots: list[Path] = []
    for p in (pod, *pod.sidecars):
        for host in p.mounts.values():
            if (host == base or base in host.parents) and host.exists():
                roots.append(host)
    roots.sort(key=lambda p: len(p.parts))
    keep: dict[str, Path] = {}
    for root in roots:
        if not any(root == k or k in root.parents for k in keep.values()):
            keep[str(root.relative_to(base))] = root
    return await asyncio.to_thread(pack, keep) if keep else None


class RayExecutor:
    """Runs each Pod-type node as a Ray task (see the module doc)."""

    name = "ray"

    def __init__(
        self,
        settings: Settings,
        *,
        address: str | None = None,
        init_options: Mapping[str, Any] | None = None,
        default_cpus: float = 1.0,
        kill_grace: float = 10.0,
        max_output_bytes: int = 256 << 20,
        cluster: Cluster = CLUSTER,
    ) -> None:
        """``address`` overrides `Settings.ray_address`; ``init_options`` go to ``ray.init`` when this
        executor connects first (e.g. ``{"_temp_dir": "/tmp/ray1", "num_cpus": 2}``)."""
        self.settings = settings
        self.address = settings.ray_address if address is None else address
        self.init_options = dict(init_options or {})
        self.default_cpus = default_cpus
        self.kill_grace = kill_grace
        self.max_output_bytes = max_output_bytes
        self.cluster = cluster
        self.image_tables = merged_image_tables(settings)
        self._images: ImageTable | None = None
        self._connected: asyncio.Future[None] | None = None
        self._live: set[RayHandle] = set()

    async def start(self, pod: PodSpec) -> RayHandle:
        """Submit ``pod`` (or keep it Pending); raises `ExecutorError` when it cannot run at all."""
        images = self._image_table()
        for p in (pod, *pod.sidecars):
            images.resolve(p.image)
        placement = Placement.of(pod, default_cpus=self.default_cpus)
        await self.connect()
        # A Ray program in the step (`ray.init()`) joins the engine's cluster, unless the step says otherwise.
        pod = replace(pod, env={"RAY_ADDRESS": self.cluster.gcs_address, **pod.env})
        handle = RayHandle(self, pod, placement, unschedulable_message(placement, self.cluster.nodes()))
        self._live.add(handle)
        return handle

    async def connect(self) -> None:
        """Join (or start) the Ray cluster, once; ``ray.init`` runs in a thread, off the event loop."""
        if self._connected is None:
            self._connected = asyncio.ensure_future(
                asyncio.to_thread(self.cluster.connect, self.address, init_options=self.init_options)
            )
        try:
            await asyncio.shield(self._connected)
        except ExecutorError:
            self._connected = None
            raise

    async def close(self) -> None:
        """Kill every running step. The Ray connection is the process's and stays (see `ray_cluster`)."""
        live = list(self._live)
        if live:
            await asyncio.gather(
                *(h.kill(grace=min(self.kill_grace, 1.0)) for h in live), return_exceptions=True
            )

    def _image_table(self) -> ImageTable:
        if self._images is None:
            host_path = os.environ.get("PATH") or os.defpath
            self._images = ImageTable(self.settings, Runtime(self.settings, host_path), host_path)
        return self._images

    async def _forget(self, token: str) -> None:
        from ray.experimental import internal_kv

        with contextlib.suppress(Exception):
            await asyncio.to_thread(internal_kv._internal_kv_del, kill_key(token), namespace=KV_NAMESPACE)
