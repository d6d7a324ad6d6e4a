"""Lifecycle hooks (``hooks`` other than ``exit``) of the workflow, of steps and of DAG tasks.

Facts from Argo's controller (workflow/controller/hooks.go, hooks_test.go) and its e2e suite
(test/e2e/hooks_test.go). Sleeps are shortened: the engine evaluates a hook on every change of the hooked
node, so a Running phase is seen however short it is.
"""

from __future__ import annotations

import pytest


def _hooks(run, name_part: str) -> list[dict]:
    return [n for n in run.nodes.values() if name_part in n["name"]]


@pytest.mark.fact("hooks", "test/e2e/hooks_test.go:TestWorkflowLevelHooksSuccessVersion")
def test_workflow_hooks_running_and_succeeded_both_fire(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: lifecycle-hook}
        spec:
          entrypoint: main
          hooks:
            running: {expression: workflow.status == "Running", template: argosay}
            succeed: {expression: workflow.status == "Succeeded", template: argosay}
          templates:
            - name: main
              steps:
              - - {name: step1, template: argosay}
            - name: argosay
              container: {image: argoproj/argosay:v2, args: [echo, hi]}
        """
    )
    assert run.phase == "Succeeded"
    assert run.nodes["lifecycle-hook.hooks.running"]["phase"] == "Succeeded"
    assert run.nodes["lifecycle-hook.hooks.succeed"]["phase"] == "Succeeded"


@pytest.mark.fact(
    "hooks", "test/e2e/hooks_test.go:TestWorkflowLevelHooksSuccessVersion (as written: sh -c '…; /argosay')"
)
def test_workflow_hooks_as_argo_writes_them(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: lifecycle-hook}
        spec:
          entrypoint: main
          hooks:
            running: {expression: workflow.status == "Running", template: argosay}
            succeed: {expression: workflow.status == "Succeeded", template: argosay}
          templates:
            - name: main
              steps:
              - - {name: step1, template: argosay}
            - name: argosay
              container:
                image: argoproj/argosay:v2
                command: ["/bin/sh", "-c"]
                args: ["/bin/sleep 0.2; /argosay"]
        """
    )
    assert run.phase == "Succeeded"
    assert run.nodes["lifecycle-hook.hooks.succeed"]["phase"] == "Succeeded"


@pytest.mark.fact("hooks", "test/e2e/hooks_test.go:TestWorkflowLevelHooksFailVersion")
def test_workflow_hook_on_failed_fires_when_the_workflow_fails(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: lifecycle-hook}
        spec:
          entrypoint: main
          hooks:
            running: {expression: workflow.status == "Running", template: hook}
            failed: {expression: workflow.status == "Failed", template: hook}
          templates:
            - name: main
              steps:
              - - {name: step1, template: fail}
            - name: fail
              container: {image: argoproj/argosay:v2, args: [exit, "1"]}
            - name: hook
              container: {image: argoproj/argosay:v2, args: [echo, hook]}
        """
    )
    assert run.phase == "Failed"
    assert run.nodes["lifecycle-hook.hooks.running"]["phase"] == "Succeeded"
    assert run.nodes["lifecycle-hook.hooks.failed"]["phase"] == "Succeeded"


@pytest.mark.fact(
    "hooks", "workflow/controller/hooks.go:executeWfLifeCycleHook (addChildNode(wf.Name, hookNodeName))"
)
def test_workflow_hooks_are_hooked_children_of_the_root_node(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: wf-hooks}
        spec:
          entrypoint: main
          hooks:
            running: {expression: workflow.status == "Running", template: hook}
          templates:
            - name: main
              steps:
              - - {name: a, template: hook}
            - name: hook
              container: {image: argoproj/argosay:v2, args: [echo, hi]}
        """
    )
    hook = run.nodes["wf-hooks.hooks.running"]
    assert hook["nodeFlag"] == {"hooked": True}
    assert hook["id"] in run.nodes["wf-hooks"]["children"]
    assert "boundaryID" not in hook


@pytest.mark.fact("hooks", "test/e2e/hooks_test.go:TestTemplateLevelHooksStepSuccessVersion")
def test_step_hooks_running_and_succeeded(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: tmpl-hooks}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
                - - name: step-1
                    hooks:
                      running: {expression: 'steps["step-1"].status == "Running"', template: argosay}
                      succeed: {expression: 'steps["step-1"].status == "Succeeded"', template: argosay}
                    template: argosay
                - - name: step-2
                    hooks:
                      running: {expression: 'steps["step-2"].status == "Running"', template: argosay}
                      succeed: {expression: 'steps["step-2"].status == "Succeeded"', template: argosay}
                    template: argosay
            - name: argosay
              container: {image: argoproj/argosay:v2, args: [sleep, 0.1s]}
        """
    )
    assert run.phase == "Succeeded"
    for name in (
        "step-1.hooks.running",
        "step-1.hooks.succeed",
        "step-2.hooks.running",
        "step-2.hooks.succeed",
    ):
        (node,) = _hooks(run, name)
        assert node["phase"] == "Succeeded", name


@pytest.mark.fact("hooks", "test/e2e/hooks_test.go:TestTemplateLevelHooksStepFailVersion")
def test_step_hook_on_failed(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: tmpl-hooks}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
                - - name: step-1
                    hooks:
                      running: {expression: 'steps["step-1"].status == "Running"', template: hook}
                      failed: {expression: 'steps["step-1"].status == "Failed"', template: hook}
                    template: fail
            - name: fail
              container: {image: argoproj/argosay:v2, args: [exit, "1"]}
            - name: hook
              container: {image: argoproj/argosay:v2, args: [echo, hook]}
        """
    )
    assert run.phase == "Failed"
    (failed,) = _hooks(run, "step-1.hooks.failed")
    (running,) = _hooks(run, "step-1.hooks.running")
    assert failed["phase"] == running["phase"] == "Succeeded"


@pytest.mark.fact("hooks", "test/e2e/hooks_test.go:TestTemplateLevelHooksDagSuccessVersion")
def test_dag_task_hooks(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: dag-hooks}
        spec:
          entrypoint: main
          templates:
            - name: main
              dag:
                tasks:
                  - name: step-1
                    hooks:
                      running: {expression: 'tasks["step-1"].status == "Running"', template: argosay}
                      succeed: {expression: 'tasks["step-1"].status == "Succeeded"', template: argosay}
                    template: argosay
                  - name: step-2
                    hooks:
                      running: {expression: 'tasks["step-2"].status == "Running"', template: argosay}
                      succeed: {expression: 'tasks["step-2"].status == "Succeeded"', template: argosay}
                    template: argosay
                    dependencies: [step-1]
            - name: argosay
              container: {image: argoproj/argosay:v2, args: [sleep, 0.1s]}
        """
    )
    assert run.phase == "Succeeded"
    for name in (
        "dag-hooks.step-1.hooks.succeed",
        "dag-hooks.step-1.hooks.running",
        "dag-hooks.step-2.hooks.succeed",
    ):
        assert run.nodes[name]["phase"] == "Succeeded", name


@pytest.mark.fact("hooks", "test/e2e/hooks_test.go:TestTemplateLevelHooksDagFailVersion")
def test_dag_task_hook_on_failed(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: dag-hooks}
        spec:
          entrypoint: main
          templates:
            - name: main
              dag:
                tasks:
                  - name: step-1
                    hooks:
                      running: {expression: 'tasks["step-1"].status == "Running"', template: hook}
                      failed: {expression: 'tasks["step-1"].status == "Failed"', template: hook}
                    template: fail
            - name: fail
              container: {image: argoproj/argosay:v2, args: [exit, "1"]}
            - name: hook
              container: {image: argoproj/argosay:v2, args: [echo, hook]}
        """
    )
    assert run.phase == "Failed"
    assert run.nodes["dag-hooks.step-1.hooks.failed"]["phase"] == "Succeeded"
    assert run.nodes["dag-hooks.step-1.hooks.running"]["phase"] == "Succeeded"


@pytest.mark.fact("hooks", "test/e2e/hooks_test.go:TestTemplateLevelHooksDagHasDependencyVersion")
def test_hooks_that_do_not_fire_make_no_nodes_and_progress_counts_hooks(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: dep-hooks}
        spec:
          entrypoint: main
          templates:
            - name: main
              dag:
                tasks:
                  - name: A
                    template: fail
                    hooks:
                      running: {template: hook, expression: tasks.A.status == "Running"}
                      success: {template: hook, expression: tasks.A.status == "Succeeded"}
                  - name: B
                    template: success
                    dependencies: [A]
                    hooks:
                      running: {template: hook, expression: tasks.B.status == "Running"}
                      success: {template: hook, expression: tasks.B.status == "Succeeded"}
            - name: success
              container: {image: argoproj/argosay:v2, args: [exit, "0"]}
            - name: fail
              container: {image: argoproj/argosay:v2, args: [exit, "1"]}
            - name: hook
              container: {image: argoproj/argosay:v2, args: [echo, hook]}
        """
    )
    assert run.phase == "Failed"
    assert run.status["progress"] == "1/2"  # A (failed) and its running hook; nothing else ran
    assert run.nodes["dep-hooks.A.hooks.running"]["phase"] == "Succeeded"
    assert "dep-hooks.A.hooks.success" not in run.nodes
    assert run.nodes["dep-hooks.B"]["phase"] == "Omitted"
    assert not [n for n in run.nodes if n.startswith("dep-hooks.B.hooks")]


@pytest.mark.fact("hooks", "test/e2e/hooks_test.go:TestWorkflowLevelHooksWaitForTriggeredHook")
def test_workflow_waits_for_a_triggered_workflow_hook(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: wait-hook}
        spec:
          entrypoint: main
          hooks:
            running: {expression: workflow.status == "Running", template: slow}
            failed: {expression: workflow.status == "Failed", template: slow}
          templates:
            - name: main
              steps:
              - - {name: step1, template: quick}
            - name: quick
              container: {image: argoproj/argosay:v2, args: [echo, hi]}
            - name: slow
              container: {image: argoproj/argosay:v2, args: [sleep, 0.5s]}
        """
    )
    assert run.phase == "Succeeded"
    assert run.status["progress"] == "2/2"
    assert run.nodes["wait-hook.hooks.running"]["phase"] == "Succeeded"
    assert "wait-hook.hooks.failed" not in run.nodes


@pytest.mark.fact("hooks", "workflow/controller/hooks_test.go:TestWfHookWfWaitForTriggeredHook")
def test_workflow_hook_on_a_pod_root_finishes_before_the_workflow(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: hook-running}
        spec:
          entrypoint: main
          hooks:
            running: {expression: workflow.status == "Running", template: sleep}
            failure: {expression: workflow.status == "Failed", template: sleep}
          templates:
            - name: main
              container: {image: alpine:3.23, command: [sh, -c], args: ["echo", "This template finish fastest"]}
            - name: sleep
              script: {image: alpine:3.23, command: [sh], source: "sleep 0.5"}
        """
    )
    assert run.phase == "Succeeded"
    assert run.status["progress"] == "2/2"
    root = run.nodes["hook-running"]
    assert root["phase"] == "Succeeded" and "nodeFlag" not in root
    hook = run.nodes["hook-running.hooks.running"]
    assert hook["phase"] == "Succeeded" and hook["nodeFlag"] == {"hooked": True}
    assert hook["finishedAt"] <= run.status["finishedAt"]


@pytest.mark.fact("hooks", "test/e2e/hooks_test.go:TestTemplateLevelHooksWaitForTriggeredHook")
def test_step_group_waits_for_a_triggered_step_hook(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: example-steps}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
                - - name: job
                    template: quick
                    hooks:
                      running: {expression: "steps['job'].status == \\"Running\\"", template: slow}
                      failed: {expression: "steps['job'].status == \\"Failed\\"", template: slow}
            - name: quick
              container: {image: argoproj/argosay:v2, args: [sleep, 0.2s]}
            - name: slow
              container: {image: argoproj/argosay:v2, args: [sleep, 0.5s]}
        """
    )
    assert run.phase == "Succeeded"
    assert run.status["progress"] == "2/2"
    (hook,) = _hooks(run, "job.hooks.running")
    assert hook["phase"] == "Succeeded"
    assert hook["finishedAt"] <= run.nodes["example-steps[0]"]["finishedAt"]


@pytest.mark.fact(
    "hooks", "test/e2e/hooks_test.go:TestTemplateLevelHooksWaitForTriggeredHookAndRespectSynchronization"
)
def test_hooks_respect_a_mutex_of_their_template(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: hook-mutex}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
                - - name: job
                    template: exit0
                    hooks:
                      running: {expression: "steps['job'].status == \\"Running\\"", template: sleep}
                      succeed: {expression: "steps['job'].status == \\"Succeeded\\"", template: sleep}
            - name: sleep
              synchronization:
                mutexes: [{name: job}]
              container: {image: argoproj/argosay:v2, args: [sleep, 0.4s]}
            - name: exit0
              container: {image: argoproj/argosay:v2, args: [sleep, 0.2s]}
        """
    )
    assert run.phase == "Succeeded"
    assert run.status["progress"] == "3/3"
    (running,) = _hooks(run, "job.hooks.running")
    (succeed,) = _hooks(run, "job.hooks.succeed")
    assert running["phase"] == succeed["phase"] == "Succeeded"
    # the mutex serializes the two hooks: one starts only when the other has finished
    first, second = sorted([running, succeed], key=lambda n: n["startedAt"])
    assert first["finishedAt"] <= second["finishedAt"]


@pytest.mark.fact("hooks", "test/e2e/hooks_test.go:TestWorkflowLevelHooksWithRetry")
def test_workflow_hooks_on_a_retried_root(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: test-workflow-level-hooks-with-retry}
        spec:
          templates:
            - name: argosay
              container: {image: alpine:3.23, command: [/bin/sh, -c], args: ["sleep 0.2; exit 1"]}
              retryStrategy: {limit: 1}
            - name: hook
              container: {image: argoproj/argosay:v2, args: [echo, hook]}
          entrypoint: argosay
          hooks:
            failed: {template: hook, expression: workflow.status == "Failed"}
            running: {template: hook, expression: workflow.status == "Running"}
        """
    )
    name = "test-workflow-level-hooks-with-retry"
    assert run.phase == "Failed"
    assert run.status["progress"] == "2/4"
    for hook in ("running", "failed"):
        node = run.nodes[f"{name}.hooks.{hook}"]
        assert node["phase"] == "Succeeded"
        assert node["nodeFlag"] == {"hooked": True}
    root = run.nodes[name]
    assert (root["phase"], root["type"]) == ("Failed", "Retry")
    assert "nodeFlag" not in root
    for attempt in ("(0)", "(1)"):
        node = run.nodes[name + attempt]
        assert node["phase"] == "Failed"
        assert node["nodeFlag"] == {"retried": True}


@pytest.mark.fact("hooks", "test/e2e/hooks_test.go:TestTemplateLevelHooksWithRetry")
def test_step_hooks_on_a_retried_step_are_children_of_the_retry_node(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: retries-with-hooks-and-artifact}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
                - - name: build
                    template: output-artifact
                    hooks:
                      started: {expression: 'steps["build"].status == "Running"', template: started}
                      success: {expression: 'steps["build"].status == "Succeeded"', template: success}
                      failed:
                        expression: steps["build"].status == "Failed" || steps["build"].status == "Error"
                        template: failed
                - - name: print
                    template: print-artifact
                    arguments:
                      artifacts:
                        - {name: message, from: "{{steps.build.outputs.artifacts.result}}"}
            - name: output-artifact
              script:
                image: alpine:3.23
                command: [/bin/sh]
                source: |
                  echo 'Welcome' > /tmp/result.txt
                  [ "{{retries}}" = "2" ]
              retryStrategy: {limit: 2}
              outputs:
                artifacts:
                  - {name: result, path: /tmp/result.txt}
            - name: started
              container: {image: argoproj/argosay:v2, args: ["echo", "STARTED!"]}
            - name: success
              container: {image: argoproj/argosay:v2, args: ["echo", "SUCCEEDED!"]}
            - name: failed
              container: {image: argoproj/argosay:v2, args: ["echo", "FAILED or ERROR!"]}
            - name: print-artifact
              inputs:
                artifacts:
                  - {name: message, path: /tmp/message}
              container: {image: argoproj/argosay:v2, args: ["cat", "/tmp/message"]}
        """
    )
    name = "retries-with-hooks-and-artifact"
    assert run.phase == "Succeeded"
    (retry,) = [n for n in run.nodes.values() if n["type"] == "Retry"]
    assert retry["phase"] == "Succeeded"
    children = retry["children"]
    attempt0 = run.nodes[f"{name}[0].build(0)"]
    assert attempt0["id"] in children and attempt0["nodeFlag"] == {"retried": True}
    for hook in ("started", "success"):
        node = run.nodes[f"{name}[0].build.hooks.{hook}"]
        assert node["id"] in children
        assert node["nodeFlag"] == {"hooked": True}
        assert node["phase"] == "Succeeded"
    assert f"{name}[0].build.hooks.failed" not in run.nodes
    assert run.nodes[f"{name}[1].print"]["phase"] == "Succeeded"
    assert retry["outputs"]["artifacts"][0]["name"] == "result"


@pytest.mark.fact(
    "hooks",
    "workflow/controller/hooks.go:executeTmplLifeCycleHook (the Retry node's phase is the step's status)",
)
def test_failed_hook_of_a_retried_step_waits_for_the_last_attempt(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: retry-failed-hook}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
                - - name: build
                    template: flaky
                    hooks:
                      failed: {expression: 'steps["build"].status == "Failed"', template: hook}
            - name: flaky
              retryStrategy: {limit: 2}
              script:
                image: alpine:3.23
                command: [sh]
                source: '[ "{{retries}}" = "1" ]'
            - name: hook
              container: {image: argoproj/argosay:v2, args: [echo, hook]}
        """
    )
    # attempt (0) failed, but the step (its Retry node) never did: the hook must not fire
    assert run.phase == "Succeeded"
    assert run.nodes["retry-failed-hook[0].build(0)"]["phase"] == "Failed"
    assert "retry-failed-hook[0].build.hooks.failed" not in run.nodes


@pytest.mark.fact("hooks", "workflow/controller/dag.go:dependenciesFulfilled (CheckAllHooksFullfilled)")
def test_dependents_wait_for_the_hooks_of_their_dependency(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: dep-waits}
        spec:
          entrypoint: main
          templates:
            - name: main
              dag:
                tasks:
                  - name: A
                    template: quick
                    hooks:
                      done: {expression: tasks.A.status == "Succeeded", template: slow}
                  - {name: B, dependencies: [A], template: quick}
            - name: quick
              container: {image: argoproj/argosay:v2, args: [echo, hi]}
            - name: slow
              container: {image: argoproj/argosay:v2, args: [sleep, 0.5s]}
        """
    )
    assert run.phase == "Succeeded"
    hook = run.nodes["dep-waits.A.hooks.done"]
    b = run.nodes["dep-waits.B"]
    assert hook["finishedAt"] <= b["startedAt"]


@pytest.mark.fact(
    "hooks",
    "workflow/controller/hooks.go:executeTmplLifeCycleHook (resolveExitTmplArgument); validate.go: a task's own outputs are in its scope",
)
def test_hook_arguments_see_the_outputs_of_the_hooked_task(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: hook-args}
        spec:
          entrypoint: main
          templates:
            - name: main
              dag:
                tasks:
                  - name: produce
                    template: produce
                    hooks:
                      done:
                        expression: tasks.produce.status == "Succeeded"
                        template: show
                        arguments:
                          parameters:
                            - {name: msg, value: "{{tasks.produce.outputs.parameters.out}}"}
            - name: produce
              container: {image: alpine:3.23, command: [sh, -c], args: ["echo hello > /tmp/out"]}
              outputs:
                parameters:
                  - {name: out, valueFrom: {path: /tmp/out}}
            - name: show
              inputs:
                parameters: [{name: msg}]
              container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.msg}}"]}
        """
    )
    assert run.phase == "Succeeded"
    hook = run.nodes["hook-args.produce.hooks.done"]
    assert hook["inputs"]["parameters"][0]["value"] == "hello"


@pytest.mark.fact(
    "hooks",
    "workflow/validate/validate.go:validateSteps (a step's own outputs are in scope only with an exit hook)",
)
def test_step_hook_arguments_may_not_use_the_steps_own_outputs(argo) -> None:
    errors = argo.lint_errors(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: hook-args}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
                - - name: produce
                    template: produce
                    hooks:
                      done:
                        expression: steps.produce.status == "Succeeded"
                        template: show
                        arguments:
                          parameters:
                            - {name: msg, value: "{{steps.produce.outputs.parameters.out}}"}
            - name: produce
              container: {image: alpine:3.23, command: [sh, -c], args: ["echo hello > /tmp/out"]}
              outputs:
                parameters:
                  - {name: out, valueFrom: {path: /tmp/out}}
            - name: show
              inputs:
                parameters: [{name: msg}]
              container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.msg}}"]}
        """
    )
    assert any("failed to resolve {{steps.produce.outputs.parameters.out}}" in e for e in errors)


@pytest.mark.fact("hooks", "workflow/controller/hooks_test.go:TestWfHookHasFailures")
def test_workflow_failed_hook_sees_workflow_failures(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: hook-failures}
        spec:
          entrypoint: intentional-fail
          hooks:
            failure:
              expression: workflow.status == "Failed"
              template: message
              arguments:
                parameters:
                  - name: message
                    value: "Workflow {{ workflow.name }} {{ workflow.status }}"
          templates:
            - name: intentional-fail
              container: {image: alpine:3.23, command: [sh, -c], args: ["echo intentional failure; exit 1"]}
            - name: message
              inputs:
                parameters: [{name: message}]
              script: {image: alpine:3.23, command: [sh], source: "echo {{ inputs.parameters.message }}"}
        """
    )
    assert run.phase == "Failed"
    hook = run.nodes["hook-failures.hooks.failure"]
    assert hook["nodeFlag"] == {"hooked": True}
    assert hook["inputs"]["parameters"][0]["value"] == "Workflow hook-failures Failed"
    assert hook["outputs"]["result"] == "Workflow hook-failures Failed"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param(
            """
            entrypoint: message
            hooks:
              failure: {template: message}
            templates:
            - name: message
              script: {image: alpine:3.23, command: [sh], source: echo Hi}
            """,
            "invalid spec: hooks.failure Expression required",
            id="workflow",
            marks=pytest.mark.fact("hooks", "workflow/controller/hooks_test.go:TestWfHookNoExpression"),
        ),
        pytest.param(
            """
            entrypoint: main
            templates:
            - name: main
              steps:
              - - name: step-1
                  template: message
                  hooks:
                    foo: {template: message}
            - name: message
              script: {image: alpine:3.23, command: [sh], source: echo Hi}
            """,
            "invalid spec: templates.main.steps[0].step-1.foo Expression required",
            id="step",
            marks=pytest.mark.fact("hooks", "workflow/controller/hooks_test.go:TestStepHookNoExpression"),
        ),
    ],
)
def test_hook_without_expression_is_an_invalid_spec(argo, spec: str, message: str) -> None:
    from tests.conformance.argo_facts._util import wf

    assert message.removeprefix("invalid spec: ") in argo.lint_errors(wf(spec))  # argo lint, argo submit
    run = argo.run(wf(spec), lint=False)  # applied with kubectl: the controller's validation
    assert run.phase == "Failed"
    assert run.message == message
