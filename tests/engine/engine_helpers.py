"""Engine test helpers: run a workflow on the in-memory fake executor."""

from __future__ import annotations

import asyncio
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from argento.config import Settings
from argento.engine import RunOptions, WorkflowRunner
from argento.engine.resolve import TemplateRegistry
from argento.executors.base import PodSpec, StepResult
from argento.executors.fake import FakeExecutor


def shell_script(pod: PodSpec) -> StepResult:
    """A tiny interpreter of the commands tests use: ``echo X``, ``exit N``, ``echo X > FILE``, ``sleep``."""
    words = [*pod.command, *pod.args]
    text = " ".join(words[2:]) if words[:2] == ["sh", "-c"] else " ".join(shlex.quote(w) for w in words)
    if pod.script_source is not None:
        text = pod.script_source
    out: list[str] = []
    code = 0
    for part in re.split(r";|&&|\n", text):
        part = part.strip()
        if not part:
            continue
        if part.startswith("exit "):
            code = int(part.split()[1])
            break
        m = re.match(r"echo (?:-n )?(.*?)\s*>\s*(\S+)$", part)
        if m:
            target = Path(pod.workdir) / "fs" / m.group(2).lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(m.group(1).strip("'\""))
            continue
        if part.startswith("echo"):
            out.append(" ".join(shlex.split(part)[1:]))
        if part.startswith("print("):
            out.append(part[6:-1].strip("'\""))
    return StepResult(
        exit_code=code, result="\n".join(out), message="" if code == 0 else f"Error (exit code {code})"
    )


def run_workflow_text(
    text: str,
    settings: Settings,
    *,
    script: Callable[[PodSpec], Any] = shell_script,
    templates: list[str] | None = None,
    **options: Any,
) -> dict[str, Any]:
    docs = [d for d in yaml.safe_load_all(text) if d]
    registry = TemplateRegistry()
    for doc in docs[1:] + [yaml.safe_load(t) for t in templates or []]:
        registry.add(doc)
    executor = FakeExecutor(script)

    async def go() -> dict[str, Any]:
        runner = WorkflowRunner(
            docs[0], RunOptions(settings=settings, executor=executor, registry=registry, **options)
        )
        return await runner.run()

    return asyncio.run(go())


def nodes_by_name(wf: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["name"]: n for n in wf["status"]["nodes"].values()}
