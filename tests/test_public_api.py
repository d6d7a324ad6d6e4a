from __future__ import annotations

import argento


def test_public_surface_is_deliberate() -> None:
    assert sorted(argento.__all__) == [
        "AsyncHTTPClient",
        "Client",
        "Context",
        "SyncHTTPClient",
        "__version__",
        "api",
        "depends",
        "deploy",
        "io",
        "models",
        "on_shutdown",
        "on_startup",
        "service",
        "sklearn",
    ]
