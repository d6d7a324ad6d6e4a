"""What ``argo submit``'s options do to the Workflow (``workflow/util/util.go:ApplySubmitOpts``,
``overrideParameters``, ``ReadParametersFile``; ``cmd/argo/commands/submit.go``), checked through
``argento run`` (a real subprocess) and the client's ``apply_submit_options`` used by ``argento submit``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conformance.argo_facts._util import wf

from argento.client.workflows import SubmitOptions, apply_submit_options
from argento.errors import SpecError
from argento.spec.submit import override_parameters, parameters_file_items

CAT = "cli-submit"
UTIL = "workflow/util/util.go"
ARGENTO = str(Path(sys.executable).with_name("argento"))

WORKFLOW = wf(
    """
    entrypoint: main
    arguments:
      parameters:
      - {name: message, value: old, description: the message, enum: [old, new]}
      - {name: other, value: keep}
    templates:
    - name: main
      script: {image: alpine, command: [sh], source: 'echo "{{workflow.parameters.message}}"'}
    """
)


def cli_run(tmp_path: Path, text: str, *args: str) -> tuple[int, dict, str]:
    path = tmp_path / "wf.yaml"
    path.write_text(text)
    env = {**os.environ, "ARGENTO_HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        [ARGENTO, "run", str(path), "-o", "json", *args], capture_output=True, text=True, env=env, timeout=120
    )
    body = json.loads(proc.stdout) if proc.stdout.strip().startswith("{") else {}
    return proc.returncode, body, proc.stderr


def params_of(workflow: dict) -> list[dict]:
    return workflow["spec"]["arguments"]["parameters"]


@pytest.mark.fact(CAT, f"{UTIL}:overrideParameters (argo submit -p), issue 15 item 4")
def test_run_p_is_reflected_in_spec_arguments(tmp_path) -> None:
    code, body, err = cli_run(tmp_path, WORKFLOW, "-p", "message=new")
    assert code == 0, err
    assert params_of(body)[0] == {"name": "message", "value": "new"}
    assert body["status"]["nodes"][body["metadata"]["name"]]["outputs"]["result"] == "new"


@pytest.mark.fact(CAT, f"{UTIL}:overrideParameters (passed parameters first, the rest after)")
def test_passed_parameters_come_first() -> None:
    workflow = {
        "spec": {"arguments": {"parameters": [{"name": "a", "value": "1"}, {"name": "b", "value": "2"}]}}
    }
    override_parameters(workflow, ["b=3"])
    assert params_of(workflow) == [{"name": "b", "value": "3"}, {"name": "a", "value": "1"}]


@pytest.mark.fact(CAT, f"{UTIL}:overrideParameters (a new name is added)")
def test_unknown_parameter_is_added() -> None:
    workflow: dict = {"spec": {}}
    override_parameters(workflow, ["x=1"])
    assert params_of(workflow) == [{"name": "x", "value": "1"}]


@pytest.mark.fact(CAT, f"{UTIL}:overrideParameters (the value may contain '=')")
def test_value_keeps_equals_signs() -> None:
    workflow: dict = {"spec": {}}
    override_parameters(workflow, ["expr=a=b=c"])
    assert params_of(workflow) == [{"name": "expr", "value": "a=b=c"}]


@pytest.mark.fact(
    CAT, f"{UTIL}:overrideParameters (replaced wholesale: valueFrom, enum, description dropped)"
)
def test_passed_parameter_replaces_the_argument() -> None:
    workflow = {
        "spec": {
            "arguments": {
                "parameters": [
                    {"name": "m", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}, "enum": ["x"]}
                ]
            }
        }
    }
    override_parameters(workflow, ["m=y"])
    assert params_of(workflow) == [{"name": "m", "value": "y"}]


@pytest.mark.fact(CAT, f"{UTIL}:overrideParameters (error wording)")
def test_parameter_without_equals_is_refused() -> None:
    with pytest.raises(SpecError, match=r"^expected parameter of the form: NAME=VALUE. Received: oops$"):
        override_parameters({"spec": {}}, ["oops"])


@pytest.mark.fact(CAT, f"{UTIL}:ReadParametersFile (strings as written, other values as JSON)")
def test_parameter_file_values(tmp_path) -> None:
    path = tmp_path / "params.yaml"
    path.write_text("message: hello world\ncount: 3\nflag: true\nlist: [1, 2]\nobj: {a: b}\n")
    assert parameters_file_items(path) == [
        "message=hello world",
        "count=3",
        "flag=true",
        "list=[1,2]",
        'obj={"a":"b"}',
    ]


@pytest.mark.fact(CAT, f"{UTIL}:PopulateSubmitOpts (-f/--parameter-file on argento run)")
def test_run_parameter_file(tmp_path) -> None:
    (tmp_path / "p.yaml").write_text("message: new\n")
    code, body, err = cli_run(tmp_path, WORKFLOW, "--parameter-file", str(tmp_path / "p.yaml"))
    assert code == 0, err
    assert params_of(body)[0] == {"name": "message", "value": "new"}


@pytest.mark.fact(CAT, f"{UTIL}:ApplySubmitOpts (argento run -p of an undeclared parameter)")
def test_run_p_adds_a_parameter(tmp_path) -> None:
    code, body, err = cli_run(tmp_path, WORKFLOW, "-p", "extra=1")
    assert code == 0, err
    assert [p["name"] for p in params_of(body)] == ["extra", "message", "other"]


@pytest.mark.fact(CAT, "cmd/argo/commands/submit.go (a malformed -p is a usage error, nothing runs)")
def test_run_malformed_p(tmp_path) -> None:
    code, body, err = cli_run(tmp_path, WORKFLOW, "-p", "oops")
    assert code != 0 and body == {}
    assert "expected parameter of the form: NAME=VALUE. Received: oops" in err
    assert "Traceback" not in err


@pytest.mark.fact(CAT, f"{UTIL}:ApplySubmitOpts (entrypoint, serviceAccount, labels, annotations, names)")
def test_apply_submit_options_fields() -> None:
    opts = SubmitOptions(
        name="n1",
        generate_name="g-",
        entrypoint="other",
        parameters={"message": "new"},
        labels={"team": "a"},
        annotations={"note": "x"},
        service_account="sa",
        priority=5,
    )
    out = apply_submit_options({"metadata": {"labels": {"keep": "1"}}, "spec": {"entrypoint": "main"}}, opts)
    assert out["metadata"] == {
        "labels": {"keep": "1", "team": "a"},
        "annotations": {"note": "x"},
        "name": "n1",
        "generateName": "g-",
    }
    assert out["spec"]["entrypoint"] == "other"
    assert out["spec"]["serviceAccountName"] == "sa"
    assert out["spec"]["priority"] == 5
    assert params_of(out) == [{"name": "message", "value": "new"}]


@pytest.mark.fact(CAT, f"{UTIL}:overrideParameters (enum no longer applies to a -p value, as Argo)")
def test_run_p_outside_enum_replaces_enum(tmp_path) -> None:
    code, body, err = cli_run(tmp_path, WORKFLOW, "-p", "message=other")
    assert code == 0, err
    assert params_of(body)[0] == {"name": "message", "value": "other"}


@pytest.mark.fact(
    CAT, "workflow/util/util.go:ApplySubmitOpts + workflow/validate (a -p value fills a required argument)"
)
def test_run_p_supplies_a_required_argument(tmp_path) -> None:
    text = wf(
        """
        entrypoint: main
        arguments:
          parameters:
          - name: required
        templates:
        - name: main
          script: {image: alpine, command: [sh], source: 'echo "{{workflow.parameters.required}}"'}
        """
    )
    code, body, err = cli_run(tmp_path, text, "-p", "required=given")
    assert code == 0, err
    assert body["status"]["nodes"][body["metadata"]["name"]]["outputs"]["result"] == "given"
