"""Two Ray nodes: a workflow's fan-out lands on both, placed by resources and node labels.

The head (2 CPUs, label ``pool=head``) runs in the test process; the second node is a ``ray start --address``
process with 1 CPU, the custom resource ``big`` and the label ``pool=big``. Both are on this host but are
separate Ray nodes, so steps on the second node take the cross-node path: their directory is relocated, raw
input artifacts travel in, logs stream back while they run, output files travel back.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from ray_support import TestCluster, node_ids

from argento.config import Settings
from argento.engine import RunOptions, WorkflowRunner

WORKFLOW: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"name": "spread"},
    "spec": {
        "entrypoint": "main",
        "templates": [
            {
                "name": "main",
                "dag": {"tasks": [
                    {"name": "small", "template": "on-head", "withItems": [1, 2, 3],
                     "arguments": {"parameters": [{"name": "i", "value": "{{item}}"}]}},
                    {"name": "large", "template": "on-big", "withItems": [1, 2, 3],
                     "arguments": {"parameters": [{"name": "i", "value": "{{item}}"}]}},
                    {"name": "gather", "template": "gather", "depends": "small && large",
                     "arguments": {"parameters": [
                         {"name": "echoes", "value": "{{tasks.large.outputs.parameters.echo}}"}]}},
                ]},
            },
            {
                "name": "on-head",
                "nodeSelector": {"pool": "head"},
                "inputs": {"parameters": [{"name": "i"}]},
                "container": {"image": "busybox", "command": ["sh", "-c", "echo head {{inputs.parameters.i}}"],
                              "resources": {"requests": {"cpu": "500m"}}},
            },
            {
                "name": "on-big",
                "inputs": {
                    "parameters": [{"name": "i"}],
                    "artifacts": [{"name": "msg", "path": "/tmp/in.txt",
                                   "raw": {"data": "hello {{inputs.parameters.i}}"}}],
                },
                "container": {
                    "image": "busybox",
                    "command": ["sh", "-c",
                                "echo streamed {{inputs.parameters.i}}; cat /tmp/in.txt > /tmp/out.txt; "
                                "mkdir -p /mnt/data && echo part > /mnt/data/p.txt"],
                    "resources": {"requests": {"cpu": "250m", "big": "1"}},
                },
                "outputs": {"parameters": [{"name": "echo", "valueFrom": {"path": "/tmp/out.txt"}}]},
            },
            {
                "name": "gather",
                "inputs": {"parameters": [{"name": "echoes"}]},
                "container": {"image": "busybox", "command": ["echo", "{{inputs.parameters.echoes}}"]},
            },
        ],
    },
}


def test_fan_out_lands_on_both_nodes_by_resources_and_labels(
    ray_cluster: TestCluster, big_node: str, tmp_path: Path
) -> None:
    settings = Settings.from_env({"ARGENTO_HOME": str(tmp_path / "home")})

    async def main() -> dict[str, Any]:
        runner = WorkflowRunner(WORKFLOW, RunOptions(settings=settings, executor_name="ray"))
        try:
            return await asyncio.wait_for(runner.run(), 120)
        finally:
            await runner.executor.close()

    wf = asyncio.run(main())
    status = wf["status"]
    assert status["phase"] == "Succeeded", json.dumps(status, indent=1)[:3000]
    assert set(node_ids(status, "small(")) == {ray_cluster.head}
    assert set(node_ids(status, "large(")) == {big_node}
    gather = next(n for n in status["nodes"].values() if n["displayName"] == "gather")
    assert json.loads(gather["inputs"]["parameters"][0]["value"]) == ["hello 1", "hello 2", "hello 3"]
    # Logs of the steps that ran on the other node were streamed into the engine's run directory.
    logs = sorted(p.read_text() for p in (settings.runs_dir / "spread").glob("*/main.log"))
    assert [line for log in logs for line in log.split() if line.startswith("streamed")] == ["streamed"] * 3
    assert sum("streamed 2" in log for log in logs) == 1
