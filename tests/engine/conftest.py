"""Engine test fixtures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from engine_helpers import run_workflow_text

from argento.config import Settings


@pytest.fixture
def run_wf(settings: Settings) -> Callable[..., dict[str, Any]]:
    def runner(text: str, **kwargs: Any) -> dict[str, Any]:
        return run_workflow_text(text, settings, **kwargs)

    return runner
