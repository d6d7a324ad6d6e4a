"""Served composition: each ``argento.depends(Other)`` of a served service runs as its own service process.

``argento serve module:Svc`` starts, before its workers, one ``argento serve module:Other --uds SOCKET`` child
per dependency class (each child does the same for its own dependencies). The sockets live in a private
temporary directory; the workers get ``{attribute: "unix:///…/x.sock"}`` and resolve each attribute to a
:class:`RemoteService`. The supervising process restarts a child that dies — at once the first time, then with
Kubernetes' crash-loop back-off (10 s doubling to 5 min, reset after 10 min of fine running; see
:mod:`argento.backoff`), counting restarts and writing each child's state to ``status.json`` in the socket directory
(the service's ``/healthz`` answers 503 with the last exit reason while a dependency is down) — and, when it stops,
stops the children (SIGTERM, then SIGKILL) and removes the directory. A dependency declared with ``url=`` is
already remote; one whose class cannot be imported by ``module:QualName`` stays in-process.

Not served (plain Python), none of this happens: the attribute is a shared in-process instance.
"""

from __future__ import annotations

import ctypes
import importlib
import inspect
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argento.backoff import BackoffPolicy, CrashLoop, exit_reason
from argento.errors import ArgentoError
from argento.procs import pid_alive
from argento.serving.decorators import APISpec, get_service_spec
from argento.serving.io.hints import api_parameters
from argento.serving.io.multipart import Multipart

if TYPE_CHECKING:
    from argento.serving.options import ServeOptions

log = logging.getLogger("argento.serving")

#: Seconds a dependency gets to answer ``/readyz`` 200 (models load there) before its parent gives up.
READY_TIMEOUT = 60.0
#: The supervisor's state of every dependency process, in the socket directory (read by ``/healthz``).
STATUS_FILE = "status.json"


#: Socket directories are ``<tmp>/argento-deps-<pid of the supervising process>-<random>``.
DIR_PREFIX = "argento-deps-"


def _remove_orphaned_directories() -> None:
    """Remove the socket directories of supervisors that died without cleaning up (SIGKILL)."""
    for path in Path(tempfile.gettempdir()).glob(f"{DIR_PREFIX}*-*"):
        pid = path.name[len(DIR_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


class RemoteService:
    """A served dependency with the methods of the in-process instance, reached over its socket.

    Each API of the other service is a method of the same name as on the class: a plain method for a sync
    API, a coroutine function for an ``async def`` one, an iterator (async iterator) of chunks for a generator.
    Arguments are bound to the API function's signature, so the positional and keyword calls that work on the
    instance work here — except ``ctx``, which is not taken (the other service has its own request context).

    Differences from in-process: values travel as request and response bodies, so results come back in their
    wire form (a pydantic model or dataclass as a dict, an array as ``numpy.ndarray``); a stream yields text
    chunks or JSON lines as received; failures are :mod:`argento.serving.errors` classes (``InvalidInput``,
    ``GatewayTimeout``, …, and ``ServiceUnavailable`` while the process is unreachable) — a served API that lets
    them propagate answers with their status. ``to_sync`` and ``to_async`` are the underlying
    :class:`~argento.serving.client.ServiceClient` and
    :class:`~argento.serving.client.AsyncServiceClient`; an API named ``url``, ``to_sync``, ``to_async`` or
    ``aclose`` is reachable only through them (``remote.to_sync.call("url", …)``). As in-process, calling a
    sync API from ``async def`` code blocks the event loop meanwhile; ``await remote.to_async.call(…)`` does not.
    """

    _reserved = frozenset({"url", "to_sync", "to_async", "aclose"})

    def __init__(self, url: str, target: type, *, wait_ready: float = 0.0) -> None:
        from argento.serving.client import AsyncServiceClient, ServiceClient

        spec = get_service_spec(target)
        if spec is None:
            raise TypeError(f"{target!r} is not an @argento.service class")
        self.url = url
        # Past the other service's own timeout, so that its 504 arrives rather than a client-side timeout.
        timeout = spec.traffic.timeout + 5.0
        self.to_sync = ServiceClient(url, timeout=timeout, wait_ready=wait_ready)
        self.to_async = AsyncServiceClient(url, timeout=timeout)
        for api in spec.apis.values():
            attr = api.func.__name__
            if attr not in self._reserved:
                setattr(self, attr, self._method(api))

    def _method(self, api: APISpec) -> Callable[..., Any]:
        shape = _call_shape(api)
        name = api.name
        if api.is_async and not api.is_stream:

            async def call(*args: Any, **kwargs: Any) -> Any:
                values, named = shape(args, kwargs)
                return await self.to_async.call(name, *values, **named)

            method: Callable[..., Any] = call
        else:
            send = (
                (self.to_async if api.is_async else self.to_sync).stream
                if api.is_stream
                else self.to_sync.call
            )

            def method(*args: Any, **kwargs: Any) -> Any:
                values, named = shape(args, kwargs)
                return send(name, *values, **named)

        method.__name__ = api.func.__name__
        method.__doc__ = api.doc
        return method

    async def aclose(self) -> None:
        """Close both clients."""
        self.to_sync.close()
        await self.to_async.aclose()

    def __repr__(self) -> str:
        return f"<RemoteService {self.url}>"


def _call_shape(
    api: APISpec,
) -> Callable[[tuple[Any, ...], dict[str, Any]], tuple[tuple[Any, ...], dict[str, Any]]]:
    """How an in-process call of ``api`` becomes a client call: bind the arguments to the function's signature,
    then send them by name (type-hint and ``Multipart`` APIs) or as the one input value (other descriptors)."""
    params, ctx_name, _ = api_parameters(api.func)
    names = [p.name for p in params]
    parameters = list(inspect.signature(api.func).parameters.values())
    if parameters and parameters[0].name in ("self", "cls"):
        parameters = parameters[1:]
    signature = inspect.Signature([p for p in parameters if p.name != ctx_name])
    by_name = api.input is None or isinstance(api.input, Multipart)

    def shape(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        bound = signature.bind(*args, **kwargs)
        if by_name:
            return (), {k: v for k, v in bound.arguments.items() if k in names}
        bound.apply_defaults()
        return (bound.arguments[names[0]],), {}

    return shape


def served_dependencies(cls: type) -> dict[str, str]:
    """``{attribute: "module:QualName"}``: the dependencies of service ``cls`` to run as their own processes.

    Dependencies declared with ``url=`` are remote already; a class that cannot be imported by name (defined in
    ``__main__``, nested in a class or a function) stays in-process, and one warning says so.
    """
    spec = get_service_spec(cls)
    out: dict[str, str] = {}
    for attr, dep in (spec.dependencies if spec else {}).items():
        if dep.url is not None or dep.target is None:
            continue
        reason = _not_importable(dep.target)
        if reason:
            log.warning("dependency %r of %s runs in-process: %s", attr, cls.__name__, reason)
        else:
            out[attr] = f"{dep.target.__module__}:{dep.target.__qualname__}"
    return out


def _not_importable(target: type) -> str:
    """Why ``module:QualName`` of ``target`` does not name it in another process ("" when it does)."""
    if target.__module__ == "__main__":
        return f"{target.__qualname__} is defined in __main__"
    try:
        found = getattr(importlib.import_module(target.__module__), target.__qualname__, None)
    except ImportError as exc:
        return f"cannot import {target.__module__}: {exc}"
    if found is not target:
        return f"{target.__module__}:{target.__qualname__} does not name the class"
    return ""


if sys.platform == "linux":
    _PR_SET_PDEATHSIG = 1
    # Resolved here, not in the forked child (where only async-signal-safe work belongs).
    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl

    def _die_with_parent() -> None:
        """Run in the child between fork and exec: the kernel SIGTERMs it when its parent dies, even by a
        SIGKILL that leaves the parent no chance to stop it."""
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)

    _PREEXEC: Callable[[], None] | None = _die_with_parent
else:  # pragma: no cover - PR_SET_PDEATHSIG is Linux's
    _PREEXEC = None


class DependencyProcess:
    """One dependency served by ``argento serve TARGET --uds SOCKET``, a child of this process."""

    def __init__(
        self,
        attrs: list[str],
        target: str,
        socket: Path,
        options: ServeOptions,
        backoff: BackoffPolicy | None = None,
    ) -> None:
        self.attrs = attrs
        self.target = target
        self.socket = socket
        self.command = [
            sys.executable,
            "-m",
            "argento.cli.main",
            "serve",
            target,
            "--uds",
            str(socket),
            "--working-dir",
            str(Path(options.working_dir).resolve()),
            "--version",
            options.version,
            "--graceful-timeout",
            str(options.graceful_timeout),
            "--log-level",
            options.log_level,
            "--access-log" if options.access_log else "--no-access-log",
            *(["--reload"] if options.reload else []),  # edits reload the dependency too
        ]
        self.proc: subprocess.Popen[bytes] | None = None
        self.crash = CrashLoop(backoff)
        self.started = 0.0  # on the back-off clock
        self.down = False  # it exited and waits for its restart

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc is not None else 0

    @property
    def label(self) -> str:
        return f"{', '.join(repr(a) for a in self.attrs)} ({self.target})"

    def start(self) -> None:
        # Its own session: a Ctrl-C of the terminal reaches only the parent, which drains before stopping it.
        self.proc = subprocess.Popen(self.command, start_new_session=True, preexec_fn=_PREEXEC)
        self.started = self.crash.now()
        self.down = False

    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def wait_ready(self, deadline: float) -> None:
        """Poll ``/readyz`` over the socket until 200; :class:`ArgentoError` naming it if it exits or is late."""
        import httpx

        transport = httpx.HTTPTransport(uds=str(self.socket))
        with httpx.Client(transport=transport, base_url="http://localhost", timeout=1.0) as http:
            while True:
                code = self.exit_code()
                if code is not None:
                    raise ArgentoError(f"dependency {self.label} failed to start (exit code {code})")
                try:
                    if http.get("/readyz").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise ArgentoError(f"dependency {self.label} was not ready within {READY_TIMEOUT:g}s")
                time.sleep(0.05)

    def crashed(self, code: int | None) -> float:
        """Record that it exited with ``code``; returns the wait before its restart (crash-loop back-off)."""
        reason, exit_code, sig = exit_reason(code)
        self.down = True
        return self.crash.crashed(self.started, reason, exit_code=exit_code, signal=sig, pid=self.pid)

    def to_status(self) -> dict[str, Any]:
        """What ``status.json`` says of it (``restart_at``: wall-clock time, for readers in other processes)."""
        out = {
            "target": self.target,
            "pid": self.pid,
            "state": "backoff" if self.down else "running",
            **self.crash.to_status(),
        }
        if self.down:
            out["restart_at"] = time.time() + self.crash.remaining()
        return out

    def terminate(self) -> None:
        if self.exit_code() is None and self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)

    def wait_or_kill(self, deadline: float) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("dependency %s did not stop in time; killing it", self.label)
            self.proc.kill()
            self.proc.wait()


class ServedDependencies:
    """The dependency processes of one served service, as a context manager.

    Entering starts them all, waits (at most :data:`READY_TIMEOUT`) until each answers ``/readyz`` and
    returns ``{attribute: url}`` for the workers; if one fails, the others are stopped and :class:`ArgentoError`
    names it. While inside, a thread restarts any that dies. Leaving stops them: SIGTERM, then SIGKILL once
    ``graceful_timeout`` (plus the 5 s the runtime grants its own workers) has passed.
    """

    def __init__(self, cls: type, options: ServeOptions, *, backoff: BackoffPolicy | None = None) -> None:
        self.cls = cls
        self.options = options
        self.backoff = backoff or BackoffPolicy()
        self.children: list[DependencyProcess] = []
        self.directory: Path | None = None
        self._stopping = threading.Event()
        #: Completed supervision passes (tests wait for passes instead of sleeping to see that nothing happened).
        self.passes = 0
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None

    def __enter__(self) -> dict[str, str]:
        targets = served_dependencies(self.cls)
        if not targets:
            return {}
        _remove_orphaned_directories()
        self.directory = Path(tempfile.mkdtemp(prefix=f"{DIR_PREFIX}{os.getpid()}-"))
        by_target: dict[str, list[str]] = {}
        for attr, target in targets.items():  # one process per class, as in-process there is one instance
            by_target.setdefault(target, []).append(attr)
        for i, (target, attrs) in enumerate(by_target.items()):
            self.children.append(
                DependencyProcess(attrs, target, self.directory / f"dep{i}.sock", self.options, self.backoff)
            )
        try:
            for child in self.children:
                child.start()
            deadline = time.monotonic() + READY_TIMEOUT
            for child in self.children:
                child.wait_ready(deadline)
                log.info("dependency %s ready on %s (pid %d)", child.label, child.url, child.pid)
        except BaseException:
            self.stop()
            raise
        self._write_status()
        self._watcher = threading.Thread(target=self._watch, name="argento-dependencies", daemon=True)
        self._watcher.start()
        return {attr: child.url for child in self.children for attr in child.attrs}

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def status(self) -> dict[str, dict[str, Any]]:
        """Each dependency's state (``running`` or ``backoff``), restarts and last exit, by attribute."""
        return {attr: child.to_status() for child in self.children for attr in child.attrs}

    def _write_status(self) -> None:
        if self.directory is None:
            return
        tmp = self.directory / f".{STATUS_FILE}.tmp"
        try:
            tmp.write_text(json.dumps(self.status()))
            tmp.replace(self.directory / STATUS_FILE)
        except OSError as exc:  # the directory went away (stopping): nothing to report to
            log.debug("cannot write the dependency status: %s", exc)

    def _watch(self) -> None:
        """Restart each dependency that dies, after its crash-loop back-off, until stopped."""
        while not self._stopping.wait(0.2):
            for child in self.children:
                if not child.down:
                    code = child.exit_code()
                    if code is None:
                        continue
                    delay = child.crashed(code)
                    log.warning(
                        "dependency %s %s (pid %d); restart %d %s",
                        child.label,
                        child.crash.last["reason"],
                        child.pid,
                        child.crash.restarts,
                        f"in {delay:g}s (back-off)" if delay else "now",
                    )
                    self._write_status()
                if child.crash.waiting():
                    continue
                with self._lock:
                    if self._stopping.is_set():
                        return
                    try:
                        child.start()
                    except OSError as exc:
                        # It cannot even be spawned (no memory, no pids): back off as for a crash.
                        delay = child.crash.crashed(child.crash.now(), f"could not start: {exc}")
                        log.error(
                            "dependency %s could not start: %s; next try in %gs", child.label, exc, delay
                        )
                        self._write_status()
                        continue
                log.info("dependency %s restarted (pid %d)", child.label, child.pid)
                self._write_status()
            self.passes += 1

    def stop(self) -> None:
        """Stop every dependency process (SIGTERM, then SIGKILL) and remove the socket directory."""
        with self._lock:
            self._stopping.set()
        if self._watcher is not None:
            self._watcher.join()
        for child in self.children:
            child.terminate()
        deadline = time.monotonic() + self.options.graceful_timeout + 5
        for child in self.children:
            child.wait_or_kill(deadline)
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)


def dependency_trouble(urls: dict[str, str]) -> str:
    """Why a dependency served at ``urls`` (``unix://…`` of :class:`ServedDependencies`) is down, or ``""``.

    Read from the supervisor's ``status.json`` (the service's ``/healthz`` reports it)."""
    folders = {Path(url[len("unix://") :]).parent for url in urls.values() if url.startswith("unix://")}
    problems = []
    for folder in folders:
        try:
            states = json.loads((folder / STATUS_FILE).read_text())
        except (OSError, ValueError):
            continue
        for attr, state in states.items():
            if state.get("state") == "backoff":
                last = state.get("last_exit") or {}
                problems.append(
                    f"dependency {attr!r} ({state.get('target')}) {last.get('reason', 'exited')}; "
                    f"{state.get('restarts', 0)} restart(s), "
                    f"next in {max(0.0, float(state.get('restart_at', 0)) - time.time()):.0f}s"
                )
    return "; ".join(problems)
