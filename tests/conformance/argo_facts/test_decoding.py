"""Decoding as Argo decodes: YAML through ``sigs.k8s.io/yaml`` (YAML → JSON) into Go structs.

- Go's ``encoding/json`` (the controller's decoder) matches a key to a field exactly, else case-insensitively.
- Scalars follow each field's Go type (``pkg/apis/workflow/v1alpha1``): ``AnyString`` (parameter ``value``,
  ``default``, ``enum``) takes strings, numbers and booleans; ``intstr.IntOrString`` (``retryStrategy.limit``,
  template ``activeDeadlineSeconds``, ``withSequence.count``) takes either; a ``string`` field refuses a number
  and an ``int64``/``bool`` field refuses a string ("json: cannot unmarshal …").
- YAML 1.1 scalars as go-yaml reads them: no timestamps (``2024-01-15`` stays a string), ``0755`` is octal.
"""

from __future__ import annotations

import pytest
from tests.conformance.argo_facts._util import errors, warnings, wf

CAT = "decoding"
ANYSTRING = "pkg/apis/workflow/v1alpha1/anystring.go:AnyString.UnmarshalJSON"
INTSTR = "k8s.io/apimachinery/pkg/util/intstr:IntOrString (retryStrategy.limit, activeDeadlineSeconds)"
GOJSON = "encoding/json:Unmarshal (controller decoding of the Workflow)"


def echo_global(value: str) -> str:
    return wf(f"""
        entrypoint: main
        arguments:
          parameters:
          - name: v
            value: {value}
        templates:
        - name: main
          script: {{image: alpine, command: [sh], source: 'echo "{{{{workflow.parameters.v}}}}"'}}
        """)


@pytest.mark.fact(CAT, f"{GOJSON} (case-insensitive field names: valueFrom.Parameter), issue 15 item 6")
def test_case_insensitive_value_from(argo) -> None:
    text = wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: a, template: produce}
          outputs:
            parameters:
            - name: out
              valueFrom: {Parameter: "{{steps.a.outputs.parameters.p}}"}
        - name: produce
          container: {image: alpine, command: [sh, -c, "echo -n v > /tmp/p"]}
          outputs:
            parameters:
            - name: p
              valueFrom: {path: /tmp/p}
        """)
    assert errors(argo, text) == []
    assert any('field "Parameter"' in w for w in warnings(argo, text))
    run = argo.run(text)
    assert run.phase == "Succeeded", run.message
    assert run.node("facts")["outputs"]["parameters"][0]["value"] == "v"


@pytest.mark.fact(CAT, f"{GOJSON} (case-insensitive: a template type and spec fields)")
def test_case_insensitive_template_fields(argo) -> None:
    text = wf("""
        Entrypoint: main
        templates:
        - Name: main
          Script: {image: alpine, command: [sh], Source: echo folded}
        """)
    run = argo.run(text)
    assert run.phase == "Succeeded", run.message
    assert run.node("facts")["outputs"]["result"] == "folded"


@pytest.mark.fact(CAT, f"{GOJSON} (an exact match is kept; an unknown field is still unknown)")
def test_unknown_field_is_an_error(argo) -> None:
    text = wf("""
        entrypoint: main
        templates:
        - name: main
          container: {image: alpine}
          notAField: 1
        """)
    assert any('unknown field "notAField"' in e for e in errors(argo, text))


@pytest.mark.fact(CAT, f"{ANYSTRING} (an integer value)")
def test_any_string_int(argo) -> None:
    run = argo.run(echo_global("1"))
    assert run.node("facts")["outputs"]["result"] == "1"


@pytest.mark.fact(CAT, f"{ANYSTRING} (a boolean value is 'true')")
def test_any_string_bool(argo) -> None:
    run = argo.run(echo_global("true"))
    assert run.node("facts")["outputs"]["result"] == "true"


@pytest.mark.fact(CAT, f"{ANYSTRING} (a float value)")
def test_any_string_float(argo) -> None:
    run = argo.run(echo_global("1.5"))
    assert run.node("facts")["outputs"]["result"] == "1.5"


@pytest.mark.fact(CAT, "sigs.k8s.io/yaml:YAMLToJSON (1.0 is the JSON number 1)")
def test_any_string_whole_float(argo) -> None:
    run = argo.run(echo_global("1.0"))
    assert run.node("facts")["outputs"]["result"] == "1"


@pytest.mark.fact(CAT, "sigs.k8s.io/yaml (no YAML timestamps: a date stays a string)")
def test_date_stays_string(argo) -> None:
    run = argo.run(echo_global("2024-01-15"))
    assert run.node("facts")["outputs"]["result"] == "2024-01-15"


@pytest.mark.fact(CAT, "go-yaml v2 (YAML 1.1: 0755 is octal)")
def test_octal(argo) -> None:
    run = argo.run(echo_global("0755"))
    assert run.node("facts")["outputs"]["result"] == "493"


@pytest.mark.fact(CAT, f"{ANYSTRING} (numbers and booleans in enum)")
def test_enum_of_numbers(argo) -> None:
    text = wf("""
        entrypoint: main
        arguments:
          parameters:
          - {name: n, value: 2, enum: [1, 2, true]}
        templates:
        - name: main
          container: {image: alpine, command: [echo, "{{workflow.parameters.n}}"]}
        """)
    assert errors(argo, text) == []


@pytest.mark.fact(CAT, f"{ANYSTRING} (a number as a step argument value)")
def test_step_argument_number(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: s
              template: echo
              arguments:
                parameters: [{name: n, value: 42}]
        - name: echo
          inputs:
            parameters: [{name: n}]
          script: {image: alpine, command: [sh], source: 'echo "{{inputs.parameters.n}}"'}
        """)
    )
    assert run.node("s")["outputs"]["result"] == "42"


@pytest.mark.fact(CAT, f"{INTSTR} (retryStrategy.limit as a string)")
def test_retry_limit_string(argo) -> None:
    text = wf("""
        entrypoint: main
        templates:
        - name: main
          retryStrategy: {limit: "2"}
          container: {image: alpine, command: [echo, hi]}
        """)
    assert errors(argo, text) == []
    assert argo.run(text).phase == "Succeeded"


@pytest.mark.fact(CAT, f"{INTSTR} (template activeDeadlineSeconds as a string)")
def test_active_deadline_string(argo) -> None:
    text = wf("""
        entrypoint: main
        templates:
        - name: main
          activeDeadlineSeconds: "30"
          container: {image: alpine, command: [echo, hi]}
        """)
    assert errors(argo, text) == []


@pytest.mark.fact(CAT, f"{INTSTR} (withSequence.count as a number or a string)")
def test_sequence_count_number(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: s
              template: echo
              arguments:
                parameters: [{name: n, value: "{{item}}"}]
              withSequence: {count: 2}
        - name: echo
          inputs:
            parameters: [{name: n}]
          container: {image: alpine, command: [echo, "{{inputs.parameters.n}}"]}
        """)
    )
    assert run.phase == "Succeeded"
    assert len(run.by_display("s(0:0)") + run.by_display("s(1:1)")) == 2


@pytest.mark.fact(CAT, "k8s.io/api/core/v1:Container.Args ([]string refuses a number)")
def test_number_in_args_rejected(argo) -> None:
    text = wf("""
        entrypoint: main
        templates:
        - name: main
          container: {image: alpine, command: [echo], args: [1]}
        """)
    found = errors(argo, text)
    assert any("args" in e and "string" in e for e in found), found


@pytest.mark.fact(CAT, "k8s.io/api/core/v1:EnvVar.Value (a string field refuses a number)")
def test_number_env_value_rejected(argo) -> None:
    text = wf("""
        entrypoint: main
        templates:
        - name: main
          container:
            image: alpine
            env: [{name: X, value: 1}]
        """)
    found = errors(argo, text)
    assert any("value" in e and "string" in e for e in found), found


@pytest.mark.fact(CAT, "pkg/apis/workflow/v1alpha1:Template.Daemon (*bool refuses a string)")
def test_string_daemon_rejected(argo) -> None:
    text = wf("""
        entrypoint: main
        templates:
        - name: main
          daemon: "true"
          container: {image: alpine}
        """)
    found = errors(argo, text)
    assert any("daemon" in e and "bool" in e for e in found), found


@pytest.mark.fact(CAT, "pkg/apis/workflow/v1alpha1:Template.Timeout (string refuses a number)")
def test_number_timeout_rejected(argo) -> None:
    text = wf("""
        entrypoint: main
        templates:
        - name: main
          timeout: 10
          container: {image: alpine}
        """)
    found = errors(argo, text)
    assert any("timeout" in e and "string" in e for e in found), found


@pytest.mark.fact(CAT, "pkg/apis/workflow/v1alpha1:WorkflowSpec.Parallelism (*int64 refuses a string)")
def test_string_workflow_parallelism_rejected(argo) -> None:
    text = wf("""
        entrypoint: main
        parallelism: "2"
        templates:
        - name: main
          container: {image: alpine}
        """)
    found = errors(argo, text)
    assert any("parallelism" in e for e in found), found


@pytest.mark.fact(CAT, "pkg/apis/workflow/v1alpha1:Template.Parallelism (*int64 refuses a string)")
def test_string_template_parallelism_rejected(argo) -> None:
    text = wf("""
        entrypoint: main
        templates:
        - name: main
          parallelism: "2"
          steps:
          - - {name: a, template: leaf}
        - name: leaf
          container: {image: alpine}
        """)
    found = errors(argo, text)
    assert any("parallelism" in e for e in found), found


@pytest.mark.fact(
    CAT, "pkg/apis/workflow/v1alpha1:WorkflowSpec.ActiveDeadlineSeconds (*int64 refuses a string)"
)
def test_string_workflow_deadline_rejected(argo) -> None:
    text = wf("""
        entrypoint: main
        activeDeadlineSeconds: "30"
        templates:
        - name: main
          container: {image: alpine}
        """)
    found = errors(argo, text)
    assert any("activeDeadlineSeconds" in e for e in found), found


@pytest.mark.fact(CAT, "pkg/apis/workflow/v1alpha1:Item (withItems takes any JSON value)")
def test_with_items_any_json(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: s
              template: echo
              arguments:
                parameters: [{name: v, value: "{{item}}"}]
              withItems: [1, true, text, {a: b}]
        - name: echo
          inputs:
            parameters: [{name: v}]
          script: {image: alpine, command: [sh], source: "echo '{{inputs.parameters.v}}'"}
        """)
    )
    assert run.phase == "Succeeded"
    results = sorted(
        n["outputs"]["result"] for n in run.nodes.values() if n.get("displayName", "").startswith("s(")
    )
    assert results == sorted(['{"a":"b"}', "1", "text", "true"])


@pytest.mark.fact(CAT, "sigs.k8s.io/yaml (a JSON manifest is read like YAML)")
def test_json_manifest(argo) -> None:
    text = (
        '{"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "facts"},'
        ' "spec": {"entrypoint": "main", "templates": [{"name": "main",'
        ' "script": {"image": "alpine", "command": ["sh"], "source": "echo json"}}]}}'
    )
    run = argo.run(text)
    assert run.phase == "Succeeded"
    assert run.node("facts")["outputs"]["result"] == "json"


@pytest.mark.fact(CAT, "sigs.k8s.io/yaml:YAMLToJSON (non-strict: a duplicate key's last value wins)")
def test_duplicate_key_last_wins(argo) -> None:
    text = wf("""
        entrypoint: main
        templates:
        - name: main
          script: {image: alpine, command: [sh], source: echo first, source: echo last}
        """)
    run = argo.run(text, lint=False)
    assert run.node("facts")["outputs"]["result"] == "last"


@pytest.mark.fact(CAT, "pkg/apis/workflow/v1alpha1:Artifact.Mode (*int32; 0755 is octal)")
def test_artifact_mode_octal(argo) -> None:
    text = wf("""
        entrypoint: main
        templates:
        - name: main
          inputs:
            artifacts:
            - {name: a, path: /tmp/a, mode: 0755, raw: {data: x}}
          container: {image: alpine, command: [echo, hi]}
        """)
    assert errors(argo, text) == []
