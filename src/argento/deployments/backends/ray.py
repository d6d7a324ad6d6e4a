"""The ``ray`` deployment backend: each replica is a Ray Serve application (``backend: ray``, SPEC §3.6).

A replica of a variant becomes a one-replica Serve application named after the replica id, whose Serve
replica (a Ray actor, placed by Ray with the deployment's ``resources``: ``cpu`` → ``num_cpus``, ``memory``,
``nvidia.com/gpu`` → ``num_gpus``; no cpu request reserves none) owns one ``argento serve`` process — the very
command the ``local`` backend runs (same bento environments, same runtime, same ``/readyz``, ``/metrics``).
Serve keeps that actor alive; if it (or its node) dies, Serve starts it again elsewhere.

Routing stays in Argento's gateway, as for every backend: weights, header/sticky routing, retries, shadow
traffic, per-variant metrics and ``compare`` work unchanged, and so do the controller's health checks,
rolling updates, autoscaling and restarts. (A Serve ingress deployment could route too, but it would bypass
the gateway's metrics and make a second, different router; Serve's HTTP proxy is not started:
``proxy_location="Disabled"``.)

Lifecycle: `RayServeBackend.start` deploys the application (``serve.run`` in a thread, off the event loop)
and returns once the process is spawned; the controller then waits for ``/readyz``. A watcher asks the
replica for its process's state every ``poll_interval`` seconds; when the process has exited (drained after
``signal_stop``, killed, or crashed) the replica reports not alive and its application is deleted. After a
control-plane restart, `RayServeBackend.adopt` finds applications that still run (with a long-lived cluster,
``ARGENTO_RAY_ADDRESS``; a Ray started by the control plane dies with it).

Limits: the controller reaches every replica at 127.0.0.1 on a port it picked, so replicas must run on the
control plane's host (a one-machine cluster, or several Ray nodes on that host); serving from other machines
needs the controller to take each replica's address from its backend.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
from pathlib import Path
from typing import Any

from argento.config import Settings
from argento.deployments.backends.base import ReplicaSpec
from argento.deployments.backends.local import LocalBackend
from argento.errors import ArgentoError, SpecError
from argento.paths import safe_join


class ReplicaProcess:
    """The body of a Serve replica: one ``argento serve`` process on the replica's node, owned by it."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: str | None, log_file: str) -> None:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        with open(log_file, "ab") as log:
            self.proc = subprocess.Popen(
                argv,
                env={**os.environ, **env},
                cwd=cwd or None,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                close_fds=True,
                preexec_fn=_die_with_parent,
            )

    def status(self) -> dict[str, Any]:
        """The process's pid, exit code (None while it runs) and where it runs."""
        import ray

        return {
            "pid": self.proc.pid,
            "returncode": self.proc.poll(),
            "node_id": ray.get_runtime_context().get_node_id(),
            "hostname": socket.gethostname(),
        }

    def signal(self, sig: int) -> None:
        """Signal the process group (SIGTERM: turn unready, drain in-flight requests, exit)."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, sig)

    def __del__(self) -> None:  # Serve tears the replica down: its process goes with it
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)


def _die_with_parent() -> None:
    """In the child: SIGTERM (drain, exit) when the replica's actor dies without tearing it down."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def actor_options(resources: dict[str, Any]) -> dict[str, Any]:
    """A deployment's ``resources`` (Kubernetes quantities) as ``ray_actor_options``."""
    from argento.resources import parse_quantity

    opts: dict[str, Any] = {"num_cpus": 0.0}
    try:
        if resources.get("cpu") not in (None, ""):
            opts["num_cpus"] = parse_quantity(resources["cpu"])
        if resources.get("memory") not in (None, ""):
            opts["memory"] = int(parse_quantity(resources["memory"]))
        gpus = resources.get("nvidia.com/gpu", resources.get("gpu"))
        if gpus not in (None, ""):
            opts["num_gpus"] = parse_quantity(gpus)
    except ValueError as e:
        raise SpecError(str(e), path="spec.resources") from None
    return opts


class RayServeReplica:
    """A replica hosted by a Serve application (see the module doc)."""

    def __init__(
        self, backend: RayServeBackend, app: str, pid: int, port: int, host: str, record: dict[str, Any]
    ) -> None:
        self.backend = backend
        self.app = app
        self.pid = pid
        self.port = port
        self.host = host
        self.record = dict(record)
        self._returncode: int | None = None
        self._gone = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._spawn(self._watch())

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def alive(self) -> bool:
        return self._returncode is None and not self._gone

    def exit_code(self) -> int | None:
        return self._returncode

    def signal_stop(self) -> None:
        self._spawn(self._signal(signal.SIGTERM))

    def kill(self) -> None:
        self._spawn(self._signal(signal.SIGKILL))
        self._gone = True
        self._spawn(self.backend.delete(self.app))

    def to_record(self) -> dict[str, Any]:
        return {**self.record, "pid": self.pid, "port": self.port, "host": self.host, "app": self.app}

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _signal(self, sig: int) -> None:
        with contextlib.suppress(Exception):
            await self.backend.handle(self.app).signal.remote(int(sig))

    async def _watch(self) -> None:
        import ray

        handle = self.backend.handle(self.app)
        while not self._gone and ray.is_initialized():
            try:
                info = await handle.status.remote()
            except Exception:  # the application was deleted, or Serve could not keep its replica
                self._gone = True
                break
            if info["returncode"] is not None:
                self._returncode = int(info["returncode"])
                break
            await asyncio.sleep(self.backend.poll_interval)
        await self.backend.delete(self.app)


class RayServeBackend(LocalBackend):
    """Replicas as Ray Serve applications (``backend: ray``)."""

    name = "ray"

    def __init__(
        self,
        settings: Settings,
        *,
        reuse_env: bool = False,
        address: str | None = None,
        poll_interval: float = 0.5,
    ) -> None:
        """``address``: the Ray cluster (default `Settings.ray_address`, else a local Ray on first use)."""
        super().__init__(settings, reuse_env=reuse_env)
        self.address = settings.ray_address if address is None else address
        self.poll_interval = poll_interval
        self._ready = False

    def _serve(self) -> Any:
        """Connect to Ray and start Serve without its HTTP proxy (once); returns ``ray.serve``."""
        from argento.executors.ray_cluster import CLUSTER

        CLUSTER.connect(self.address)
        from ray import serve

        if not self._ready:
            serve.start(proxy_location="Disabled")
            self._ready = True
        return serve

    def handle(self, app: str) -> Any:
        from ray import serve

        return serve.get_app_handle(app)

    async def start(self, spec: ReplicaSpec) -> RayServeReplica:
        """Deploy one replica as a Serve application; returns once its process is spawned."""
        argv, bento_env, cwd = await self._argv(spec)
        env = {"ARGENTO_HOME": str(self.settings.home), **bento_env, **spec.env}
        log_file = spec.log_file or safe_join(
            self.logs, spec.deployment, f"{spec.replica_id}.log", what="replica"
        )
        options = actor_options(spec.resources)
        try:
            serve = await asyncio.to_thread(self._serve)
            deployment = serve.deployment(
                ReplicaProcess, name="replica", num_replicas=1, ray_actor_options=options
            )
            app = deployment.bind(argv, env, cwd, str(log_file))
            await asyncio.to_thread(serve.run, app, name=spec.replica_id, route_prefix=None)
            info = await self.handle(spec.replica_id).status.remote()
        except ArgentoError:
            raise
        except Exception as exc:
            await self.delete(spec.replica_id)
            raise ArgentoError(
                f"could not start a Ray Serve replica of {spec.deployment}/{spec.variant}: {exc}"
            ) from exc
        record = {
            "replica_id": spec.replica_id,
            "deployment": spec.deployment,
            "variant": spec.variant,
            "template_hash": spec.template_hash,
            "target": spec.target,
            "log": str(log_file),
            "node_id": info["node_id"],
        }
        return RayServeReplica(self, spec.replica_id, int(info["pid"]), spec.port, spec.host, record)

    def adopt(self, record: dict[str, Any]) -> RayServeReplica | None:
        """The replica of an earlier control plane, if its application still runs on the cluster."""
        app, port = str(record.get("app") or record.get("replica_id") or ""), int(record.get("port", 0))
        if not app or not port:
            return None
        try:
            serve = self._serve()
            status = serve.status().applications.get(app)
        except Exception:
            return None
        if status is None or str(status.status) not in ("RUNNING", "ApplicationStatus.RUNNING"):
            return None
        host = str(record.get("host", "127.0.0.1"))
        return RayServeReplica(self, app, int(record.get("pid", 0)), port, host, record)

    async def delete(self, app: str) -> None:
        """Remove a replica's application (its actor and, through ``__del__``, its process)."""
        import ray
        from ray import serve

        if not ray.is_initialized():  # disconnected (shutting down): a call would start a new local Ray
            return
        with contextlib.suppress(Exception):
            await asyncio.to_thread(serve.delete, app)
