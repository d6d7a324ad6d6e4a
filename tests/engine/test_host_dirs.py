"""The engine creates a step's host folders only for an executor that runs a process there (issue 18: a
10,000-node DAG on the fake executor made 30,000 folders it never used — the progress file's, per pod)."""

from __future__ import annotations

from engine_helpers import run_workflow_text

from argento.config import Settings

WF = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: dirs}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: a, template: noop}
      - {name: b, template: noop, depends: a}
  - name: noop
    container: {image: alpine, command: ["true"]}
"""


def test_fake_steps_leave_no_folders(settings: Settings) -> None:
    wf = run_workflow_text(WF, settings)
    assert wf["status"]["phase"] == "Succeeded"
    made = [p for p in settings.runs_dir.rglob("*") if p.is_dir()] if settings.runs_dir.exists() else []
    assert made == []
