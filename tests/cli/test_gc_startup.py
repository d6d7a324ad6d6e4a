"""The CLI's garbage collector: off while a command loads its modules, on while the command works.

`argento.cli.main.main` disables collection at start-up (the modules' objects live as long as the process) and
`collect_from_now` turns it back on — for ``run`` right before the engine starts, for every other command once
it is resolved — so a long workflow, a server or a ``--watch`` loop collects its garbage as usual.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

from argento.cli.main import collect_from_now

WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: gc-probe}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: alpine, command: [sh, -c, "true"]}
"""

#: records whether the collector runs while the engine runs the workflow, and at the command's start
PROBE = """
import gc, json, sys
import argento.cli.main as cli_main
seen = {}
original = cli_main.LazyGroup.invoke

def invoke(self, ctx):
    seen.setdefault("loading", gc.isenabled())
    return original(self, ctx)

cli_main.LazyGroup.invoke = invoke
from argento.engine.controller import WorkflowRunner
run = WorkflowRunner.run

async def recorded(self):
    seen["engine"] = gc.isenabled()
    return await run(self)

WorkflowRunner.run = recorded
sys.argv = ["argento", *json.loads(sys.argv[1])]
code = 0
try:
    cli_main.main()
except SystemExit as exc:
    code = exc.code
seen["code"] = code
sys.__stdout__.write("\\nSEEN " + json.dumps(seen) + "\\n")
"""


def _probe(args: list[str], home: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARGENTO_", "MLFLOW_"))}
    env["ARGENTO_HOME"] = str(home)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)], env=env, capture_output=True, text=True, timeout=120
    )
    _, _, line = proc.stdout.rpartition("\nSEEN ")
    assert line, proc.stderr
    return json.loads(line)


def test_a_run_loads_without_collecting_and_runs_the_workflow_with_the_collector_on(tmp_path: Path) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text(WORKFLOW)
    seen = _probe(["run", "-o", "name", str(path)], tmp_path / "home")
    assert seen == {"loading": False, "engine": True, "code": 0}


def test_collect_from_now_turns_collection_back_on_once() -> None:
    gc.disable()
    try:
        collect_from_now()
        assert gc.isenabled()
        collect_from_now()  # idempotent: nothing left to freeze, still on
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()
