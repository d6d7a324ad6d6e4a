"""The worker side of the ``ray`` executor: one Ray task runs one pod with the ``local`` executor's machinery.

`run_step` is the body of a Ray *streaming generator* task. In its worker process it hands the pod to a
`LocalExecutor` (same image table, sandbox, layout, rlimits, timeout handling as ``argento run``) that lives on
an event loop in a background thread, one per worker process (`StepRunner`), and yields what the driver needs,
as it happens:

- ``("started", info)`` once the process runs (``info``: Ray node id, hostname, pid) — the pod is admitted;
- ``("log", index, bytes)`` chunks of the main (index 0) and sidecar logs, every ~0.1 s, when the worker is
  on another node than the driver (on the driver's node the step writes the driver's log files directly);
- ``("done", result, outputs)`` at the end: the `StepResult` fields, and the output files — their host paths
  on the driver's node, a tar of them elsewhere;
- ``("error", message)`` when the step cannot start (an unknown command, an unreachable volume, …).

Files on other nodes: the pod's private directory is relocated to the worker's temp dir; what the engine put
in it (input artifacts, emptyDir and configMap volumes) travels in with the request (`StepRequest.stage_in`),
output parameters and artifacts travel back in the ``done`` item and the directory is removed. Workflow
volumes (``volumeClaimTemplates``, PVCs) are shared between steps, so they must be on a filesystem every node
mounts at the same path.

Stopping: the driver posts ``kill:<token>`` (the grace period) in Ray's internal KV store; the task polls it
every 0.25 s while the step runs (a step shorter than that costs nothing) and kills the step's process group
as the local executor does (SIGTERM, SIGKILL after the grace). A plain ``ray.cancel`` (KeyboardInterrupt in
the task) does the same. The step's timeout is enforced here, by the local executor.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import io
import os
import queue
import shutil
import socket
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from argento.config import Settings
from argento.errors import ArgentoError, ExecutorError

from .admission import Admission, Resources
from .base import PodSpec, StepResult
from .local import LocalExecutor

KV_NAMESPACE = "argento"
#: How often a running step's logs are shipped to the driver (other nodes only).
LOG_INTERVAL = 0.1
#: How often a running step looks for a kill request.
KILL_POLL = 0.25
_LOG_CHUNK = 1 << 20
_RAY_AUTH_ENV = ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")


def kill_key(token: str) -> bytes:
    """The internal-KV key through which the driver asks a task to kill its step."""
    return f"kill:{token}".encode()


def scratch_root() -> Path:
    """Where steps from other nodes keep their files on this node."""
    return Path(tempfile.gettempdir()) / "argento-ray"


@dataclass
class StepRequest:
    """Everything a worker needs to run one pod."""

    pod: PodSpec
    token: str
    #: The Ray node of the engine: a worker there uses the pod's paths as they are.
    driver_node: str
    home: str
    #: The driver's image tables (``ARGENTO_IMAGES`` and ``images.yaml``) merged, as inline JSON.
    images: str
    sleep_scale: float
    kill_grace: float
    max_output_bytes: int
    #: Tar of the files under the pod's directory (inputs, volumes), for a worker on another node.
    stage_in: bytes | None = None


class _Step:
    """One pod on the runner's loop; `request_kill` may be called from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, events: queue.SimpleQueue[tuple[Any, ...]]) -> None:
        self.loop = loop
        self.events = events
        self.handle: Any = None
        self.kill_grace: float | None = None
        self._killer: asyncio.Future[None] | None = None

    def request_kill(self, grace: float) -> None:
        self.loop.call_soon_threadsafe(self._on_kill, grace)

    def _on_kill(self, grace: float) -> None:
        if self.kill_grace is None:
            self.kill_grace = grace
            if self.handle is not None:
                self._killer = asyncio.ensure_future(self.handle.kill(grace))

    async def run(self, executor: LocalExecutor, pod: PodSpec) -> None:
        try:
            handle = await executor.start(pod)
        except ArgentoError as e:
            self.events.put(("error", str(e)))
            return
        self.handle = handle
        if self.kill_grace is not None:
            self._killer = asyncio.ensure_future(handle.kill(self.kill_grace))
        self.events.put(("started", handle.pid))
        try:
            result = await handle.wait()
        except ArgentoError as e:
            self.events.put(("error", str(e)))
            return
        self.events.put(("result", result, handle))


class StepRunner:
    """A worker process's event loop (in a daemon thread) and its local executors, one per configuration."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="argento-steps", daemon=True)
        self._thread.start()
        self._executors: dict[tuple[str, str, float, float], LocalExecutor] = {}

    def executor(self, settings: Settings, kill_grace: float) -> LocalExecutor:
        key = (str(settings.home), settings.images, settings.sleep_scale, kill_grace)
        ex = self._executors.get(key)
        if ex is None:
            # Ray already placed the pod by its requests: the worker admits everything at once.
            unlimited = Admission(Resources(float("inf"), float("inf")))
            ex = self._executors[key] = LocalExecutor(settings, admission=unlimited, kill_grace=kill_grace)
        return ex

    def submit(self, coro: Any) -> concurrent.futures.Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)


_RUNNER: StepRunner | None = None
_RUNNER_LOCK = threading.Lock()


def runner() -> StepRunner:
    """This process's `StepRunner`, started on first use."""
    global _RUNNER
    with _RUNNER_LOCK:
        if _RUNNER is None:
            _RUNNER = StepRunner()
        return _RUNNER


class _Tail:
    """Ships what a step appends to one of its log files."""

    def __init__(self, index: int, path: Path) -> None:
        self.index = index
        self.path = path
        self.offset = 0

    def read(self) -> bytes:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read(_LOG_CHUNK)
        except FileNotFoundError:
            return b""
        self.offset += len(data)
        return data


def relocate(pod: PodSpec, root: Path) -> PodSpec:
    """``pod`` with its private directory moved to ``root`` (a worker on another node than the driver)."""
    base = pod.workdir

    def move(path: Path, what: str) -> Path:
        if path == base or base in path.parents:
            return root / path.relative_to(base)
        if not path.exists():
            raise ExecutorError(
                f"{what}: {path} is not on Ray node {socket.gethostname()}: volumes shared between steps "
                "need a filesystem every Ray node mounts at the same path"
            )
        return path

    def one(p: PodSpec) -> PodSpec:
        return replace(
            p,
            workdir=move(p.workdir, "workdir"),
            log_path=move(p.log_path, "log"),
            mounts={c: move(h, f"volume mount {c}") for c, h in p.mounts.items()},
            sidecars=[one(s) for s in p.sidecars],
        )

    return one(pod)


def pack(paths: dict[str, Path]) -> bytes:
    """A tar of ``{name: host path}`` (files or directories)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, path in paths.items():
            tar.add(path, arcname=name)
    return buf.getvalue()


def unpack(data: bytes, into: Path) -> None:
    """Extract a `pack` tar into ``into`` (no member may leave it)."""
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        tar.extractall(into, filter="tar")


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    return path.stat().st_size


def run_step(req: StepRequest) -> Iterator[tuple[Any, ...]]:
    """Run ``req.pod`` in this worker; yields the items described in the module doc."""
    import ray

    node = ray.get_runtime_context().get_node_id()
    shared = node == req.driver_node
    root = scratch_root() / req.token
    try:
        pod = req.pod
        if shared:
            home = Path(req.home)
        else:
            home = scratch_root() / "home"
            try:
                pod = relocate(pod, root)
            except ExecutorError as e:
                yield ("error", str(e))
                return
            if req.stage_in:
                unpack(req.stage_in, root)
        pod = replace(
            pod,
            env={**_ray_auth_env(), **pod.env, "ARGENTO_RAY_NODE_ID": node},
            mounts={**_ray_session_mount(ray), **pod.mounts},
        )
        settings = Settings(home=home, images=req.images, sleep_scale=req.sleep_scale)
        yield from _supervise(ray, req, pod, settings, node, shared)
    finally:
        if not shared:
            shutil.rmtree(root, ignore_errors=True)


def _supervise(
    ray: Any, req: StepRequest, pod: PodSpec, settings: Settings, node: str, shared: bool
) -> Iterator[tuple[Any, ...]]:
    run = runner()
    try:
        executor = run.executor(settings, req.kill_grace)
    except ArgentoError as e:
        yield ("error", str(e))
        return
    events: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
    step = _Step(run.loop, events)
    run.submit(step.run(executor, pod))
    tails = [] if shared else [_Tail(i, p.log_path) for i, p in enumerate((pod, *pod.sidecars))]
    next_poll = time.monotonic() + KILL_POLL
    try:
        while True:
            try:
                event = events.get(timeout=LOG_INTERVAL)
            except queue.Empty:
                for tail in tails:
                    data = tail.read()
                    if data:
                        yield ("log", tail.index, data)
                if step.kill_grace is None and time.monotonic() >= next_poll:
                    next_poll = time.monotonic() + KILL_POLL
                    grace = _kill_request(ray, req.token)
                    if grace is not None:
                        step.request_kill(grace)
                continue
            if event[0] == "error":
                yield event
                return
            if event[0] == "started":
                yield ("started", {"node_id": node, "hostname": socket.gethostname(), "pid": event[1]})
                continue
            result: StepResult = event[1]
            handle = event[2]
            break
    except KeyboardInterrupt:  # ray.cancel() without force: stop the step as a kill would, then end
        step.request_kill(_kill_request(ray, req.token) or req.kill_grace)
        with contextlib.suppress(queue.Empty):
            while events.get(timeout=req.kill_grace + 5)[0] not in ("result", "error"):
                pass
        raise
    for tail in tails:
        while data := tail.read():
            yield ("log", tail.index, data)
    found: dict[str, Path] = {}
    for i, p in enumerate(pod.output_paths):
        with contextlib.suppress(ExecutorError):  # a link leading outside the step's files is not sent back
            host = handle.host_path(p)
            if host.exists():
                found[str(i)] = host
    if shared:
        yield ("done", asdict(result), {k: str(v) for k, v in found.items()})
        return
    total = sum(_size(p) for p in found.values())
    if total > req.max_output_bytes:
        yield (
            "error",
            f"the step's outputs are {total} bytes, more than the {req.max_output_bytes} a Ray task "
            "sends back: write large outputs to an S3 artifact repository from the step",
        )
        return
    yield ("done", asdict(result), pack(found) if found else b"")


def _ray_auth_env() -> dict[str, str]:
    """Ray's authentication settings of this worker, which a Ray program in the step needs to join the cluster.

    The token travels as ``RAY_AUTH_TOKEN``: the step may not see this worker's ``~/.ray/auth_token`` (its
    ``/tmp`` is private, and test or CI homes often live there). It gives the step no more than it could
    read from that file as the same user.
    """
    env = {k: os.environ[k] for k in _RAY_AUTH_ENV if k in os.environ}
    if env.get("RAY_AUTH_MODE") == "token" and "RAY_AUTH_TOKEN" not in env:
        path = Path(env.get("RAY_AUTH_TOKEN_PATH") or Path.home() / ".ray" / "auth_token")
        with contextlib.suppress(OSError):
            env["RAY_AUTH_TOKEN"] = path.read_text().strip()
    return env


def _ray_session_mount(ray: Any) -> dict[str, Path]:
    """This node's Ray session directory (raylet socket, logs), visible in the step at its own path.

    A Ray program in the step connects through that socket; the directory usually lives under ``/tmp``,
    which the step otherwise sees as its private ``/tmp``.
    """
    try:
        session = Path(ray._private.worker.global_worker.node.get_session_dir_path())
    except Exception:  # a private API of Ray: without it the step's Ray programs need their own address
        return {}
    return {str(session): session} if session.is_dir() else {}


def _kill_request(ray: Any, token: str) -> float | None:
    from ray.experimental import internal_kv

    try:
        raw = internal_kv._internal_kv_get(kill_key(token), namespace=KV_NAMESPACE)
    except Exception:  # the GCS is unreachable: keep running, the driver will force-cancel if it must
        return None
    if raw is None:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return 0.0
