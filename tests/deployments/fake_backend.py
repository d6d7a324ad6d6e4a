"""An in-memory deployment backend for controller tests: replicas are HTTP endpoints on the test's event loop.

It implements :class:`argento.deployments.backends.base.Backend` (``start``/``adopt``) and its replicas
:class:`~argento.deployments.backends.base.ReplicaHandle`, so the controller, the gateway and the plane run unchanged;
only no process is started. A replica answers ``/readyz`` (200 once ``ready`` is true) and every other path
with ``{"replica", "variant", "template"}``. Tests crash replicas (:meth:`FakeReplica.crash`), hold them
unready, make starts fail, and read what the backend was asked to do (:attr:`FakeBackend.started`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from argento.deployments.backends.base import ReplicaSpec
from argento.deployments.httpserver import start_server
from argento.errors import ArgentoError

_pids = itertools.count(900_000)


class FakeReplica:
    """One replica: an in-process HTTP server; ``crash``/``kill``/``signal_stop`` end it like a process."""

    def __init__(self, spec: ReplicaSpec, *, ready: bool) -> None:
        self.spec = spec
        self.pid = next(_pids)
        self.port = spec.port
        self.ready = ready
        self.requests = 0
        self.stopped_by: str | None = None  # "signal_stop" | "kill" | "crash"
        self._code: int | None = None
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://{self.spec.host}:{self.port}"

    async def listen(self) -> None:
        self._server = await start_server(self._answer, self.spec.host, self.port)

    async def _answer(self, method: bytes, path: bytes, query: bytes, headers: Any, body: bytes) -> Any:
        json_type = [(b"content-type", b"application/json")]
        if path == b"/readyz":
            return (200, json_type, b'{"status":"ready"}') if self.ready else (503, json_type, b"{}")
        self.requests += 1
        answer = {
            "replica": self.spec.replica_id,
            "variant": self.spec.variant,
            "template": self.spec.template_hash,
        }
        return 200, json_type, json.dumps(answer).encode()

    def _end(self, code: int, how: str) -> None:
        if self._code is None:
            self._code, self.stopped_by = code, how
            if self._server is not None:
                self._server.close()

    # -- ReplicaHandle
    def alive(self) -> bool:
        return self._code is None

    def exit_code(self) -> int | None:
        return self._code

    def signal_stop(self) -> None:
        self._end(0, "signal_stop")

    def kill(self) -> None:
        self._end(-9, "kill")

    def to_record(self) -> dict[str, Any]:
        return {
            "replica_id": self.spec.replica_id,
            "deployment": self.spec.deployment,
            "variant": self.spec.variant,
            "template_hash": self.spec.template_hash,
            "target": self.spec.target,
            "pid": self.pid,
            "port": self.port,
            "host": self.spec.host,
        }

    # -- test controls
    def crash(self, code: int = 1) -> None:
        """The replica dies on its own (a crash, an OOM kill)."""
        self._end(code, "crash")


class FakeBackend:
    """The ``Backend`` protocol in memory. ``name`` defaults to ``local`` so a plane's default backend is it."""

    def __init__(self, name: str = "local", *, ready: bool = True) -> None:
        self.name = name
        self.ready = ready
        self.replicas: dict[str, FakeReplica] = {}
        self.started: list[ReplicaSpec] = []
        #: Errors the next starts raise (a missing image, a bad bento), first in first out.
        self.start_errors: list[str] = []

    async def start(self, spec: ReplicaSpec) -> FakeReplica:
        self.started.append(spec)
        if self.start_errors:
            raise ArgentoError(self.start_errors.pop(0))
        replica = FakeReplica(spec, ready=self.ready)
        await replica.listen()
        self.replicas[spec.replica_id] = replica
        return replica

    def adopt(self, record: dict[str, Any]) -> FakeReplica | None:
        replica = self.replicas.get(str(record.get("replica_id")))
        return replica if replica is not None and replica.alive() else None

    def live(self, deployment: str | None = None) -> list[FakeReplica]:
        """Replicas still running (of one deployment)."""
        return [
            r
            for r in self.replicas.values()
            if r.alive() and (deployment is None or r.spec.deployment == deployment)
        ]
