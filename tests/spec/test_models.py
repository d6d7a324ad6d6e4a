"""The Argo model: names, aliases, Argo's either-types, round-trip and the engine's conveniences."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from argento.spec import models as m
from argento.spec.models import anystr


def test_snake_case_attributes_with_argo_aliases() -> None:
    step = m.WorkflowStep.model_validate(
        {
            "name": "a",
            "template": "t",
            "withItems": [1, "x", {"k": [1]}],
            "continueOn": {"failed": True},
            "onExit": "bye",
            "templateRef": {"name": "wt", "template": "x", "clusterScope": True},
        }
    )
    assert step.with_items == [1, "x", {"k": [1]}]
    assert step.continue_on is not None and step.continue_on.failed is True
    assert step.on_exit == "bye"
    assert step.template_ref is not None and step.template_ref.cluster_scope is True
    art = m.Artifact.model_validate(
        {"name": "a", "from": "{{steps.x.outputs.artifacts.y}}", "artifactGC": {}}
    )
    assert art.from_ == "{{steps.x.outputs.artifacts.y}}"
    assert art.artifact_gc is not None
    tmpl = m.Template.model_validate({"name": "t", "podSpecPatch": "x", "retryStrategy": {"limit": "3"}})
    assert tmpl.pod_spec_patch == "x"
    assert tmpl.retry_strategy is not None and tmpl.retry_strategy.limit == "3"
    # populate by name works too
    assert m.RetryStrategy(retry_policy="Always").dump() == {"retryPolicy": "Always"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("a", "a"), (True, "true"), (False, "false"), (3, "3"), (1.5, "1.5"), (2.0, "2"), (None, "")],
)
def test_anystr(value: object, expected: str) -> None:
    assert anystr(value) == expected


def test_anystring_keeps_type_for_round_trip() -> None:
    raw = {"name": "p", "value": 1, "default": False, "enum": [1, "two", True, 2.5]}
    p = m.Parameter.model_validate(raw)
    assert p.value == 1 and isinstance(p.value, int)
    assert p.default is False
    assert p.value_str == "1" and p.default_str == "false"
    assert p.enum_str == ["1", "two", "true", "2.5"]
    assert p.dump() == raw


def test_int_or_string_keeps_original() -> None:
    for limit in (3, "3", "{{inputs.parameters.n}}"):
        assert m.RetryStrategy.model_validate({"limit": limit}).limit == limit
    t = m.Template.model_validate({"name": "t", "activeDeadlineSeconds": "{{x}}", "parallelism": 2})
    assert t.active_deadline_seconds == "{{x}}" and t.parallelism == 2


def test_strict_scalars_refuse_go_incompatible_values() -> None:
    with pytest.raises(ValidationError):
        m.Container.model_validate({"image": "x", "command": "echo"})
    with pytest.raises(ValidationError):
        m.WorkflowSpec.model_validate({"entrypoint": ["a"]})
    with pytest.raises(ValidationError):
        m.Container.model_validate({"args": [1]})


def test_unknown_and_kubernetes_fields_are_kept() -> None:
    raw = {"image": "x", "someExtraField": "foo", "securityContext": {"runAsUser": 1}}
    c = m.Container.model_validate(raw)
    assert c.unknown_fields == {"someExtraField": "foo"}
    assert c.dump() == raw


def test_steps_are_lists_of_parallel_groups() -> None:
    t = m.Template.model_validate({"name": "s", "steps": [[{"name": "a", "template": "x"}], [{"name": "b"}]]})
    assert t.steps is not None
    assert [[s.name for s in group] for group in t.steps] == [["a"], ["b"]]
    assert t.kind == "steps"


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"container": {"image": "a"}}, "container"),
        ({"script": {"image": "a", "source": "x"}}, "script"),
        ({"dag": {"tasks": []}}, "dag"),
        ({"steps": []}, "steps"),
        ({"suspend": {}}, "suspend"),
        ({"resource": {"action": "get"}}, "resource"),
        ({"http": {"url": "http://x"}}, "http"),
        ({"containerSet": {"containers": []}}, "containerSet"),
        ({"data": {"source": {}, "transformation": []}}, "data"),
        ({"plugin": {"hello": {}}}, "plugin"),
        ({}, None),
    ],
)
def test_template_kind(body: dict[str, object], kind: str | None) -> None:
    assert m.Template.model_validate({"name": "t", **body}).kind == kind


def test_template_kinds_lists_every_type() -> None:
    t = m.Template.model_validate({"name": "t", "container": {"image": "a"}, "script": {"source": ""}})
    assert t.kinds() == ["container", "script"]


def test_workflow_spec_template_lookup() -> None:
    spec = m.WorkflowSpec.model_validate(
        {"templates": [{"name": "a", "suspend": {}}, {"name": "b", "steps": []}]}
    )
    tb = spec.template("b")
    assert tb is not None and tb.kind == "steps"
    assert spec.template("zz") is None


def test_workflow_helpers() -> None:
    wf = m.Workflow.model_validate(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {"name": "w", "namespace": "argo", "labels": {"a": "b"}},
            "spec": {"entrypoint": "main"},
        }
    )
    assert (wf.name, wf.namespace, wf.labels) == ("w", "argo", {"a": "b"})
    assert m.Workflow.model_validate({"metadata": {"generateName": "x-"}}).name == ""


def test_status_round_trip() -> None:
    raw = {
        "phase": "Succeeded",
        "startedAt": "2020-01-01T00:00:00Z",
        "nodes": {
            "wf": {
                "id": "wf",
                "name": "wf",
                "displayName": "wf",
                "type": "Steps",
                "boundaryID": "",
                "children": ["wf-1"],
                "outputs": {"exitCode": "0", "result": "hi", "parameters": [{"name": "p", "value": "1"}]},
            }
        },
    }
    status = m.WorkflowStatus.model_validate(raw)
    assert status.nodes is not None and status.nodes["wf"].boundary_id == ""
    assert status.dump() == raw


def test_cron_workflow_schedules() -> None:
    cron = m.CronWorkflow.model_validate({"spec": {"schedule": "* * * * *", "schedules": ["0 * * * *"]}})
    assert cron.spec.all_schedules() == ["0 * * * *", "* * * * *"]
    assert m.workflow_spec(cron) is cron.spec.workflow_spec
