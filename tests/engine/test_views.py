"""Typed views over substituted templates (``engine/views.py``)."""

from __future__ import annotations

from argento.engine.views import Backoff, CallSite, ContainerView, DagView, RetryStrategy, TaskView


def test_retry_strategy_is_the_templates_else_the_workflows_and_empty_is_one() -> None:
    spec = {"retryStrategy": {"limit": "2", "backoff": {"duration": "1s", "factor": 2, "maxDuration": "1m"}}}
    assert RetryStrategy.for_template({"retryStrategy": {}}, spec) == RetryStrategy(None, "", "", None)
    wf = RetryStrategy.for_template({}, spec)
    assert wf is not None
    assert (wf.limit, wf.retry_policy, wf.backoff) == ("2", "", Backoff("1s", 2, None, "1m"))
    assert RetryStrategy.for_template({}, {}) is None
    assert RetryStrategy.for_template({"retryStrategy": "x"}, {}) is None  # not a mapping: none
    assert RetryStrategy.of({"backoff": {}}).backoff is None  # an empty backoff is no backoff


def test_container_view_reads_the_basics_as_strings() -> None:
    view = ContainerView.of(
        {
            "image": "python:3.11",
            "command": ["python", 3],
            "resources": {"requests": {"cpu": 1}, "limits": {"memory": "64Mi"}},
            "tty": 1,
        }
    )
    assert (view.image, view.command, view.args, view.working_dir) == (
        "python:3.11",
        ["python", "3"],
        [],
        None,
    )
    assert (view.requests, view.limits, view.tty, view.source) == (
        {"cpu": "1"},
        {"memory": "64Mi"},
        True,
        None,
    )


def test_call_site_task_and_dag_views() -> None:
    site = CallSite.of({"name": "a", "template": "t", "when": True, "continueOn": {"failed": True}})
    assert (site.name, site.template, site.when, site.continue_on_failed, site.continue_on_error) == (
        "a",
        "t",
        "True",
        True,
        False,
    )
    assert CallSite.of({"name": "b"}).when == ""
    task = TaskView.of({"name": "c", "dependencies": ["a"], "depends": ""})
    assert (task.depends, task.dependencies) == ("", ["a"])
    dag = DagView.of({"dag": {"tasks": [{"name": "a"}, {"name": "b"}], "target": "a b", "failFast": False}})
    assert (list(dag.tasks), dag.targets, dag.fail_fast) == (["a", "b"], ["a", "b"], False)
    assert DagView.of({"dag": {}}).targets == [] and DagView.of({"dag": {}}).fail_fast
