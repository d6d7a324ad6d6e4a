"""Argo's controller unit tests replayed (see test_operator_replay.py): exit handlers, workflow status and
conditions, arguments, shutdown, failFast, workflow variables.

Facts from workflow/controller/operator_test.go and the operator code it drives (``operate``,
``runOnExitNode``, ``setGlobalParameters``, ``markWorkflowPhase``, ``executeSteps``).
"""

from __future__ import annotations

import json

import pytest

from ._replay import Scripted, replay
from ._server import NS, api_fact, running_pod, wait_for

SRC = "workflow/controller/operator_test.go"


def fact(test: str, category: str = "operator") -> pytest.MarkDecorator:
    return pytest.mark.fact(category, f"{SRC}:{test}")


# -- exit handlers -----------------------------------------------------------------------------------------------
@fact("TestStepsOnExit", "exit-handlers")
def test_step_on_exit_runs_after_its_failed_step_and_the_next_group_never_starts(argo) -> None:
    run, _ = replay(
        argo,
        """
        metadata: {name: steps-on-exit}
        spec:
          entrypoint: suspend
          templates:
          - name: suspend
            steps:
            - - {name: leafA, onExit: exitContainer, template: whalesay}
            - - {name: leafB, onExit: exitContainer, template: whalesay}
          - name: whalesay
            container: {image: docker/whalesay, command: [cowsay], args: ["hello world"]}
          - name: exitContainer
            container: {image: docker/whalesay, command: [cowsay], args: ["goodbye world"]}
        """,
        script=Scripted({"whalesay": [1]}),
    )
    assert run.phase == "Failed"
    hook = run.node("leafA.onExit")
    assert hook["nodeFlag"] == {"hooked": True}
    assert hook["phase"] == "Succeeded"
    assert run.by_display("leafB") == []
    assert run.by_display("leafB.onExit") == []


@fact("TestStepsOnExitFailures", "exit-handlers")
def test_workflow_failures_variable_in_the_exit_handler(argo) -> None:
    run, fake = replay(
        argo,
        """
        metadata: {name: exit-handlers}
        spec:
          entrypoint: intentional-fail
          onExit: exit-handler
          templates:
          - name: intentional-fail
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo intentional failure; exit 1"]}
          - name: exit-handler
            container:
              image: alpine:3.23
              command: [sh, -c]
              args: ["echo send e-mail: {{workflow.name}} {{workflow.status}} {{workflow.duration}}. Failed steps {{workflow.failures}}"]
        """,
        script=Scripted({"intentional-fail": [1]}),
    )
    root = run.nodes["exit-handlers"]
    assert root["phase"] == "Failed"
    assert "nodeFlag" not in root
    text = fake.started[-1].args[0]
    assert text.startswith("echo send e-mail: exit-handlers Failed ")
    failures = json.loads(text.split("Failed steps ", 1)[1])
    assert len(failures) == 1
    assert {k: failures[0][k] for k in ("displayName", "templateName", "phase", "podName")} == {
        "displayName": "exit-handlers", "templateName": "intentional-fail", "phase": "Failed",
        "podName": "exit-handlers",
    }
    assert failures[0]["message"] == root["message"]


@fact("TestStepsOnExitTimeout", "exit-handlers")
def test_exit_handler_runs_after_the_workflow_deadline(argo) -> None:
    run, _ = replay(
        argo,
        """
        metadata: {name: exit-handlers}
        spec:
          entrypoint: intentional-fail
          activeDeadlineSeconds: 1
          onExit: exit-handler
          templates:
          - name: intentional-fail
            suspend: {}
          - name: exit-handler
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo send e-mail: {{workflow.name}} {{workflow.status}}."]}
        """,
        time_scale=0.05,
    )
    assert run.phase == "Failed"
    hook = run.node("exit-handlers.onExit")
    assert hook["nodeFlag"] == {"hooked": True}
    assert hook["phase"] == "Succeeded"


@fact("TestNoOnExitWhenSkipped", "exit-handlers")
def test_skipped_task_has_no_on_exit(argo) -> None:
    run, fake = replay(
        argo,
        """
        metadata: {name: dag-primay-branch}
        spec:
          entrypoint: statis
          templates:
          - name: pass
            container: {image: docker/whalesay:latest, command: [cowsay], args: [hello world]}
          - name: exit
            container: {image: docker/whalesay:latest, command: [cowsay], args: [exit]}
          - name: statis
            dag:
              tasks:
              - {name: A, template: pass}
              - {name: B, dependencies: [A], onExit: exit, template: pass, when: '{{tasks.A.status}} != Succeeded'}
              - {name: C, dependencies: [A], template: pass}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("B")["phase"] == "Skipped"
    assert run.node("B")["message"] == "when 'Succeeded != Succeeded' evaluated false"
    assert "dag-primay-branch.B.onExit" not in run.nodes
    assert [p.template for p in fake.started].count("exit") == 0


@fact("TestWFGlobalArtifactNil", "exit-handlers")
def test_exit_handler_consuming_globals_the_failed_step_never_set(argo) -> None:
    run, _ = replay(
        argo,
        """
        metadata: {name: global-outputs}
        spec:
          entrypoint: generate-globals
          onExit: consume-globals
          templates:
          - name: generate-globals
            steps:
            - - {name: generate, template: global-output}
            - - {name: consume-globals, template: consume-globals}
          - name: global-output
            container: {image: alpine:3.23, command: [sh, -c], args: ["sleep 1; exit 1"]}
            outputs:
              artifacts:
              - {globalName: my-global-art, name: hello-art, path: /tmp/hello_world.txt}
              parameters:
              - globalName: my-global-param
                name: hello-param
                valueFrom: {path: /tmp/hello_world.txt}
          - name: consume-globals
            steps:
            - - {name: consume-global-param, template: consume-global-param}
              - name: consume-global-art
                template: consume-global-art
                arguments:
                  artifacts:
                  - {from: '{{workflow.outputs.artifacts.my-global-art}}', name: art}
          - name: consume-global-param
            inputs:
              parameters:
              - {name: param, value: '{{workflow.outputs.parameters.my-global-param}}'}
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo {{inputs.parameters.param}}"]}
          - name: consume-global-art
            inputs:
              artifacts: [{name: art, path: /art}]
            container: {image: alpine:3.23, command: [sh, -c], args: ["cat /art"]}
        """,
        script=Scripted({"global-output": [1]}),
    )
    assert run.phase in ("Failed", "Error")
    assert run.nodes["global-outputs"]["phase"] == "Failed"
    assert "global-outputs.onExit" in run.nodes
    assert run.nodes["global-outputs.onExit"]["phase"] in ("Failed", "Error")


# -- arguments ---------------------------------------------------------------------------------------------------
@fact("TestUnsuppliedArgValue", "parameters")
def test_workflow_argument_without_a_value_is_an_invalid_spec(argo) -> None:
    run, fake = replay(
        argo,
        """
        metadata: {name: wf-with-unsupplied-param}
        spec:
          arguments:
            parameters: [{name: missing}]
          entrypoint: whalesay
          templates:
          - name: whalesay
            container: {image: docker/whalesay:latest, command: [cowsay], args: [hello world]}
        """,
        lint=False,
    )
    assert run.phase in ("Error", "Failed")
    assert run.message == (
        "invalid spec: spec.arguments.missing.value or spec.arguments.missing.valueFrom is required"
    )
    assert fake.started == []


@fact("TestSuppliedArgValue", "parameters")
def test_workflow_argument_with_a_value_and_supplied(argo) -> None:
    run, fake = replay(
        argo,
        """
        metadata: {name: wf-with-supplied-param}
        spec:
          arguments:
            parameters:
            - {name: message, value: argo, valueFrom: {supplied: {}}}
          entrypoint: whalesay
          templates:
          - name: whalesay
            container: {args: ["{{workflow.parameters.message}}"], command: [cowsay], image: docker/whalesay:latest}
        """,
    )
    assert run.phase == "Succeeded"
    assert fake.started[0].args == ["argo"]


# -- status and conditions ---------------------------------------------------------------------------------------
@fact("TestWorkflowOutputs", "outputs")
def test_dag_child_with_an_output_parameter_succeeds(argo) -> None:
    run, _ = replay(
        argo,
        """
        metadata: {name: my-wf}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: step-1, template: child}
          - name: child
            container: {image: my-image}
            outputs:
              parameters:
              - name: my-param
                valueFrom: {path: /my-path}
        """,
        files=lambda pod: {"/my-path": "hello"},
    )
    assert run.phase == "Succeeded"
    assert run.node("step-1")["outputs"]["parameters"] == [
        {"name": "my-param", "value": "hello", "valueFrom": {"path": "/my-path"}}
    ]


@fact("TestWorkflowConditions / TestStatusConditions", "phases-messages")
def test_conditions_of_a_succeeded_workflow(argo) -> None:
    run, _ = replay(
        argo,
        """
        metadata: {name: my-wf}
        spec:
          entrypoint: main
          templates:
          - name: main
            container: {image: docker/whalesay:latest}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.status["conditions"] == [
        {"type": "PodRunning", "status": "False"},
        {"type": "Completed", "status": "True"},
    ]


@fact("TestNestedOptionalOutputArtifacts", "outputs")
def test_optional_output_artifact_from_a_skipped_step(argo) -> None:
    run, fake = replay(
        argo,
        """
        metadata: {generateName: artifact-passing-}
        spec:
          entrypoint: artifact-example
          templates:
          - name: artifact-example
            steps:
            - - name: skip-artifact-generation
                template: conditional-whalesay
                arguments:
                  parameters: [{name: proceed, value: "false"}]
          - name: whalesay
            container: {image: docker/whalesay:latest, command: [sh, -c], args: ["sleep 1; cowsay hello world | tee /tmp/hello_world.txt"]}
            outputs:
              artifacts: [{name: hello-art, path: /tmp/hello_world.txt}]
          - name: conditional-whalesay
            inputs:
              parameters: [{name: proceed}]
            steps:
            - - {name: whalesay, template: whalesay, when: "{{inputs.parameters.proceed}}"}
            outputs:
              artifacts:
              - {name: hello-art, from: "{{steps.whalesay.outputs.artifacts.hello-art}}", optional: true}
        """,
    )
    assert run.phase == "Succeeded"
    assert fake.started == []
    assert run.node("whalesay")["phase"] == "Skipped"


# -- workflow variables ------------------------------------------------------------------------------------------
@fact("TestWorkflowScheduledTimeVariable", "variables")
def test_scheduled_time_variable_from_the_annotation(argo) -> None:
    _, fake = replay(
        argo,
        """
        metadata:
          name: hello-world
          annotations: {workflows.argoproj.io/scheduled-time: "2006-01-02T15:04:05-07:00"}
        spec:
          entrypoint: whalesay
          templates:
          - name: whalesay
            container: {image: docker/whalesay:latest, command: [cowsay], args: ["{{workflow.scheduledTime}}"]}
        """,
    )
    assert fake.started[0].args == ["2006-01-02T15:04:05-07:00"]


@fact("TestWorkflowMainEntrypointVariable", "variables")
def test_main_entrypoint_variable(argo) -> None:
    _, fake = replay(
        argo,
        """
        metadata: {name: hello-world}
        spec:
          entrypoint: whalesay
          templates:
          - name: whalesay
            container: {image: docker/whalesay:latest, command: [cowsay], args: ["{{workflow.mainEntrypoint}}"]}
        """,
    )
    assert fake.started[0].args == ["whalesay"]


@fact("TestWorkflowInterpolatesNodeNameField", "variables")
def test_node_name_variable_in_step_arguments(argo) -> None:
    run, _ = replay(
        argo,
        """
        metadata: {name: hello-world}
        spec:
          entrypoint: main
          templates:
            - name: main
              dag:
                tasks:
                  - {name: this-is-part-1, template: main2}
            - name: main2
              steps:
                - - name: this-is-part-2
                    template: whalesay
                    arguments:
                      parameters: [{name: message, value: "{{node.name}}"}]
            - name: whalesay
              inputs:
                parameters: [{name: message}]
              container: {image: docker/whalesay:latest, command: [cowsay], args: ["{{ inputs.parameters.message }}"]}
        """,
    )
    (pod,) = [n for n in run.nodes.values() if n["type"] == "Pod"]
    assert pod["inputs"]["parameters"][0]["value"] == "hello-world.this-is-part-1"


# -- failFast ----------------------------------------------------------------------------------------------------
@fact("TestStepsFailFast", "steps")
def test_steps_fail_fast_stops_a_sequential_loop(argo) -> None:
    run, fake = replay(
        argo,
        """
        metadata: {name: seq-loop-pz4hh}
        spec:
          activeDeadlineSeconds: 300
          arguments:
            parameters: [{name: items, value: '["a", "b", "c"]'}]
          entrypoint: seq-loop
          templates:
          - name: seq-loop
            failFast: true
            parallelism: 1
            inputs:
              parameters: [{name: items}]
            steps:
            - - {name: iteration, template: iteration, withParam: '{{inputs.parameters.items}}'}
          - name: iteration
            steps:
            - - {name: step1, template: succeed-step}
            - - {name: step2, template: failed-step}
          - name: succeed-step
            container: {image: alpine, command: [/bin/sh, -c], args: [exit 0]}
          - name: failed-step
            container: {image: alpine, command: [/bin/sh, -c], args: [exit 1]}
            retryStrategy: {limit: 1}
        """,
        script=Scripted({"failed-step": [1]}),
    )
    assert run.phase == "Failed"
    assert run.node("iteration(0:a)")["phase"] == "Failed"
    assert run.nodes["seq-loop-pz4hh"]["phase"] == "Failed"
    assert run.nodes["seq-loop-pz4hh"]["message"] == "template has failed or errored children and failFast enabled"
    assert run.by_display("iteration(1:b)") == []
    assert run.by_display("iteration(2:c)") == []
    assert [p.template for p in fake.started] == ["succeed-step", "failed-step", "failed-step"]


# -- shutdown ----------------------------------------------------------------------------------------------------
SLEEPER = {
    "metadata": {"name": "whalesay"},
    "spec": {
        "entrypoint": "whalesay",
        "templates": [{"name": "whalesay", "container": {
            "image": "docker/whalesay:latest", "command": ["sh", "-c"], "args": ["sleep 60"]}}],
    },
}


@pytest.mark.parametrize("action,strategy", [
    pytest.param("stop", "Stop", id="stop", marks=fact("TestWorkflowShutdownStrategy/StopStrategy", "suspend")),
    pytest.param("terminate", "Terminate", id="terminate",
                 marks=fact("TestWorkflowShutdownStrategy/TerminateStrategy", "suspend")),
])
def test_shutdown_strategy_message_on_the_running_pod(argo, action: str, strategy: str) -> None:
    async def body(client) -> None:
        r = await client.post(NS, json={"workflow": SLEEPER})
        assert r.status_code == 200, r.text
        await wait_for(client, "whalesay", running_pod)
        assert (await client.put(f"{NS}/whalesay/{action}", json={})).status_code == 200
        wf = await wait_for(client, "whalesay")
        for node in wf["status"]["nodes"].values():
            assert f"workflow shutdown with strategy: {strategy}" in node["message"]
        assert wf["status"]["message"] == f"Stopped with strategy '{strategy}'"

    api_fact(argo.settings, body)


# -- recursion depth ---------------------------------------------------------------------------------------------
DIAMOND = """
metadata: {name: hello-world}
spec:
  entrypoint: diamond
  templates:
  - name: diamond
    dag:
      tasks:
      - {name: A, template: echo, arguments: {parameters: [{name: message, value: A}]}}
      - {name: B, dependencies: [A], template: echo, arguments: {parameters: [{name: message, value: B}]}}
      - {name: C, dependencies: [A], template: echo, arguments: {parameters: [{name: message, value: C}]}}
      - {name: D, dependencies: [B, C], template: echo, arguments: {parameters: [{name: message, value: D}]}}
  - name: echo
    inputs:
      parameters: [{name: message}]
    container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.message}}"]}
"""


@fact("TestMaxDepth (maxStackDepth 2: the first task errors)", "operator")
def test_max_depth_too_small_errors_the_first_task(argo, monkeypatch) -> None:
    from argento.engine import controller

    monkeypatch.setattr(controller, "MAX_STACK_DEPTH", 2)
    run, fake = replay(argo, DIAMOND)
    assert run.phase == "Error"
    a = run.node("A")
    assert a["phase"] == "Error"
    assert "Maximum recursion depth exceeded" in a["message"]
    assert fake.started == []


@fact("TestMaxDepth (maxStackDepth 3: the diamond succeeds)", "operator")
def test_max_depth_large_enough_runs_the_diamond(argo, monkeypatch) -> None:
    from argento.engine import controller

    monkeypatch.setattr(controller, "MAX_STACK_DEPTH", 3)
    run, fake = replay(argo, DIAMOND)
    assert run.phase == "Succeeded"
    assert len(fake.started) == 4


@pytest.mark.fact("operator", "workflow/controller/operator.go:executeTemplate (maxAllowedStackDepth 100)")
def test_endless_recursion_stops_at_the_maximum_depth(argo) -> None:
    run, fake = replay(
        argo,
        """
        metadata: {name: recurse}
        spec:
          entrypoint: again
          templates:
          - name: again
            steps:
            - - {name: deeper, template: again}
        """,
    )
    assert run.phase in ("Error", "Failed")
    deepest = max(run.nodes.values(), key=lambda n: n["name"].count(".deeper"))
    assert deepest["name"].count(".deeper") == 99
    assert deepest["phase"] == "Error"
    assert deepest["message"].startswith("Maximum recursion depth exceeded. See ")
    assert fake.started == []


# -- parameters and artifacts ------------------------------------------------------------------------------------
@fact("TestSetGlobalParametersOverriding", "parameters")
def test_argument_value_wins_over_its_value_from(argo) -> None:
    run, fake = replay(
        argo,
        """
        metadata: {generateName: parameter-valuefrom-value-}
        spec:
          entrypoint: echo
          arguments: &args
            parameters:
              - name: message
                value: "configmap argument overwrite with argument"
                valueFrom:
                  configMapKeyRef: {name: config-properties, key: message}
          templates:
            - name: echo
              inputs: *args
              container:
                image: busybox
                args: ["printf", "WORKFLOW: %s\\nINPUT: %s", "{{workflow.parameters.message}}", "{{inputs.parameters.message}}"]
        """,
    )
    assert run.phase == "Succeeded"
    assert fake.started[0].args[2:] == ["configmap argument overwrite with argument"] * 2


OPTIONAL_ART_TEMPLATES = """
    - name: whalesay
      container: {image: "argoproj/argosay:v1", command: [sh, -c], args: ["sleep 1;"]}
      outputs:
        artifacts:
          - {name: message, optional: true, path: /tmp/hello_world}
    - name: print-message
      inputs:
        artifacts:
          - {name: message, optional: true, path: /tmp/message}
      container: {image: alpine:3.23, command: [sh, -c], args: ["test -e /tmp/message && ls /tmp/message || echo 0"]}
"""
OPTIONAL_ART = {
    "steps": """
metadata: {name: fail-optional-artifact-with-items}
spec:
  entrypoint: artifact-example
  templates:
    - name: artifact-example
      steps:
        - - {name: generate-artifact, template: whalesay}
        - - name: consume-artifact
            template: print-message
            arguments:
              artifacts:
                - {name: message, optional: true, from: "{{steps.generate-artifact.outputs.artifacts.message}}"}
            withItems: [hello world]
""" + OPTIONAL_ART_TEMPLATES,
    "dag": """
metadata: {name: fail-optional-artifact-with-items-dag}
spec:
  entrypoint: artifact-example
  templates:
    - name: artifact-example
      dag:
        tasks:
          - {name: generate-artifact, template: whalesay}
          - name: consume-artifact
            template: print-message
            dependencies: [generate-artifact]
            arguments:
              artifacts:
                - {name: message, optional: true, from: "{{tasks.generate-artifact.outputs.artifacts.message}}"}
            withItems: [hello world]
""" + OPTIONAL_ART_TEMPLATES,
}


@pytest.mark.parametrize("kind", [
    pytest.param("steps", id="steps", marks=fact("TestWithItemsOptionalArtStepsWF", "loops")),
    pytest.param("dag", id="dag", marks=fact("TestWithItemsOptionalArtDAGWF", "loops")),
])
def test_loop_over_an_optional_artifact_that_was_not_made(argo, kind: str) -> None:
    run, fake = replay(argo, OPTIONAL_ART[kind])
    assert run.phase == "Succeeded"
    assert run.node("consume-artifact(0:hello world)")["phase"] == "Succeeded"
    assert [p.template for p in fake.started] == ["whalesay", "print-message"]


@fact("TestInlineTemplateReferenceOuterTemplateWorkflow", "templates-refs")
def test_inline_steps_refer_to_an_outer_template(argo) -> None:
    run, _ = replay(
        argo,
        """
        metadata: {generateName: inline-composite-retry-}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
              - - name: step1
                  inline:
                    steps:
                    - - {name: fail, template: fail}
            - name: fail
              container: {image: "alpine:latest", command: [sh, -c], args: ["exit 1"]}
        """,
    )
    assert run.phase == "Failed"
    assert run.node("step1")["type"] == "Steps"
    fail = run.node("fail")
    assert (fail["type"], fail["templateName"], fail["phase"]) == ("Pod", "fail", "Failed")


# -- suspend templates through the API ---------------------------------------------------------------------------
SUSPEND_TEMPLATE = {
    "metadata": {"name": "suspend-template"},
    "spec": {
        "entrypoint": "suspend",
        "templates": [
            {"name": "suspend", "steps": [
                [{"name": "approve", "template": "approve",
                  "arguments": {"parameters": [{"name": "param1", "value": "value1"}]}}],
                [{"name": "release", "template": "whalesay"}],
            ]},
            {"name": "approve", "inputs": {"parameters": [{"name": "param1"}]}, "suspend": {}},
            {"name": "whalesay", "container": {"image": "docker/whalesay", "command": ["cowsay"],
                                               "args": ["hello world"]}},
        ],
    },
}


def _suspended(wf: dict) -> bool:
    return any(n.get("type") == "Suspend" and n.get("phase") == "Running"
               for n in ((wf.get("status") or {}).get("nodes") or {}).values())


def _suspend_fact(argo, action: str, body: dict, check) -> None:
    async def go(client) -> None:
        r = await client.post(NS, json={"workflow": SUSPEND_TEMPLATE})
        assert r.status_code == 200, r.text
        await wait_for(client, "suspend-template", _suspended)
        r = await client.put(f"{NS}/suspend-template/{action}", json=body)
        assert r.status_code == 200, r.text
        check(await wait_for(client, "suspend-template"))

    api_fact(argo.settings, go)


def _names(wf: dict) -> dict[str, dict]:
    return {n["displayName"]: n for n in wf["status"]["nodes"].values()}


@fact("TestSuspendTemplate", "suspend")
def test_resume_lets_the_next_step_run(argo) -> None:
    def check(wf: dict) -> None:
        nodes = _names(wf)
        assert wf["status"]["phase"] == "Succeeded"
        assert nodes["approve"]["phase"] == "Succeeded"
        assert nodes["release"]["phase"] == "Succeeded"

    _suspend_fact(argo, "resume", {}, check)


@fact("TestSuspendTemplateWithFilteredResume (a selector on the node's input)", "suspend")
def test_resume_by_an_input_parameter_selector(argo) -> None:
    def check(wf: dict) -> None:
        assert wf["status"]["phase"] == "Succeeded"
        assert _names(wf)["release"]["phase"] == "Succeeded"

    _suspend_fact(argo, "resume", {"nodeFieldSelector": "inputs.parameters.param1.value=value1"}, check)


@fact("TestSuspendTemplateWithFailedResume", "suspend")
def test_stop_with_a_selector_fails_the_suspend_node(argo) -> None:
    def check(wf: dict) -> None:
        nodes = _names(wf)
        assert wf["status"]["phase"] == "Failed"
        assert (nodes["approve"]["phase"], nodes["approve"]["message"]) == ("Failed", "Step failed!")
        assert "release" not in nodes
        assert "shutdown" not in wf["spec"]

    _suspend_fact(
        argo, "stop", {"nodeFieldSelector": "inputs.parameters.param1.value=value1", "message": "Step failed!"}, check
    )


@fact("TestFailSuspendedAndPendingNodesAfterDeadline", "suspend")
def test_suspended_steps_fail_at_the_workflow_deadline(argo) -> None:
    run, _ = replay(
        argo,
        """
        metadata: {name: steps-9fvnv}
        spec:
          activeDeadlineSeconds: 3
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: approve, template: approve}
          - name: approve
            suspend: {}
        """,
        time_scale=0.02,
    )
    assert run.phase == "Failed"
    for node in run.nodes.values():
        assert node["phase"] == "Failed", node["name"]


@fact("TestFailNodesWithoutCreatedPodsAfterDeadlineOrShutdown/RetryNodeMarkedFailedOnTerminate", "retry")
def test_terminate_fails_a_retry_node_with_the_strategy_message(argo) -> None:
    manifest = {
        "metadata": {"name": "retry-node"},
        "spec": {"entrypoint": "main", "templates": [{
            "name": "main", "retryStrategy": {"limit": 3},
            "container": {"image": "alpine", "command": ["sh", "-c"], "args": ["sleep 60"]}}]},
    }

    async def go(client) -> None:
        r = await client.post(NS, json={"workflow": manifest})
        assert r.status_code == 200, r.text
        await wait_for(client, "retry-node", running_pod)
        assert (await client.put(f"{NS}/retry-node/terminate", json={})).status_code == 200
        wf = await wait_for(client, "retry-node")
        retry = wf["status"]["nodes"]["retry-node"]
        assert retry["type"] == "Retry"
        assert (retry["phase"], retry["message"]) == ("Failed", "Stopped with strategy 'Terminate'")
        assert len(retry["children"]) == 1

    api_fact(argo.settings, go)


@fact("TestDagTwoChildrenWithNonExpectedNodeType", "dag")
def test_a_task_with_two_dependents_lists_both_as_children(argo) -> None:
    run, _ = replay(
        argo,
        """
        metadata: {name: ingest-pipeline}
        spec:
          arguments:
            parameters: [{name: job_name, value: all_the_data}]
          entrypoint: ingest-task
          templates:
          - name: ingest-task
            dag:
              tasks:
              - {name: ing, dependencies: [sent], template: ingest-collections}
              - {name: mat, dependencies: [sent], template: materializations}
              - {name: sent, template: sentinel, arguments: {parameters: [{name: job_name, value: all_the_data}]}}
          - name: sentinel
            inputs:
              parameters: [{name: job_name}]
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo got sentinel for {{inputs.parameters.job_name}}"]}
          - name: ingest-collections
            steps:
            - - {name: get-ingest-collections, template: echo}
          - name: materializations
            steps:
            - - {name: get-materializations, template: echo}
          - name: echo
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo hi"]}
        """,
    )
    assert run.phase == "Succeeded"
    sent = run.node("sent")
    assert sorted(sent["children"]) == sorted([run.node("ing")["id"], run.node("mat")["id"]])
