"""Argo's retry and resubmit of a finished workflow, as pure functions over its JSON.

Facts from workflow/util/util_test.go: ``FormulateRetryWorkflow`` (which nodes a retried workflow keeps, which go
back to Running, which go and are run anew) and ``FormulateResubmitWorkflow`` (what a resubmitted workflow takes
from the original). Argento's server does both through `argento.server.actions` (``retry_nodes``,
``check_retryable``, ``resubmitted``, ``memoized_nodes``); the node trees here are small hand-made trees of the
shapes Argo's tests use (a DAG of task groups, a steps tree whose next group hangs under the previous pods, a
continue-on-failure DAG, a workflow exit handler).
"""

from __future__ import annotations

from typing import Any

import pytest

from argento.errors import Conflict
from argento.server import actions

SRC = "workflow/util/util_test.go"


def fact(test: str, category: str = "retry") -> pytest.MarkDecorator:
    """``test``: a test of util_test.go, or ``util.go:Func`` for a rule of the code those tests drive."""
    return pytest.mark.fact(category, f"workflow/util/{test}" if ".go:" in test else f"{SRC}:{test}")


def node(nid: str, kind: str, phase: str, *children: str, boundary: str = "", name: str = "", **more: Any) -> dict:
    out = {"id": nid, "name": name or nid, "displayName": name or nid, "type": kind, "phase": phase}
    if children:
        out["children"] = list(children)
    if boundary:
        out["boundaryID"] = boundary
    return out | more


def wf(name: str, phase: str, *nodes: dict, **spec: Any) -> dict:
    return {
        "metadata": {"name": name, "namespace": "argo", "labels": {}},
        "spec": {"entrypoint": "main", **spec},
        "status": {"phase": phase, "nodes": {n["id"]: n for n in nodes}},
    }


def phases(nodes: dict) -> dict[str, str]:
    return {nid: n["phase"] for nid, n in nodes.items()}


# -- FormulateRetryWorkflow: which workflows can be retried ---------------------------------------------------------
@fact("TestFormulateRetryWorkflow")
@pytest.mark.parametrize("phase", ["Running", "Pending", ""])
def test_a_workflow_that_has_not_ended_cannot_be_retried(phase: str) -> None:
    with pytest.raises(Conflict):
        actions.check_retryable(wf("w", phase), restart_successful=False, selector=None)


@fact("TestFormulateRetryWorkflow")
@pytest.mark.parametrize(("restart", "selector"), [(False, None), (True, None), (False, "id=2")])
def test_a_succeeded_workflow_needs_restart_successful_and_a_selector(restart: bool, selector: str | None) -> None:
    with pytest.raises(Conflict, match="restartSuccessful and nodeFieldSelector"):
        actions.check_retryable(wf("w", "Succeeded"), restart_successful=restart, selector=selector)
    actions.check_retryable(wf("w", "Succeeded"), restart_successful=True, selector="id=2")


@fact("TestFormulateRetryWorkflow")
@pytest.mark.parametrize("phase", ["Failed", "Error"])
def test_a_failed_or_errored_workflow_can_be_retried(phase: str) -> None:
    actions.check_retryable(wf("w", phase), restart_successful=False, selector=None)


# -- FormulateRetryWorkflow: the node tree ------------------------------------------------------------------------
@fact("TestFormulateRetryWorkflow")
def test_a_lone_failed_dag_node_is_kept() -> None:
    nodes = actions.retry_nodes(wf("my-dag", "Failed", node("my-dag", "DAG", "Failed")))
    assert list(nodes) == ["my-dag"]


def _nested(name: str, pod_2: bool = False) -> dict:
    """A DAG whose task group 1 holds a group (or pod) 2 over a succeeded pod 3, and a failed pod 4."""
    return wf(
        name, "Failed",
        node(name, "DAG", "Succeeded", "1", name=name),
        node("1", "TaskGroup", "Succeeded", "2", "4", boundary=name),
        node("2", "Pod" if pod_2 else "TaskGroup", "Succeeded", "3", boundary="1"),
        node("3", "Pod", "Succeeded", boundary="2"),
        node("4", "Pod", "Failed", boundary="1"),
    )


@fact("TestFormulateRetryWorkflow")
def test_restart_of_a_selected_pod_resets_every_group_above_it() -> None:
    nodes = actions.retry_nodes(_nested("nested-1"), restart_successful=True, selector="id=3")
    assert phases(nodes) == {"nested-1": "Running", "1": "Running", "2": "Running"}
    assert nodes["1"]["children"] == ["2"] and nodes["2"].get("children") == []


@fact("TestFormulateRetryWorkflow")
def test_without_a_selector_only_the_failed_pod_goes() -> None:
    nodes = actions.retry_nodes(_nested("nested-2", pod_2=True), restart_successful=True, selector="")
    assert phases(nodes) == {"nested-2": "Running", "1": "Running", "2": "Succeeded", "3": "Succeeded"}


@fact("TestFormulateRetryWorkflow")
def test_retry_of_a_succeeded_workflow_reruns_the_selected_pod() -> None:
    body = _nested("ok-2")
    body["status"]["phase"] = "Succeeded"
    body["status"]["nodes"]["4"]["phase"] = "Succeeded"
    nodes = actions.retry_nodes(body, restart_successful=True, selector="id=4")
    assert phases(nodes) == {"ok-2": "Running", "1": "Running", "2": "Succeeded", "3": "Succeeded"}


@fact("TestFormulateRetryWorkflow")
def test_a_selected_suspend_node_goes_with_its_children_and_a_skipped_node_stays_skipped() -> None:
    body = wf(
        "susp", "Failed",
        node("susp", "DAG", "Succeeded", "suspended", "skipped"),
        node("suspended", "Suspend", "Succeeded", "child", boundary="susp",
             outputs={"parameters": [{"name": "p", "value": "3", "valueFrom": {"supplied": {}}}]}),
        node("child", "Skipped", "Skipped", boundary="suspended"),
        node("skipped", "Skipped", "Skipped", boundary="susp"),
    )
    nodes = actions.retry_nodes(body, restart_successful=True, selector="id=suspended")
    assert phases(nodes) == {"susp": "Running", "skipped": "Skipped"}


def _continue_on(name: str) -> dict:
    """A DAG: 1 then (2 then 3) and (4 then 5); 2 failed but 3 ran (continueOn), 4 failed and 5 was omitted."""
    return wf(
        name, "Failed",
        node(name, "DAG", "Failed", "1", outboundNodes=["3", "5"]),
        node("1", "Pod", "Succeeded", "2", "4", boundary=name),
        node("2", "Pod", "Failed", "3", boundary=name),
        node("3", "Pod", "Succeeded", boundary=name),
        node("4", "Pod", "Failed", "5", boundary=name),
        node("5", "Skipped", "Omitted", boundary=name),
    )


@fact("TestFormulateRetryWorkflow")
def test_a_failed_pod_with_a_succeeded_descendant_is_not_rerun() -> None:
    nodes = actions.retry_nodes(_continue_on("cont"))
    assert phases(nodes) == {"cont": "Running", "1": "Succeeded", "2": "Failed", "3": "Succeeded"}
    assert nodes["1"]["children"] == ["2"]


@fact("TestFormulateRetryWorkflow")
def test_a_selected_descendant_does_not_count_as_succeeded() -> None:
    nodes = actions.retry_nodes(_continue_on("cont-2"), restart_successful=True, selector="id=3")
    assert phases(nodes) == {"cont-2": "Running", "1": "Succeeded"}


@fact("TestFormulateRetryWorkflow")
def test_retry_overrides_workflow_parameters() -> None:
    body = wf("override-param-wf", "Failed", node("override-param-wf", "DAG", "Succeeded"),
              arguments={"parameters": [{"name": "message", "value": "default"}]})
    actions.apply_parameters(body, ["message=modified"])
    assert body["spec"]["arguments"]["parameters"] == [{"name": "message", "value": "modified"}]


def _steps(name: str) -> dict:
    """Steps: group [0] runs hello1, group [1] (under hello1) runs hello2a and hello2b; all succeeded."""
    return wf(
        name, "Succeeded",
        node(name, "Steps", "Succeeded", "g0"),
        node("g0", "StepGroup", "Succeeded", "hello1", boundary=name, name=f"{name}[0]"),
        node("hello1", "Pod", "Succeeded", "g1", boundary=name, name=f"{name}[0].hello1"),
        node("g1", "StepGroup", "Succeeded", "hello2a", "hello2b", boundary=name, name=f"{name}[1]"),
        node("hello2a", "Pod", "Succeeded", boundary=name, name=f"{name}[1].hello2a"),
        node("hello2b", "Pod", "Succeeded", boundary=name, name=f"{name}[1].hello2b"),
    )


@fact("TestStepsRetryWorkflow")
def test_steps_restart_resets_the_steps_node_and_the_group_of_the_selected_pod() -> None:
    nodes = actions.retry_nodes(_steps("steps"), restart_successful=True, selector="id=hello2a")
    assert phases(nodes) == {
        "steps": "Running", "g0": "Succeeded", "hello1": "Succeeded", "g1": "Running", "hello2b": "Succeeded",
    }
    assert nodes["g1"]["children"] == ["hello2b"]


@fact("TestStepsRetryWorkflow")
def test_restarting_an_earlier_step_drops_every_later_group() -> None:
    nodes = actions.retry_nodes(_steps("steps"), restart_successful=True, selector="id=hello1")
    assert phases(nodes) == {"steps": "Running", "g0": "Running"}


@fact("TestDAGDiamondRetryWorkflow")
def test_dag_diamond_restart_of_a_middle_task_drops_what_depends_on_it() -> None:
    body = wf(
        "diamond", "Succeeded",
        node("diamond", "DAG", "Succeeded", "A", outboundNodes=["D"]),
        node("A", "Pod", "Succeeded", "B", "C", boundary="diamond"),
        node("B", "Pod", "Succeeded", "D", boundary="diamond"),
        node("C", "Pod", "Succeeded", "D", boundary="diamond"),
        node("D", "Pod", "Succeeded", boundary="diamond"),
    )
    nodes = actions.retry_nodes(body, restart_successful=True, selector="id=B")
    assert phases(nodes) == {"diamond": "Running", "A": "Succeeded", "C": "Succeeded"}
    assert nodes["C"].get("children") == []


def _with_exit(name: str, main_phase: str, exit_phase: str) -> dict:
    return wf(
        name, "Failed",
        node(name, "Pod", main_phase),
        node("x", "Pod", exit_phase, name=f"{name}.onExit", nodeFlag={"hooked": True}),
    )


@fact("TestOnExitWorkflow")
def test_the_workflow_exit_handler_goes_and_a_succeeded_main_pod_stays() -> None:
    nodes = actions.retry_nodes(_with_exit("exit-wf", "Succeeded", "Failed"))
    assert phases(nodes) == {"exit-wf": "Succeeded"}


@fact("TestRetryExitHandler")
def test_a_succeeded_exit_handler_goes_too() -> None:
    nodes = actions.retry_nodes(_with_exit("exit-wf", "Failed", "Succeeded"))
    assert "x" not in nodes


@fact("TestRegressions")
def test_a_failed_root_pod_leaves_no_node_at_all() -> None:
    body = _with_exit("exit-handlers", "Failed", "Succeeded")
    body["status"]["nodes"]["x"]["type"] = "Steps"
    assert actions.retry_nodes(body, restart_successful=True, selector="id=x") == {}


@fact("util.go:FormulateRetryWorkflow")
def test_a_template_level_exit_handler_under_a_kept_node_is_kept() -> None:
    body = wf(
        "tmpl-exit", "Failed",
        node("tmpl-exit", "Steps", "Failed", "g0"),
        node("g0", "StepGroup", "Failed", "s", "t", boundary="tmpl-exit"),
        node("s", "Pod", "Succeeded", boundary="tmpl-exit", name="tmpl-exit[0].s"),
        node("s-exit", "Pod", "Succeeded", boundary="tmpl-exit", name="tmpl-exit[0].s.onExit"),
        node("t", "Pod", "Failed", boundary="tmpl-exit", name="tmpl-exit[0].t"),
    )
    nodes = actions.retry_nodes(body)
    assert phases(nodes) == {"tmpl-exit": "Running", "g0": "Running", "s": "Succeeded", "s-exit": "Succeeded"}


@fact("util.go:resetNode")
def test_a_reset_suspend_boundary_asks_for_its_parameters_again() -> None:
    body = wf(
        "nested-susp", "Failed",
        node("nested-susp", "DAG", "Failed", "approve"),
        node("approve", "Suspend", "Succeeded", "inner", boundary="nested-susp",
             outputs={"parameters": [{"name": "ok", "value": "yes", "valueFrom": {"supplied": {}}}]}),
        node("inner", "DAG", "Failed", "work", boundary="approve"),
        node("work", "Pod", "Failed", boundary="inner"),
    )
    nodes = actions.retry_nodes(body)
    assert phases(nodes) == {"nested-susp": "Running", "approve": "Running", "inner": "Running"}
    assert nodes["approve"]["outputs"]["parameters"] == [{"name": "ok", "valueFrom": {"supplied": {}}}]


@fact("util.go:FormulateRetryWorkflow")
def test_a_failed_attempt_goes_and_its_failed_retry_node_runs_again() -> None:
    body = wf(
        "retry-dag", "Failed",
        node("retry-dag", "DAG", "Failed", "r"),
        node("r", "Retry", "Failed", "a0", "a1", boundary="retry-dag"),
        node("a0", "Pod", "Failed", boundary="retry-dag", nodeFlag={"retried": True}),
        node("a1", "Pod", "Failed", boundary="retry-dag", nodeFlag={"retried": True}),
    )
    nodes = actions.retry_nodes(body)
    assert phases(nodes) == {"retry-dag": "Running", "r": "Running"}
    assert nodes["r"]["children"] == []


@fact("util.go:FormulateRetryWorkflow")
def test_a_failed_attempt_of_a_retry_node_that_then_succeeded_is_kept() -> None:
    body = wf(
        "retry-ok", "Failed",
        node("retry-ok", "DAG", "Failed", "r", "f"),
        node("r", "Retry", "Succeeded", "a0", "a1", boundary="retry-ok"),
        node("a0", "Pod", "Failed", boundary="retry-ok", nodeFlag={"retried": True}),
        node("a1", "Pod", "Succeeded", boundary="retry-ok", nodeFlag={"retried": True}),
        node("f", "Pod", "Failed", boundary="retry-ok"),
    )
    nodes = actions.retry_nodes(body)
    assert phases(nodes) == {"retry-ok": "Running", "r": "Succeeded", "a0": "Failed", "a1": "Succeeded"}


def _loop(name: str) -> dict:
    """A DAG task over withParam: task group ``launch`` expanded to launch(0) (succeeded) and launch(1)."""
    return wf(
        name, "Failed",
        node(name, "DAG", "Failed", "launch"),
        node("launch", "TaskGroup", "Failed", "l0", "l1", boundary=name),
        node("l0", "Pod", "Succeeded", boundary=name, name=f"{name}.launch(0:pass)"),
        node("l1", "Pod", "Failed", boundary=name, name=f"{name}.launch(1:fail)"),
    )


@fact("TestFormulateRetryWorkflowWithParams")
def test_without_new_parameters_the_succeeded_items_of_a_loop_are_kept() -> None:
    nodes = actions.retry_nodes(_loop("loop"))
    assert phases(nodes) == {"loop": "Running", "launch": "Running", "l0": "Succeeded"}


@fact("TestFormulateRetryWorkflowWithParamOverride")
def test_with_new_parameters_a_reset_loop_group_is_expanded_again() -> None:
    nodes = actions.retry_nodes(_loop("loop"), parameters=["items=[\"fail\"]"])
    assert phases(nodes) == {"loop": "Running", "launch": "Running"}
    assert nodes["launch"]["children"] == []


@fact("TestFormulateRetryWorkflowDeterministicReset")
def test_a_node_with_two_parents_is_reset_the_same_way_every_time() -> None:
    def body() -> dict:
        return wf(
            "multi", "Failed",
            node("multi", "DAG", "Failed", "G1", "G0"),
            node("G1", "TaskGroup", "Succeeded", "X", boundary="multi"),
            node("G0", "TaskGroup", "Succeeded", "X", boundary="multi"),
            node("X", "Pod", "Failed", boundary="multi"),
        )

    first = phases(actions.retry_nodes(body()))
    assert first["multi"] == "Running" and "X" not in first
    for _ in range(20):
        assert phases(actions.retry_nodes(body())) == first


@fact("util.go:createNewRetryWorkflow")
def test_a_terminated_workflow_loses_its_zero_deadline() -> None:
    assert actions.without_termination({"activeDeadlineSeconds": 0, "entrypoint": "m"}) == {"entrypoint": "m"}
    assert actions.without_termination({"activeDeadlineSeconds": 30}) == {"activeDeadlineSeconds": 30}


# -- FormulateResubmitWorkflow --------------------------------------------------------------------------------------
LABELS = {
    "workflows.argoproj.io/controller-instanceid": "1",
    "workflows.argoproj.io/cluster-workflow-template": "1",
    "workflows.argoproj.io/cron-workflow": "1",
    "workflows.argoproj.io/workflow-template": "1",
    "workflows.argoproj.io/creator": "1",
    "workflows.argoproj.io/creator-email": "a.at.example.com",
    "workflows.argoproj.io/creator-preferred-username": "a",
    "workflows.argoproj.io/phase": "1",
    "workflows.argoproj.io/completed": "1",
    "workflows.argoproj.io/workflow-archiving-status": "1",
}


@fact("TestFormulateResubmitWorkflow", "server")
def test_resubmit_keeps_user_labels_and_drops_controller_and_creator_labels() -> None:
    body = wf("orig", "Failed")
    body["metadata"]["labels"] = dict(LABELS)
    body["metadata"]["ownerReferences"] = [{"apiVersion": "test", "name": "testObj"}]
    new = actions.resubmitted(body, [])
    labels = new["metadata"]["labels"]
    for kept in ("controller-instanceid", "cluster-workflow-template", "cron-workflow", "workflow-template"):
        assert f"workflows.argoproj.io/{kept}" in labels
    for dropped in ("creator", "creator-email", "creator-preferred-username", "phase", "completed",
                    "workflow-archiving-status"):
        assert f"workflows.argoproj.io/{dropped}" not in labels
    assert labels["workflows.argoproj.io/resubmitted-from-workflow"] == "orig"
    assert new["metadata"]["ownerReferences"] == [{"apiVersion": "test", "name": "testObj"}]


@fact("TestFormulateResubmitWorkflow", "server")
def test_resubmit_names_from_the_original_generate_name() -> None:
    body = wf("steps-x7k2p", "Failed")
    assert actions.resubmitted(body, [])["metadata"]["generateName"] == "steps-x7k2p-"
    body["metadata"]["generateName"] = "steps-"
    assert actions.resubmitted(body, [])["metadata"]["generateName"] == "steps-"


@fact("TestFormulateResubmitWorkflow", "server")
def test_resubmit_overrides_parameters_and_unsets_a_terminated_deadline() -> None:
    body = wf("p", "Failed", arguments={"parameters": [{"name": "message", "value": "default"}]},
              activeDeadlineSeconds=0, shutdown="Terminate")
    new = actions.resubmitted(body, ["message=modified"])
    assert new["spec"]["arguments"]["parameters"] == [{"name": "message", "value": "modified"}]
    assert "activeDeadlineSeconds" not in new["spec"] and "shutdown" not in new["spec"]


@fact("TestResubmitWorkflowWithOnExit", "server")
def test_a_memoized_resubmit_does_not_carry_the_exit_handler() -> None:
    body = wf(
        "test-wf", "Failed",
        node("test-wf", "Pod", "Succeeded"),
        node("x", "Pod", "Succeeded", name="test-wf.onExit", nodeFlag={"hooked": True}),
    )
    nodes = actions.memoized_nodes(body, "test-wf-abcde")
    assert sorted(n["name"] for n in nodes.values()) == ["test-wf-abcde"]
    assert next(iter(nodes.values()))["phase"] == "Skipped"
