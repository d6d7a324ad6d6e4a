"""Executors run Pod-type nodes behind one protocol (SPEC §2.4): ``local`` (host processes) and ``fake``.

    executor = get_executor("local", settings)
    handle = await executor.start(pod)        # PodSpec -> StepHandle
    result = await handle.wait()              # StepResult(exit_code, result, message, …)
    handle.host_path("/tmp/out.txt")          # where the step's output file is on the host
"""

from __future__ import annotations

from argento.config import Settings
from argento.errors import ExecutorError

from .admission import Admission, Resources, parse_quantity
from .base import (
    DEADLINE_MESSAGE,
    RESULT_LIMIT,
    Executor,
    PodSpec,
    StepHandle,
    StepResult,
    UnknownImage,
    Unschedulable,
    exit_message,
    result_text,
)
from .fake import FakeExecutor, fake_host_path

__all__ = [
    "DEADLINE_MESSAGE",
    "RESULT_LIMIT",
    "Admission",
    "Executor",
    "FakeExecutor",
    "PodSpec",
    "Resources",
    "StepHandle",
    "StepResult",
    "UnknownImage",
    "Unschedulable",
    "exit_message",
    "fake_host_path",
    "get_executor",
    "parse_quantity",
    "result_text",
]


def get_executor(name: str, settings: Settings, **options: object) -> Executor:
    """The executor called ``name`` (``local`` or ``fake``); ``options`` go to its constructor."""
    if name == "local":
        from .local import LocalExecutor

        return LocalExecutor(settings, **options)  # type: ignore[arg-type]
    if name == "fake":
        return FakeExecutor(**options)  # type: ignore[arg-type]
    if name == "ray":
        try:
            from .ray import RayExecutor  # type: ignore[import-not-found]
        except ImportError as e:
            raise ExecutorError("the ray executor needs `pip install argento[ray]`") from e
        return RayExecutor(settings, **options)  # type: ignore[no-any-return]
    raise ExecutorError(f"unknown executor {name!r}: choose local, fake or ray")
