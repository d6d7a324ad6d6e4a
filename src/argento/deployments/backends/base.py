"""The backend protocol: start one replica of a variant, tell whether it lives, stop it, re-adopt it.

The controller owns everything else (how many replicas, health checks on ``/readyz``, restarts, traffic);
a backend only turns a :class:`ReplicaSpec` into something listening at ``url``. ``local`` runs processes;
a Ray Serve backend would start a Serve replica and a Kubernetes one a Pod — each answers the same calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass
class ReplicaSpec:
    """One replica to start."""

    replica_id: str
    deployment: str
    variant: str
    target: str  # a bento tag, or module:Class
    is_bento: bool
    template_hash: str
    port: int
    host: str = "127.0.0.1"
    working_dir: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)
    log_file: Path | None = None


class ReplicaHandle(Protocol):
    """A started (or re-adopted) replica."""

    pid: int
    port: int

    @property
    def url(self) -> str:
        """Where the replica listens (``http://host:port``)."""
        ...

    def alive(self) -> bool:
        """Whether the replica still runs (cheap: called every reconcile pass)."""
        ...

    def exit_code(self) -> int | None:
        """The exit code once it ended, if known."""
        ...

    def signal_stop(self) -> None:
        """Ask it to drain and stop (SIGTERM for a process)."""
        ...

    def kill(self) -> None:
        """Stop it now."""
        ...

    def to_record(self) -> dict[str, Any]:
        """What :meth:`Backend.adopt` needs to find it again after a control-plane restart."""
        ...


class Backend(Protocol):
    """Starts replicas and finds them again after a restart of the control plane."""

    name: str

    async def start(self, spec: ReplicaSpec) -> ReplicaHandle:
        """Start one replica and return at once (the controller waits for ``/readyz``)."""
        ...

    def adopt(self, record: dict[str, Any]) -> ReplicaHandle | None:
        """The replica a saved record describes, if it still runs; else ``None``."""
        ...
