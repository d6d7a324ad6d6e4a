"""The ``local`` backend: each replica is an ``argento serve`` process on 127.0.0.1.

A replica runs in its own session (``start_new_session``), so stopping or restarting the control plane
does not kill it: the next control plane re-adopts it by pid and port (the pid must still be alive and its
command line must serve that port). Its stdout/stderr go to
``<ARGENTO_HOME>/deployments/logs/<deployment>/<replica>.log``.

Bentos are served from their isolated environment (created once per lock, off the event loop), or from the
running interpreter with ``reuse_env`` (development and tests). Services (``module:Class``) are served by the
running interpreter from their ``working_dir``. A ``memory`` resource caps each replica's data segment
(``RLIMIT_DATA``); ``cpu`` is recorded (and rendered for Kubernetes) but not enforced on this machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from argento import procs
from argento.config import Settings
from argento.deployments.backends.base import ReplicaSpec
from argento.errors import ArgentoError
from argento.paths import safe_join


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _limit_memory(pid: int, resources: dict[str, Any]) -> None:
    """Cap a replica's data segment at its ``memory`` resource (RLIMIT_DATA, as the executor does for steps).

    Set from outside right after the start (``prlimit``): no ``preexec_fn`` in a threaded server.
    """
    memory = resources.get("memory")
    if not memory:
        return
    from argento.resources import parse_quantity

    try:
        limit = int(parse_quantity(memory))
        resource.prlimit(pid, resource.RLIMIT_DATA, (limit, limit))
    except (ValueError, OSError, AttributeError):
        pass  # an unparsable quantity was rejected by the spec; a vanished pid is the controller's business


class LocalReplica:
    """A replica process: ours (a ``Popen``) or adopted from an earlier control plane (a pid)."""

    def __init__(
        self,
        pid: int,
        port: int,
        host: str = "127.0.0.1",
        proc: subprocess.Popen[bytes] | None = None,
        record: dict[str, Any] | None = None,
    ) -> None:
        self.pid = pid
        self.port = port
        self.host = host
        self.proc = proc
        self.record = dict(record or {})

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    def alive(self) -> bool:
        """Whether the process runs (a zombie of an adopted replica does not)."""
        if self.proc is not None:
            return self.proc.poll() is None
        return procs.running(self.pid)

    def exit_code(self) -> int | None:
        """The exit code of a process this backend started (unknown for adopted ones)."""
        return self.proc.poll() if self.proc is not None else None

    def signal_stop(self) -> None:
        """SIGTERM the replica's process group: it turns unready, drains in-flight requests and exits."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL the process group and reap it."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(1)

    def to_record(self) -> dict[str, Any]:
        """pid, port and host (plus the controller's fields) for re-adoption."""
        return {**self.record, "pid": self.pid, "port": self.port, "host": self.host}


class LocalBackend:
    """Replica processes on this machine."""

    name = "local"

    def __init__(self, settings: Settings, *, reuse_env: bool = False) -> None:
        self.settings = settings
        self.reuse_env = reuse_env
        self.logs = settings.home / "deployments" / "logs"

    async def _argv(self, spec: ReplicaSpec) -> tuple[list[str], dict[str, str], str | None]:
        if spec.is_bento:
            from argento.deployments.bentos import BentoStore
            from argento.deployments.bentos.env import serve_command

            bento = BentoStore.from_settings(self.settings).get(spec.target)
            # Creating the environment the first time takes seconds: never on the event loop.
            argv, env = await asyncio.to_thread(
                serve_command,
                bento,
                port=spec.port,
                host=spec.host,
                reuse_env=self.reuse_env,
                settings=self.settings,
                extra=["--no-access-log", "--log-level", "warning"],
            )
            return argv, env, None
        argv = [
            sys.executable,
            "-m",
            "argento.cli.main",
            "serve",
            spec.target,
            "--host",
            spec.host,
            "--port",
            str(spec.port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--version",
            spec.variant,
            "--working-dir",
            spec.working_dir or ".",
        ]
        return argv, {}, spec.working_dir

    async def start(self, spec: ReplicaSpec) -> LocalReplica:
        """Start one replica (returns at once; the controller waits for ``/readyz``)."""
        argv, bento_env, cwd = await self._argv(spec)
        env = {**os.environ, "ARGENTO_HOME": str(self.settings.home), **bento_env, **spec.env}
        log_file = spec.log_file or safe_join(
            self.logs, spec.deployment, f"{spec.replica_id}.log", what="replica"
        )
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(log_file, "ab") as log:
            try:
                proc = subprocess.Popen(
                    argv,
                    env=env,
                    cwd=cwd or None,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                    close_fds=True,
                )
            except OSError as exc:
                raise ArgentoError(
                    f"could not start a replica of {spec.deployment}/{spec.variant}: {exc}"
                ) from exc
        _limit_memory(proc.pid, spec.resources)
        record = {
            "replica_id": spec.replica_id,
            "deployment": spec.deployment,
            "variant": spec.variant,
            "template_hash": spec.template_hash,
            "target": spec.target,
            "log": str(log_file),
        }
        return LocalReplica(proc.pid, spec.port, spec.host, proc, record)

    def adopt(self, record: dict[str, Any]) -> LocalReplica | None:
        """The replica of an earlier control plane, if its process still serves its port."""
        pid, port = int(record.get("pid", 0)), int(record.get("port", 0))
        if not pid or not port or not procs.running(pid):
            return None
        cmd = procs.cmdline(pid) or []
        if "--port" not in cmd or str(port) not in cmd:
            return None  # the pid was reused by something else
        return LocalReplica(pid, port, str(record.get("host", "127.0.0.1")), None, record)


def running_replicas(settings: Settings) -> list[LocalReplica]:
    """The replica processes recorded under this home that still run."""
    from argento.deployments.state import FileStateStore

    state = FileStateStore(settings.home / "deployments")
    backend = LocalBackend(settings)
    return [r for r in (backend.adopt(record) for record in state.load_replicas()) if r is not None]


def stop_replicas(settings: Settings, *, grace: float = 10.0) -> int:
    """Stop every replica process recorded under this home (``argento down``): SIGTERM (they drain), then
    SIGKILL after ``grace`` seconds. The deployments themselves stay: the next server starts them again.
    Returns how many were running."""
    from argento.deployments.state import FileStateStore

    state = FileStateStore(settings.home / "deployments")
    replicas = running_replicas(settings)
    for replica in replicas:
        replica.signal_stop()
    deadline = time.monotonic() + grace
    while any(r.alive() for r in replicas) and time.monotonic() < deadline:
        time.sleep(0.05)
    for replica in replicas:
        if replica.alive():
            replica.kill()
    state.save_replicas([])
    return len(replicas)
