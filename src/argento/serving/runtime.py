"""``argento serve``: load a service, run it under uvicorn (uvloop + httptools), one or several workers.

One worker runs in this process. Several workers share one listening socket bound here; each is a spawned
process running its own app (its own batcher per API, as SPEC §3.4 says), and metrics are summed across
them through ``PROMETHEUS_MULTIPROC_DIR``, set before any worker starts. SIGTERM drains: ``/readyz`` turns
503, uvicorn stops accepting, in-flight requests finish (up to ``graceful_timeout``), shutdown hooks run.
``--reload`` restarts the (single) worker when a ``.py`` file under the working directory changes.
``--uds PATH`` serves on a Unix domain socket instead of host:port. Dependencies (``argento.depends``) run as
their own ``argento serve`` processes, started here before any worker (:mod:`argento.serving.dependencies`).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import logging.config
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from argento.errors import ArgentoError, NotFound
from argento.serving.decorators import get_service_spec
from argento.serving.options import ServeOptions

log = logging.getLogger("argento.serving")

#: Environment used only to hand options to reload/worker subprocesses (never read elsewhere).
_OPTIONS_ENV = "ARGENTO_SERVE_OPTIONS"


def load_service(target: str, working_dir: str | Path = ".") -> type:
    """Import ``module:Class`` (``module`` may be a dotted path, relative to ``working_dir``)."""
    from argento.compat import activate

    activate()  # `import bentoml` in the service resolves to the compatibility layer (unless BentoML is installed)
    module_name, _, attr = target.partition(":")
    root = str(Path(working_dir).resolve())
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise NotFound(
                f"cannot import {module_name!r} from {root}: no such module (a bento? argento bentos list)"
            ) from None
        raise ArgentoError(import_failure(exc, Path(root))) from exc
    except Exception as exc:  # the user's module raised (SyntaxError, ImportError, anything) while importing
        raise ArgentoError(import_failure(exc, Path(root))) from exc
    if attr:
        obj = getattr(module, attr, None)
        if obj is None:
            raise NotFound(f"module {module_name!r} has no attribute {attr!r}")
        if get_service_spec(obj) is None:
            raise ArgentoError(f"{target} is not an @argento.service class")
        return obj
    found = [v for v in vars(module).values() if isinstance(v, type) and get_service_spec(v) is not None]
    if len(found) != 1:
        raise ArgentoError(f"name the service: {module_name}:<Class> ({len(found)} services in the module)")
    return found[0]


def import_failure(exc: BaseException, root: Path) -> str:
    """One line for an exception raised while importing the user's code: ``file:line: what``.

    The place is the innermost frame in the user's files (under ``root``), or the file a ``SyntaxError`` names;
    the traceback itself is for ``--debug``.
    """
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        what = f"cannot import {exc.name!r}: {exc}"
    elif isinstance(exc, ImportError):
        what = str(exc)
    elif isinstance(exc, SyntaxError):
        what = f"{type(exc).__name__}: {exc.msg}"
    else:
        what = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, SyntaxError) and exc.filename:
        place: tuple[str, int | None] | None = (exc.filename, exc.lineno)
    else:
        import traceback

        frames = traceback.extract_tb(exc.__traceback__)
        mine = [f for f in frames if Path(f.filename).resolve().is_relative_to(root.resolve())]
        place = (mine[-1].filename, mine[-1].lineno) if mine else None
    if place is None:
        return what
    file = Path(place[0])
    with contextlib.suppress(ValueError):
        file = file.resolve().relative_to(Path.cwd())
    return f"{file}:{place[1]}: {what}" if place[1] else f"{file}: {what}"


def build_app(options: ServeOptions) -> Any:
    """The ASGI app of one worker."""
    from argento.config import Settings
    from argento.hosts import HostCheck
    from argento.serving.app import ServiceApp

    cls = load_service(options.target, options.working_dir)
    # On a Unix socket clients (the service client, dependencies) say `localhost`, which is always answered.
    hosts = HostCheck("127.0.0.1" if options.uds else options.host, Settings.from_env().allowed_hosts)
    return ServiceApp(
        cls,
        version=options.version,
        metrics_dir=options.metrics_dir,
        access_log=options.access_log,
        background_init=True,
        dependency_urls=options.dependency_urls,
        hosts=hosts,
    )


def _log_config(level: str) -> dict[str, Any]:
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": fmt}, "access": {"format": "%(asctime)s %(message)s"}},
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"},
            "access": {
                "class": "argento.serving.access_log.AccessLogHandler",
                "formatter": "access",
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "argento.serving": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "argento.serving.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }


def _uvicorn_config(app: Any, options: ServeOptions) -> Any:
    import uvicorn

    return uvicorn.Config(
        app,
        host=options.host,
        port=options.port,
        uds=options.uds,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,  # our own access log carries the request id and latency
        log_config=_log_config(options.log_level),
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=int(options.graceful_timeout),
        backlog=4096,
    )


def _server_class() -> type:
    import uvicorn

    class DrainingServer(uvicorn.Server):
        """uvicorn's server that flips ``/readyz`` to 503 as soon as a stop signal arrives."""

        def __init__(self, config: Any, app: Any) -> None:
            super().__init__(config)
            self.argento_app = app
            app.lifecycle.on_failure = self._startup_failed

        def handle_exit(self, sig: int, frame: Any) -> None:
            self.argento_app.lifecycle.draining = True
            super().handle_exit(sig, frame)

        def _startup_failed(self, exc: BaseException) -> None:
            self.should_exit = True

    return DrainingServer


def _run_one(options: ServeOptions, sockets: list[socket.socket] | None = None) -> int:
    app = build_app(options)
    server = _server_class()(_uvicorn_config(app, options), app)
    server.run(sockets=sockets)
    error = app.lifecycle.error
    if error is not None:
        print(f"error: service failed to start: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


def _worker_main(options: ServeOptions, sock: socket.socket) -> None:
    sys.exit(_run_one(options, [sock]))


def _bind(options: ServeOptions) -> socket.socket:
    if options.uds is not None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if Path(options.uds).is_socket():  # a stale socket of an earlier run
            Path(options.uds).unlink()
        sock.bind(options.uds)
    else:
        sock = socket.socket(socket.AF_INET6 if ":" in options.host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((options.host, options.port))
    sock.listen(4096)
    sock.set_inheritable(True)
    return sock


def _supervise(options: ServeOptions, workers: int) -> int:
    """Run ``workers`` processes on one shared socket; forward stop signals; restart crashed workers."""
    metrics_dir = tempfile.mkdtemp(prefix="argento-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir  # read by prometheus_client in each worker
    options.metrics_dir = metrics_dir
    sock = _bind(options)
    ctx = multiprocessing.get_context("spawn")
    procs: list[Any] = []
    stopping = False

    def start() -> Any:
        proc = ctx.Process(target=_worker_main, args=(options, sock), name="argento-worker")
        proc.start()
        return proc

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for proc in procs:
            if proc.is_alive() and proc.pid:
                os.kill(proc.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("serving %s on %s with %d workers", options.target, _address(options), workers)
    # One crash loop per worker slot (SPEC R7): a worker that keeps dying is restarted after 10 s, 20 s, …
    # up to 5 min, as Kubernetes restarts a container, never in a tight loop.
    from argento.backoff import CrashLoop, exit_reason

    crashes = [CrashLoop() for _ in range(workers)]
    started = [0.0] * workers
    pending: set[int] = set()
    try:
        for i in range(workers):
            procs.append(start())
            started[i] = crashes[i].now()
        while not stopping:
            time.sleep(0.2)
            for i, proc in enumerate(procs):
                if stopping:
                    break
                if i in pending:
                    if not crashes[i].waiting():
                        pending.discard(i)
                        procs[i], started[i] = start(), crashes[i].now()
                    continue
                if proc.is_alive():
                    continue
                from prometheus_client import multiprocess

                multiprocess.mark_process_dead(proc.pid, metrics_dir)
                if proc.exitcode == 1 and sum(c.restarts for c in crashes) >= workers:
                    stop(signal.SIGTERM, None)  # start-up keeps failing: give up
                    return 1
                reason = exit_reason(proc.exitcode)[0]
                wait = crashes[i].crashed(started[i], reason)
                log.warning(
                    "worker %d %s; restarting%s", proc.pid, reason, f" in {wait:.0f} s" if wait else ""
                )
                pending.add(i)
        deadline = time.monotonic() + options.graceful_timeout + 5
        for proc in procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
        return 0
    finally:
        sock.close()
        if options.uds:
            Path(options.uds).unlink(missing_ok=True)
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _address(options: ServeOptions) -> str:
    return f"unix://{options.uds}" if options.uds else f"http://{options.host}:{options.port}"


def reload_app() -> Any:
    """uvicorn factory used by ``--reload`` (the options travel in an environment variable)."""
    options = ServeOptions(**json.loads(os.environ[_OPTIONS_ENV]))
    return build_app(options)


def serve(options: ServeOptions) -> int:
    """Run until stopped; returns the process exit code."""
    cls = load_service(options.target, options.working_dir)  # fail fast, before binding anything
    logging.config.dictConfig(_log_config(options.log_level))
    # uvicorn re-raises a stop signal once it has drained: make that (or an early SIGTERM) unwind through the
    # ``with`` below, which stops the dependency processes, instead of killing this process on the spot.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    from argento.serving.dependencies import ServedDependencies

    # Started once here, so that every worker (and every reload) shares the same dependency processes.
    with ServedDependencies(cls, options) as urls:
        return _serve(replace(options, dependency_urls=urls), cls)


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def _serve(options: ServeOptions, cls: type) -> int:
    spec = get_service_spec(cls)
    workers = options.workers or (spec.workers if spec else 1) or 1
    if options.reload:
        import uvicorn

        os.environ[_OPTIONS_ENV] = json.dumps(asdict(options))
        uvicorn.run(
            "argento.serving.runtime:reload_app",
            factory=True,
            reload=True,
            reload_dirs=[str(Path(options.working_dir).resolve())],
            host=options.host,
            port=options.port,
            uds=options.uds,
            loop="uvloop",
            http="httptools",
            access_log=False,
            log_config=_log_config(options.log_level),
        )
        return 0
    if workers > 1:
        return _supervise(options, workers)
    return _run_one(options)
