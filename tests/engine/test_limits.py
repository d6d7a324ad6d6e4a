"""Parameter values and expression results are capped (issue 14 item 4): `{{=sprig.repeat(100000000,"a")}}`
in a 30-byte parameter made 100 MB per node. Now the node fails with a message naming the parameter, and the
string is never built (the functions that build strings check the budget before allocating)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import nodes_by_name, run_workflow_text

from argento.config import Settings
from argento.errors import SpecError
from argento.executors.base import PodSpec, StepResult

BOMB = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: big}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: expand
        template: echo
        arguments: {parameters: [{name: text, value: '{{=sprig.repeat(100000000,"a")}}'}]}
  - name: echo
    inputs: {parameters: [{name: text}]}
    container: {image: alpine, command: [echo, "{{inputs.parameters.text}}"]}
"""


def test_an_expanding_expression_fails_its_node_naming_it(run_wf: Callable[..., dict[str, Any]]) -> None:
    wf = run_wf(BOMB)
    assert wf["status"]["phase"] in ("Failed", "Error")
    node = nodes_by_name(wf)["big"]  # the steps template, whose step arguments hold the expression
    assert node["phase"] == "Error"
    assert node["message"].startswith("steps[0][0].arguments.parameters[0].value: expression")
    assert 'sprig.repeat(100000000,"a")' in node["message"]
    assert "ARGENTO_MAX_PARAMETER_BYTES" in node["message"] and "262144" in node["message"]
    assert len(str(wf)) < 100_000  # nothing of the 100 MB reached the status


def test_the_limit_is_a_setting_and_names_the_input(settings: Settings) -> None:
    small = dataclasses.replace(settings, max_parameter_bytes=1000)
    text = BOMB.replace('{{=sprig.repeat(100000000,"a")}}', "{{workflow.parameters.blob}}").replace(
        "  entrypoint: main", "  entrypoint: main\n  arguments: {parameters: [{name: blob, value: x}]}"
    )
    ok = run_workflow_text(text, small, parameters={"blob": "x" * 1000})
    assert ok["status"]["phase"] == "Succeeded"
    with pytest.raises(SpecError, match=r"spec.arguments.parameters.blob is 1001 bytes, more than the 1000"):
        run_workflow_text(text, small, parameters={"blob": "x" * 1001})
    # A value built from smaller ones: the node's input is named.
    doubled = text.replace(
        "{{workflow.parameters.blob}}", "{{workflow.parameters.blob}}{{workflow.parameters.blob}}"
    )
    wf = run_workflow_text(doubled, small, parameters={"blob": "x" * 600})
    node = nodes_by_name(wf)["big[0].expand"]
    assert node["phase"] == "Error" and "inputs.parameters.text is 1200 bytes" in node["message"]


OUTPUT = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: out}
spec:
  entrypoint: main
  templates:
  - name: main
    outputs: {parameters: [{name: big, valueFrom: {path: /tmp/big.txt}}]}
    container: {image: alpine, command: [sh, -c, "write"]}
"""


def test_an_output_parameter_file_is_never_read_whole(settings: Settings, tmp_path: Path) -> None:
    small = dataclasses.replace(settings, max_parameter_bytes=1000)

    def write(size: int) -> Callable[[PodSpec], StepResult]:
        def script(pod: PodSpec) -> StepResult:
            target = Path(pod.workdir) / "fs" / "tmp" / "big.txt"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("y" * size)
            return StepResult(exit_code=0)

        return script

    ok = run_workflow_text(OUTPUT, small, script=write(1000))
    assert ok["status"]["nodes"]["out"]["outputs"]["parameters"][0]["value"] == "y" * 1000
    wf = run_workflow_text(OUTPUT, small, script=write(5000))
    node = wf["status"]["nodes"]["out"]
    assert node["phase"] == "Error"
    assert node["message"] == "output parameter 'big' is larger than 1000 bytes (ARGENTO_MAX_PARAMETER_BYTES)"
