"""A conformance subset on the ``ray`` executor: the same outcomes as ``local`` and as Argo expects.

Each selected corpus workflow runs twice in the same event loop, on ``local`` and on ``ray`` (the session's
cluster), with the corpus runner's settings (sleeps and durations scaled). Every node must end the same way:
type, phase, message, ``outputs.result``, output parameter values and exit code (hostNodeName and times
aside); the workflow phase must also be the one Argo's CI expects (``corpus._check``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from argo_corpus import requires_corpus
from corpus import CORPUS, TIME_SCALE, _check, _template_files, cases, skip_reason, uses_randomness
from ray_support import TestCluster

SELECTED = [
    "examples/hello-world.yaml",
    "examples/steps.yaml",
    "examples/dag-diamond.yaml",
    "examples/dag-diamond-steps.yaml",
    "examples/dag-enhanced-depends.yaml",
    "examples/loops.yaml",
    "examples/output-parameter.yaml",
    "examples/parameter-aggregation.yaml",
    "examples/global-outputs.yaml",
    "examples/artifact-passing.yaml",
    "examples/input-artifact-raw.yaml",
    "examples/exit-code-output-variable.yaml",
    "examples/continue-on-fail.yaml",
    "examples/timeouts-step.yaml",
    "examples/pod-resources.yaml",
    "examples/dag-continue-on-fail.yaml",
    "examples/exit-handlers.yaml",
]

pytestmark = requires_corpus


async def _run(path: str, executor_name: str, home: Path) -> dict[str, Any]:
    """The corpus runner's `run_case` setup, with the executor chosen; returns the final workflow."""
    from argento.artifacts import build_driver
    from argento.config import Settings
    from argento.engine import RunOptions, WorkflowRunner
    from argento.engine.inputs import load_run_inputs

    inputs = load_run_inputs(CORPUS / path, [str(p) for p in _template_files()], strict_templates=False)
    settings = Settings.from_env({"ARGENTO_HOME": str(home), "ARGENTO_SLEEP_SCALE": str(TIME_SCALE)})
    options = RunOptions(settings=settings, registry=inputs.registry, configmaps=inputs.configmaps,
                         time_scale=TIME_SCALE, executor_name=executor_name)
    configmaps = {"artifact-repositories": {"my-key": "archiveLogs: true\n"}, **inputs.configmaps}
    options.artifacts = build_driver(settings, configmaps=configmaps)
    options.secrets = options.artifacts.secrets
    runner = WorkflowRunner(inputs.workflow, options)
    try:
        return await asyncio.wait_for(runner.run(), 60)
    finally:
        await runner.executor.close()


def _outcome(wf: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    """Each node's end, keyed by its name with the (generated) workflow name replaced."""
    name = wf["metadata"]["name"]
    out = {}
    for node in (wf["status"].get("nodes") or {}).values():
        outputs = node.get("outputs") or {}
        params = tuple((p["name"], p.get("value")) for p in outputs.get("parameters") or [])
        out[node["name"].replace(name, "WF")] = (
            node.get("type"), node.get("phase"), (node.get("message") or "").replace(name, "WF"),
            outputs.get("result"), params, outputs.get("exitCode"),
        )
    return out


def test_selected_corpus_examples_match_local(ray_cluster: TestCluster, tmp_path: Path) -> None:
    by_path = {c.path: c for c in cases()}
    selected = [by_path[p] for p in SELECTED if p in by_path]

    async def both(i: int, path: str) -> tuple[dict[str, Any], dict[str, Any]]:
        local = await _run(path, "local", tmp_path / f"local-{i}")
        ray = await _run(path, "ray", tmp_path / f"ray-{i}")
        return local, ray

    async def main() -> list[tuple[dict[str, Any], dict[str, Any]]]:
        sem = asyncio.Semaphore(4)

        async def one(i: int, path: str) -> tuple[dict[str, Any], dict[str, Any]]:
            async with sem:
                return await both(i, path)

        return list(await asyncio.gather(*(one(i, c.path) for i, c in enumerate(selected))))

    from argento.engine.inputs import load_run_inputs

    for case in selected:  # the selection must stay runnable here and deterministic
        raw = load_run_inputs(CORPUS / case.path, [str(p) for p in _template_files()], strict_templates=False)
        assert not skip_reason(case, raw.workflow, raw.configmaps), case.path
        assert not uses_randomness(raw.workflow), case.path
    results = asyncio.run(main())
    problems = []
    for case, (local, ray) in zip(selected, results, strict=True):
        if _outcome(local) != _outcome(ray):
            diff = {k: (v, _outcome(ray).get(k)) for k, v in _outcome(local).items() if _outcome(ray).get(k) != v}
            problems.append(f"{case.path}: local != ray: {diff}")
        why = _check(case, ray["status"]["phase"], ray["status"].get("nodes") or {})
        if why:
            problems.append(f"{case.path}: {why}")
    assert len(selected) >= 12
    assert not problems, "\n".join(problems)
