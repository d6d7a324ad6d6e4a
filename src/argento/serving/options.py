"""What ``argento serve`` takes (:class:`ServeOptions`): shared by the runtime and the dependencies it serves."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ServeOptions:
    """Everything ``argento serve`` takes."""

    target: str
    host: str = "127.0.0.1"
    port: int = 3000
    workers: int | None = None  # None: the service's own ``workers``
    reload: bool = False
    access_log: bool = True
    version: str = "dev"
    graceful_timeout: float = 30.0
    log_level: str = "info"
    working_dir: str = "."
    metrics_dir: str | None = None
    uds: str | None = None  # serve on this Unix domain socket instead of host:port
    #: ``{attribute: "unix:///…"}`` of the dependencies served as their own processes (set by :func:`serve`).
    dependency_urls: dict[str, str] = field(default_factory=dict)


__all__ = ["ServeOptions"]
