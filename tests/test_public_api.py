from __future__ import annotations

import argento


def test_public_surface_is_deliberate() -> None:
    assert sorted(argento.__all__) == ["__version__", "models", "sklearn"]
