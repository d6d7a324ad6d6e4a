"""Argo's controller fixtures that hold a full ``status.nodes`` tree written by Argo: our tree must match.

Each Pod node is scripted to end as it did in Argo (its exit code read from the recorded phase), so random
examples replay deterministically. Fixtures are snapshots, some taken mid-run: every node they hold must exist
with the same ID, name, displayName, type, templateName and boundaryID; recorded children must be ours; and a
node Argo had already finished must have finished the same way.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import yaml
from argo_corpus import CORPUS, REASON

from argento.config import Settings
from argento.engine import RunOptions, WorkflowRunner
from argento.executors.base import PodSpec, StepResult
from argento.executors.fake import FakeExecutor

FIXTURES = sorted(
    line.split("\t")[0]
    for line in (CORPUS / "INDEX.tsv").read_text().splitlines()[1:]
    if line.endswith("\tstatus-in-file")
) if (CORPUS / "INDEX.tsv").exists() else []

pytestmark = pytest.mark.skipif(not FIXTURES, reason=REASON)

FULFILLED = {"Succeeded", "Failed", "Error", "Skipped", "Omitted"}


def _replay(recorded: dict[str, Any]):
    def script(pod: PodSpec) -> StepResult:
        node = recorded.get(pod.node_id) or {}
        if node.get("phase") in ("Failed", "Error"):
            return StepResult(exit_code=1, message=node.get("message") or "Error (exit code 1)")
        return StepResult(exit_code=0)

    return script


@pytest.mark.parametrize("path", FIXTURES)
def test_tree_matches_argo(path: str, settings: Settings) -> None:
    raw = yaml.safe_load((CORPUS / path).read_text())
    recorded: dict[str, Any] = raw["status"]["nodes"]
    wf = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": raw["metadata"]["name"]}, "spec": raw["spec"]}

    async def go() -> dict[str, Any]:
        runner = WorkflowRunner(wf, RunOptions(settings=settings, executor=FakeExecutor(_replay(recorded))))
        return await runner.run()

    ours = asyncio.run(go())["status"]["nodes"]
    for nid, want in recorded.items():
        assert nid in ours, f"missing node {want['name']} ({nid})"
        got = ours[nid]
        for key in ("name", "displayName", "type", "templateName", "boundaryID"):
            if key == "templateName" and want["type"] == "Retry" and "templateName" not in want:
                continue  # fixtures from Argo v2 predate templateName on Retry nodes (v3 sets it)
            assert got.get(key) == want.get(key), f"{want['name']}: {key} {got.get(key)!r} != Argo's {want.get(key)!r}"
        assert set(want.get("children") or []) <= set(got.get("children") or []), f"{want['name']}: children"
        if want.get("phase") in FULFILLED:
            assert got["phase"] == want["phase"], f"{want['name']}: phase {got['phase']} != Argo's {want['phase']}"
        if want.get("outboundNodes") and want.get("phase") in FULFILLED:
            assert got.get("outboundNodes") == want["outboundNodes"], f"{want['name']}: outboundNodes"
