"""Serving: the service API, IO descriptors, the ASGI runtime, adaptive batching and the HTTP client.

``argento.service``, ``argento.api``, … are re-exported from :mod:`argento`; this package keeps its own
imports lazy so that declaring a service does not import the runtime (starlette, uvicorn, prometheus).
"""

from __future__ import annotations

from argento import lazy

_WHERE = {
    "service": ".decorators",
    "api": ".decorators",
    "on_startup": ".decorators",
    "on_shutdown": ".decorators",
    "depends": ".decorators",
    "Context": ".context",
    "ServiceApp": ".app",
    "ServiceClient": ".client",
    "SyncHTTPClient": ".client",
    "AsyncHTTPClient": ".client",
}

__all__ = [
    "AsyncHTTPClient",
    "Context",
    "ServiceApp",
    "ServiceClient",
    "SyncHTTPClient",
    "api",
    "depends",
    "on_shutdown",
    "on_startup",
    "service",
]

__getattr__, __dir__ = lazy.exports(__name__, _WHERE, globals())
