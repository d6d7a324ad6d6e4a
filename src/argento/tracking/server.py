"""The managed MLflow tracking server: a lean ``mlflow server`` subprocess, started, checked and stopped by PID.

Layout under ``<ARGENTO_HOME>/mlflow/``::

    mlflow.db        the SQLite backend store (experiments, runs, registered models)
    server.json      {pid, url, port, artifacts, started_at} of the running server; gone once it stops
    server.log       its stdout and stderr

Lean means: one uvicorn worker, MLflow's job execution (huey consumers) and telemetry off, bound to
127.0.0.1 with ``--allowed-hosts`` naming the addresses steps use to reach it. Artifacts are proxied by the
server (``--serve-artifacts``) into Argento's artifact repository (``<repo>/mlflow`` of the local folder, or
``s3://bucket/prefix/mlflow`` with the repository's endpoint and credentials), so steps log models without
holding any S3 credential.

The server runs in its own session (process group): ``stop`` ends the whole tree (the ``mlflow`` CLI and the
uvicorn it spawns) and survives the CLI that started it, so ``argento up`` can exit and ``argento down`` (or
another shell) can stop it by the PID in ``server.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from argento import procs
from argento.config import Settings
from argento.errors import ArgentoError, SpecError, Unavailable

DEFAULT_PORT = 5000
STATE_FILE = "server.json"

#: Environment of the server process: job execution and telemetry off (SPEC §4, lean).
LEAN_ENV = {
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "PYTHONUNBUFFERED": "1",
}


@dataclass(frozen=True)
class TrackingServer:
    """A started server, as recorded in ``server.json``."""

    pid: int
    url: str
    port: int
    artifacts: str
    started_at: float
    log: str = ""

    def alive(self) -> bool:
        """Whether the recorded process still runs and is an MLflow server (not a recycled PID)."""
        return pid_is(self.pid, "mlflow")

    def healthy(self, timeout: float = 1.0) -> bool:
        """Whether ``GET /health`` answers ``OK``."""
        return health(self.url, timeout=timeout)


def mlflow_dir(settings: Settings) -> Path:
    """``<ARGENTO_HOME>/mlflow``."""
    return settings.home / "mlflow"


def pid_is(pid: int, needle: str) -> bool:
    """Whether ``pid`` is alive and its command line mentions ``needle`` (guards against PID reuse)."""
    if not procs.pid_alive(pid):
        return False
    args = procs.cmdline(pid)
    if args is None:  # no procfs (macOS): trust the signal check
        return True
    return needle in " ".join(args) and not procs.is_zombie(pid)


def health(url: str, timeout: float = 1.0) -> bool:
    """``GET {url}/health`` answers 200 ``OK``."""
    import httpx  # not at import: `argento run` asks only `tracking_uri`

    try:
        resp = httpx.get(f"{url.rstrip('/')}/health", timeout=timeout)
    except httpx.HTTPError:
        return False
    return resp.status_code == 200


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether nothing listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def current(settings: Settings) -> TrackingServer | None:
    """The managed server of this home if it is running; a stale ``server.json`` is removed."""
    state = mlflow_dir(settings) / STATE_FILE
    try:
        data = json.loads(state.read_text())
        server = TrackingServer(**data)
    except (OSError, ValueError, TypeError):
        return None
    if server.alive():
        return server
    with contextlib.suppress(OSError):
        state.unlink()
    return None


def artifacts_destination(settings: Settings) -> tuple[str, dict[str, str]]:
    """Where MLflow stores artifacts (inside Argento's default repository) and the environment it needs, as the
    repository's kind declares them (:mod:`argento.artifacts.kinds`).

    Local folder: ``<repo>/mlflow``. S3: ``s3://bucket[/keyPrefix]/mlflow`` plus ``MLFLOW_S3_ENDPOINT_URL``,
    ``AWS_DEFAULT_REGION`` and the repository's credentials (resolved from the local secret store).
    """
    from argento.artifacts.config import default_repository
    from argento.artifacts.kinds import kind_of

    repo = default_repository(settings)
    kind = kind_of(repo.spec)
    if kind.mlflow_destination is None:
        raise SpecError(f"MLflow cannot keep its artifacts in a {kind.name} artifact repository")
    dest = kind.mlflow_destination(repo.location, settings)
    env = kind.client_env(repo.location) if kind.client_env is not None else {}
    secrets = kind.client_secrets(repo.location) if kind.client_secrets is not None else {}
    if secrets:
        from argento.secrets import SecretResolver, SecretStore

        resolver = SecretResolver(SecretStore(settings.home))
        for var, ref in secrets.items():
            env[var] = resolver.resolve(settings.namespace, ref)
    return dest, env


def command(settings: Settings, port: int, artifacts: str, host: str = "127.0.0.1") -> list[str]:
    """The ``mlflow server`` command line of the lean server."""
    db = mlflow_dir(settings) / "mlflow.db"
    allowed = ",".join(f"{h}:{port}" for h in ("127.0.0.1", "localhost", socket.gethostname()))
    return [
        sys.executable,
        "-m",
        "argento.tracking.launch",  # `mlflow server`, exec'ing uvicorn in place (one process; see launch.py)
        "server",
        "--backend-store-uri",
        f"sqlite:///{db}",
        "--serve-artifacts",
        "--artifacts-destination",
        artifacts,
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        "1",
        "--allowed-hosts",
        allowed,
    ]


def start(
    settings: Settings,
    *,
    port: int | None = None,
    wait: bool = True,
    timeout: float = 90.0,
) -> TrackingServer:
    """Start the managed server (or return the one already running for this home).

    ``port`` None: :data:`DEFAULT_PORT`, or a free port when that one is taken. With ``wait``, return only
    once ``/health`` answers, and raise :class:`Unavailable` (with the log's tail) if it never does.
    """
    running = current(settings)
    if running is not None:
        if wait:
            _wait_healthy(running, timeout)
        return running
    import importlib.util

    if importlib.util.find_spec("mlflow") is None:  # fail here, clearly, not in a subprocess's log
        raise ArgentoError("MLflow is not installed: pip install 'argento[mlflow]'")
    if port is None:
        port = DEFAULT_PORT if port_free(DEFAULT_PORT) else free_port()
    elif not port_free(port):
        raise ArgentoError(f"port {port} is in use: choose another MLflow port (or 0 for any free one)")
    if port == 0:
        port = free_port()
    folder = mlflow_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    artifacts, extra_env = artifacts_destination(settings)
    fresh = seed_database(folder / "mlflow.db")
    log_path = folder / "server.log"
    env = {**os.environ, **LEAN_ENV, **extra_env}
    env.pop("MLFLOW_TRACKING_URI", None)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            command(settings, port, artifacts),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=folder,
            start_new_session=True,  # its own process group: stop() ends the uvicorn child too
        )
    server = TrackingServer(
        pid=proc.pid,
        url=f"http://127.0.0.1:{port}",
        port=port,
        artifacts=artifacts,
        started_at=time.time(),
        log=str(log_path),
    )
    state = folder / STATE_FILE
    tmp = state.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(server)))
    tmp.replace(state)
    if wait:
        try:
            _wait_healthy(server, timeout, proc)
        except ArgentoError:
            stop(settings)
            raise
        if fresh:
            save_template(folder / "mlflow.db")
    return server


def _template() -> Path:
    """An empty, fully migrated backend database of the installed MLflow version (a per-user cache)."""
    import importlib.metadata

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "argento"
    return cache / f"mlflow-{importlib.metadata.version('mlflow')}-empty.db"


def seed_database(db: Path) -> bool:
    """Give a new home the cached empty database, so the server skips MLflow's migrations (~15 s on SQLite).

    Returns True when the database is new and nothing was cached yet (the server will create and migrate it).
    """
    if db.exists():
        return False
    try:
        template = _template()
        if template.is_file():
            tmp = db.with_suffix(".seed")
            shutil.copyfile(template, tmp)
            tmp.replace(db)
            return False
    except (OSError, ImportError):
        pass
    return True


def save_template(db: Path) -> None:
    """Cache the just-migrated database of a new home (SQLite's online backup: the server is running)."""
    import sqlite3

    with contextlib.suppress(OSError, sqlite3.Error, ImportError):
        template = _template()
        if template.exists():
            return
        template.parent.mkdir(parents=True, exist_ok=True)
        tmp = template.with_suffix(f".{os.getpid()}.tmp")
        with contextlib.closing(sqlite3.connect(db)) as src, contextlib.closing(sqlite3.connect(tmp)) as dst:
            src.backup(dst)
        tmp.replace(template)


def _wait_healthy(
    server: TrackingServer, timeout: float, proc: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.healthy(timeout=1.0):
            return
        exited = proc.poll() if proc is not None else (None if server.alive() else -1)
        if exited is not None:
            raise Unavailable(
                f"the MLflow server exited during start-up (code {exited}): {_tail(server.log)}"
            )
        time.sleep(0.1)
    raise Unavailable(
        f"the MLflow server did not answer on {server.url} within {timeout:.0f}s: {_tail(server.log)}"
    )


def _tail(path: str, lines: int = 5) -> str:
    try:
        text = Path(path).read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(text[-lines:]) or "(empty log)"


def stop(settings: Settings, *, timeout: float = 10.0) -> bool:
    """Stop the managed server of this home (SIGTERM to its process group, SIGKILL after ``timeout``).

    Returns whether one was running.
    """
    state = mlflow_dir(settings) / STATE_FILE
    server = current(settings)
    if server is None:
        return False
    terminate_group(server.pid, timeout=timeout)
    with contextlib.suppress(OSError):
        state.unlink()
    return True


def terminate_group(pid: int, *, timeout: float = 10.0) -> None:
    """SIGTERM the process group led by ``pid`` and wait; SIGKILL what is left after ``timeout``."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + (timeout if sig == signal.SIGTERM else 5.0)
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
            if not _group_alive(pid):
                return
            time.sleep(0.05)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A group whose members are all zombies is as good as gone.
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


__all__ = [
    "DEFAULT_PORT",
    "TrackingServer",
    "artifacts_destination",
    "command",
    "current",
    "free_port",
    "health",
    "start",
    "stop",
]
