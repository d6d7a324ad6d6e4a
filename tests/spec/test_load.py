"""Loading manifests: positions, multi-document YAML, JSON, errors with paths and locations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from argento.errors import SpecError, SpecErrors
from argento.spec import (
    SourceMap,
    Workflow,
    WorkflowTemplate,
    dump,
    format_path,
    load_documents,
    load_file,
    load_paths,
    materialize_name,
    parse_path,
    parse_resource,
    scan_documents,
)
from argento.spec.models import ObjectMeta

DAG = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: dag-
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - name: a
        template: echo
      - name: b
        depends: a
        template: echo
  - name: echo
    container:
      image: alpine
      command: [echo, hi]
"""


def test_positions_of_field_paths() -> None:
    (doc,) = load_documents(DAG, filename="wf.yaml")
    assert doc.locate("spec.templates[0].dag.tasks[1].depends") == "wf.yaml:14:9"
    assert doc.locate("spec.templates[1]") == "wf.yaml:16:5"
    assert doc.locate("spec.entrypoint") == "wf.yaml:6:3"
    # a field that is not written points at its nearest written ancestor
    assert doc.locate("spec.templates[1].container.workingDir") == "wf.yaml:17:5"
    assert doc.locate(("spec", "templates", 1, "container", "command", 1)) == "wf.yaml:19:23"


def test_document_carries_typed_model_and_raw_dict() -> None:
    (doc,) = load_documents(DAG)
    assert isinstance(doc.resource, Workflow)
    assert doc.kind == "Workflow" and doc.filename == "<string>"
    main = doc.resource.spec.template("main")
    assert main is not None and main.dag is not None
    assert [t.depends for t in main.dag.tasks] == [None, "a"]
    assert dump(doc.resource) == doc.raw


def test_multi_document_yaml_skips_empty_and_foreign_documents() -> None:
    text = (
        DAG
        + "---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"
        + (
            "apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata: {name: t}\nspec: {templates: []}\n"
        )
    )
    docs = load_documents(text)
    assert [d.kind for d in docs] == ["Workflow", "WorkflowTemplate"]
    assert isinstance(docs[1].resource, WorkflowTemplate)
    scan = scan_documents(text)
    assert [(s.kind, s.reason) for s in scan.skipped] == [("ConfigMap", "not an Argo resource")]
    assert docs[1].index == 3


def test_json_documents() -> None:
    raw = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "j"}, "spec": {}}
    (doc,) = load_documents(json.dumps(raw, indent=2), filename="wf.json")
    assert doc.resource.name == "j"
    assert doc.locate("metadata.name") == "wf.json:5:5"
    # tabs are valid JSON but not valid YAML: still loads (without positions)
    (doc,) = load_documents(json.dumps(raw).replace(" ", "\t"), filename="t.json")
    assert doc.resource.name == "j"


def test_timestamps_stay_strings() -> None:
    text = "kind: Workflow\nmetadata: {creationTimestamp: 2020-01-01T00:00:00Z}\nstatus: {startedAt: 2020-01-01}\n"
    (doc,) = load_documents(text)
    assert doc.raw["metadata"]["creationTimestamp"] == "2020-01-01T00:00:00Z"
    assert doc.resource.status is not None and doc.resource.status.started_at == "2020-01-01"


def test_malformed_yaml_reports_line_and_column() -> None:
    text = "kind: Workflow\nspec:\n  entrypoint: a\n   bad: [\n"
    with pytest.raises(SpecError) as info:
        load_documents(text, filename="bad.yaml")
    assert info.value.location.startswith("bad.yaml:4:")
    assert "malformed YAML" in info.value.message


def test_type_errors_name_the_argo_path_and_location() -> None:
    text = DAG.replace("command: [echo, hi]", "command: echo hi").replace(
        "entrypoint: main", "entrypoint: [main]"
    )
    with pytest.raises(SpecErrors) as info:
        load_documents(text, filename="wf.yaml")
    errors = {e.path: e for e in info.value.errors}
    assert set(errors) == {"spec.entrypoint", "spec.templates[1].container.command"}
    cmd = errors["spec.templates[1].container.command"]
    assert cmd.location == "wf.yaml:19:7"
    assert cmd.message == "cannot unmarshal string 'echo hi': expected a list"
    assert (
        str(cmd)
        == "wf.yaml:19:7 spec.templates[1].container.command: cannot unmarshal string 'echo hi': expected a list"
    )


def test_anystring_type_error_message() -> None:
    text = "kind: Workflow\nspec:\n  arguments:\n    parameters:\n    - name: p\n      value: [1]\n"
    with pytest.raises(SpecError) as info:
        load_documents(text)
    assert info.value.path == "spec.arguments.parameters[0].value"
    assert "expected a string, a boolean or a number" in info.value.message


def test_unknown_kind_and_wrong_api_version() -> None:
    with pytest.raises(SpecError, match="unknown kind 'Workflw'"):
        load_documents("apiVersion: argoproj.io/v1alpha1\nkind: Workflw\n")
    with pytest.raises(SpecError, match=r"apiVersion must be argoproj\.io/v1alpha1"):
        load_documents("apiVersion: argoproj.io/v2\nkind: Workflow\n")
    with pytest.raises(SpecError, match="not a Kubernetes object"):
        load_documents('{"foo": 1}')
    (doc,) = load_documents("metadata: {name: x}\nspec: {}\n", default_kind="Workflow")
    assert doc.kind == "Workflow"


def test_template_without_name_is_malformed() -> None:
    text = "apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nspec:\n  templates:\n  - container: {image: a}\n"
    with pytest.raises(SpecError) as info:
        load_documents(text, filename="t.yaml")
    assert info.value.path == "spec.templates[0].name"
    assert info.value.location == "t.yaml:5:5"


def test_several_problems_are_reported_together() -> None:
    text = "kind: Nope\napiVersion: argoproj.io/v1alpha1\n---\nkind: Workflow\nspec: {entrypoint: 1}\n"
    with pytest.raises(SpecErrors) as info:
        load_documents(text)
    assert len(info.value.errors) == 2


def test_load_file_and_paths(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(DAG)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yml").write_text(DAG)
    (tmp_path / "notes.txt").write_text("not yaml: [")
    assert len(load_file(tmp_path / "a.yaml")) == 1
    docs = load_paths([tmp_path])
    assert [Path(d.filename).name for d in docs] == ["a.yaml", "b.yml"]
    with pytest.raises(SpecError, match="cannot read"):
        load_file(tmp_path / "missing.yaml")


def test_parse_resource_and_dump_round_trip() -> None:
    raw = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {"name": "c"},
        "spec": {
            "schedules": ["* * * * *"],
            "workflowSpec": {"entrypoint": "m", "templates": [{"name": "m", "suspend": {}}]},
        },
    }
    assert dump(parse_resource(raw)) == raw
    with pytest.raises(SpecError, match="apiVersion"):
        parse_resource({"kind": "Workflow"})
    with pytest.raises(SpecError) as info:
        parse_resource({**raw, "spec": {"workflowSpec": {"templates": [{}]}}})
    assert info.value.path == "spec.workflowSpec.templates[0].name"


def test_materialize_name() -> None:
    meta = ObjectMeta(generate_name="hello-")
    name = materialize_name(meta)
    assert name.startswith("hello-") and len(name) == 11 and meta.name == name
    assert set(name[6:]) <= set("bcdfghjklmnpqrstvwxz2456789")
    assert materialize_name(meta) == name  # stable once set
    assert materialize_name(ObjectMeta(generate_name="x-"), suffix="abcde") == "x-abcde"
    with pytest.raises(SpecError):
        materialize_name(ObjectMeta())


def test_path_format_round_trip() -> None:
    parts = ("metadata", "labels", "workflows.argoproj.io/test", "x")
    assert format_path(parts) == 'metadata.labels["workflows.argoproj.io/test"].x'
    assert parse_path(format_path(parts)) == parts
    assert parse_path("spec.templates[2].dag.tasks[1].depends") == (
        "spec",
        "templates",
        2,
        "dag",
        "tasks",
        1,
        "depends",
    )
    assert SourceMap("f").locate("a.b") == "f"


_KEY = st.text(alphabet=st.characters(codec="ascii", exclude_characters="\x00"), min_size=1, max_size=12)


@given(st.lists(st.one_of(_KEY, st.integers(min_value=0, max_value=99)), max_size=6))
def test_path_format_parse_property(parts: list[str | int]) -> None:
    assert parse_path(format_path(parts)) == tuple(parts)


_SCALAR = st.one_of(
    st.text(max_size=8), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False)
)


@given(st.lists(_SCALAR, min_size=1, max_size=4))
@example([1e16, -2.5e-7, 0.1, "1e3", "true", "null", "2020-01-01"])
def test_parameter_values_round_trip_through_yaml(values: list[object]) -> None:
    params = [{"name": f"p{i}", "value": v} for i, v in enumerate(values)]
    raw = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "spec": {"arguments": {"parameters": params}},
    }
    (doc,) = load_documents(json.dumps(raw))
    assert dump(doc.resource) == doc.raw == raw
