"""Argo's controller unit tests replayed: the pods of a workflow put into given states, then the node tree read.

Facts from workflow/controller/operator_test.go (and the operator code the tests drive: ``processNodeRetries``,
``executeSteps``, ``expandStep``, ``executeTemplate``). Argo's tests create pods through a fake clientset and
flip their phases between calls of ``woc.operate()``; here `_replay.Scripted` plays each pod's end (exit code,
stdout, a pod error) on the fake executor, so each fact runs in milliseconds and never depends on timing.

Tests of operator_test.go left out, as pure Kubernetes mechanics of no meaning to a local engine:
TestOperateWorkflowPanicRecover (a controller panic recovered by the informer loop),
Test_wfOperationCtx_reapplyUpdate (optimistic-concurrency re-apply of a resource update),
TestSidecarWithVolume / TestSidecarResourceLimits (the executor sidecar's volume mounts and limits),
TestVolumeGCStrategy / TestDeletePVCDoesNotDeletePVCOnFailedWorkflow (PVC deletion),
TestGetPodTemplate / TestGetPodDeadline (reading pod annotations back), TestWokflowSchedulingConstraints*
(affinity copied into pod specs), TestEventNodeEvents* (Kubernetes events), TestGetPodByNode (informer index),
TestPDBCreation* (PodDisruptionBudgets), TestPodSpecLogFor* (controller log lines), TestPanicMetric /
TestWorkflowStatusMetric (Prometheus), TestResourceTemplate / TestResourceWithOwnerReferenceTemplate (kubectl
resource templates), TestStorageQuota / TestRetryWhenEncounterExceededQuota (ResourceQuota admission),
TestPodHasContainerNeedingTermination / TestPodFailureWith* / TestInferFailedReason_* (kubelet container
states), TestRetryOnDiffHost / TestRetryOnNodeAntiAffinity* (pod anti-affinity on retries),
TestSetWFPodNamesAnnotation (pod-name annotation), TestWorkflowNeedReconcile / TestWorkflowRunningButLabelCompleted
/ TestReOperateCompletedWf (informer labels and re-queues), TestContainerSetWhenPodDeleted* (a pod deleted by
kubectl), TestCheckForbiddenErrorAndResbmitAllowed (API-server 403s), TestResubmitPendingPods (pending pods
resubmitted after an admission error), TestWfPendingWithNoPod / TestMutexWfPendingWithNoPod (the pod informer
not yet seeing a created pod), TestRetriesVariableInPodSpecPatch / TestRetriesVariableWithGlobalVariableInPodSpecPatch
/ TestLastRetryVariableInPodSpecPatch (podSpecPatch merged into a Kubernetes pod), TestMaxDepthEnvVariable
(the controller's DISABLE_MAX_RECURSION environment).

Ported in test_operator_replay_more.py: TestWorkflowTemplateOnExitValidation,
TestWorkflowTemplateEntryPointValidation, TestDagTwoChildrenContainerSet, TestGetOutboundNodesFromDAGContainerset,
TestMarksWFSucceeded (and facts of other controller test files). Ported in test_operator_replay_rest.py:
TestSuspendResume, TestEstimatedDuration, TestResourcesDuration, TestSubstituteGlobalVariablesLabelsAnnotations,
TestAddGlobalArtifactToScope, TestParamSubstitutionWithArtifact, TestGlobalParamSubstitutionWithArtifact,
TestPropagateMaxDurationProcess (TestCheckTemplateTimeouts's pendingTimeout is left out: it needs a Pending
pod). Not ported yet (they apply locally; left for a later pass): TestAssessNodeStatus,
TestResubmitMemoization, TestResubmitParamsOverride, TestRetryParamsOverride,
TestControllerReferenceMode / TestValidReferenceMode / TestReferenceModeBlocksDisallowedFields,
and the Go-helper tests (TestGenerateNodeName, TestHasOutputResultRef, TestGetStepOrDAGTaskName,
TestGenerateOutputResultRegex, TestGetChildNodeIdsAndLastRetriedNode, TestAddGlobalParamToScope).
"""

from __future__ import annotations

import json

import pytest

from argento.executors.base import StepResult

from ._replay import Concurrency, Scripted, replay

SRC = "workflow/controller/operator_test.go"


def fact(test: str, category: str = "operator") -> pytest.MarkDecorator:
    return pytest.mark.fact(category, f"{SRC}:{test}")


def _children(run, name: str) -> list[dict]:
    nodes = run.status["nodes"]
    return [nodes[c] for c in run.nodes[name].get("children", [])]


RETRY = """
metadata: {{name: {name}}}
spec:
  entrypoint: main
  templates:
  - name: main
    retryStrategy: {strategy}
    container: {{image: alpine:3.23, command: [sh, -c, 'exit 0']}}
"""


# -- processNodeRetries ------------------------------------------------------------------------------------------
@fact("TestProcessNodeRetries", "retry")
def test_retry_node_succeeds_with_its_first_succeeded_attempt(argo) -> None:
    run, fake = replay(argo, RETRY.format(name="retries-ok", strategy="{limit: 2}"),
                       script=Scripted({"main": [1, 1, 0]}))
    assert run.phase == "Succeeded"
    assert run.nodes["retries-ok"]["phase"] == "Succeeded"
    assert [c["phase"] for c in _children(run, "retries-ok")] == ["Failed", "Failed", "Succeeded"]
    assert all(c["nodeFlag"] == {"retried": True} for c in _children(run, "retries-ok"))
    assert len(fake.started) == 3


@fact("TestProcessNodeRetries (a third failed attempt: the Retry node fails)", "retry")
def test_retry_node_fails_once_the_limit_is_used_up(argo) -> None:
    run, fake = replay(argo, RETRY.format(name="retries-out", strategy="{limit: 2}"),
                       script=Scripted({"main": [1]}))
    assert run.phase == "Failed"
    root = run.nodes["retries-out"]
    assert (root["phase"], root["message"]) == ("Failed", "No more retries left")
    assert [c["phase"] for c in _children(run, "retries-out")] == ["Failed"] * 3
    assert len(fake.started) == 3


@fact("TestProcessNodesNoRetryWithError", "retry")
def test_on_failure_policy_does_not_retry_an_errored_attempt(argo) -> None:
    run, fake = replay(argo, RETRY.format(name="no-retry-err", strategy="{limit: 2, retryPolicy: OnFailure}"),
                       script=Scripted({"main": ["pod deleted"]}))
    assert run.phase == "Error"
    root = run.nodes["no-retry-err"]
    assert root["phase"] == "Error"
    assert [c["phase"] for c in _children(run, "no-retry-err")] == ["Error"]
    assert len(fake.started) == 1


@fact("TestProcessNodesNoRetryWithError (policy OnError retries the errored attempt)", "retry")
def test_on_error_policy_retries_an_errored_attempt(argo) -> None:
    run, _ = replay(argo, RETRY.format(name="retry-err", strategy="{limit: 2, retryPolicy: OnError}"),
                    script=Scripted({"main": ["pod deleted", 0]}))
    assert run.phase == "Succeeded"
    assert [c["phase"] for c in _children(run, "retry-err")] == ["Error", "Succeeded"]


@fact("TestProcessNodeRetriesMessageOrder (expression false: no retry, Argo's message)", "retry")
def test_expression_false_ends_the_retry_node_with_its_message(argo) -> None:
    run, fake = replay(
        argo, RETRY.format(name="expr-false", strategy="{limit: 1, retryPolicy: Always, expression: 'false'}"),
        script=Scripted({"main": [1]}),
    )
    root = run.nodes["expr-false"]
    assert (root["phase"], root["message"]) == ("Failed", "retryStrategy.expression evaluated to false")
    assert len(fake.started) == 1


@fact("TestProcessNodeRetriesMessageOrder (policy mismatch: the attempt's own phase, no expression)", "retry")
def test_policy_mismatch_is_decided_before_the_expression(argo) -> None:
    run, fake = replay(
        argo, RETRY.format(name="expr-skip", strategy="{limit: 1, retryPolicy: OnFailure, expression: 'false'}"),
        script=Scripted({"main": ["pod deleted"]}),
    )
    root = run.nodes["expr-skip"]
    assert root["phase"] == "Error"
    assert root["message"] != "retryStrategy.expression evaluated to false"
    assert len(fake.started) == 1


@fact("TestProcessNodeRetriesMessageOrder (limit reached: no expression, 'No more retries left')", "retry")
def test_limit_is_checked_before_the_expression(argo) -> None:
    run, fake = replay(
        argo, RETRY.format(name="expr-limit", strategy="{limit: 1, retryPolicy: OnFailure, expression: 'true'}"),
        script=Scripted({"main": [1]}),
    )
    root = run.nodes["expr-limit"]
    assert (root["phase"], root["message"]) == ("Failed", "No more retries left")
    assert len(fake.started) == 2


@fact("TestProcessNodeRetriesOnTransientErrors", "retry")
def test_transient_error_pattern_makes_an_error_retryable(argo, monkeypatch) -> None:
    monkeypatch.setenv("TRANSIENT_ERROR_PATTERN", "This error is transient")
    run, _fake = replay(
        argo, RETRY.format(name="transient", strategy="{limit: 2, retryPolicy: OnTransientError}"),
        script=Scripted({"main": ["This error is transient", 0]}),
    )
    assert run.phase == "Succeeded"
    assert [c["phase"] for c in _children(run, "transient")] == ["Error", "Succeeded"]


@fact("TestProcessNodeRetriesOnTransientErrors (an error that matches no pattern is not retried)", "retry")
def test_non_transient_error_is_not_retried(argo, monkeypatch) -> None:
    monkeypatch.delenv("TRANSIENT_ERROR_PATTERN", raising=False)
    run, fake = replay(
        argo, RETRY.format(name="not-transient", strategy="{limit: 2, retryPolicy: OnTransientError}"),
        script=Scripted({"main": ["This error is transient"]}),
    )
    assert run.phase == "Error"
    assert len(fake.started) == 1


@fact("TestStepsRetriesVariable", "retry")
def test_retries_variable_of_a_retried_steps_template(argo) -> None:
    run, fake = replay(
        argo,
        """
        metadata: {name: whalesay}
        spec:
          entrypoint: step-retry
          templates:
          - name: step-retry
            retryStrategy: {limit: 10}
            steps:
              - - name: whalesay-success
                  arguments:
                    parameters: [{name: retries, value: "{{retries}}"}]
                  template: whalesay
          - name: whalesay
            inputs:
              parameters: [{name: retries}]
            container: {image: docker/whalesay:latest, command: [sh, -c], args: ["cowsay {{inputs.parameters.retries}}"]}
        """,
        script=Scripted({"whalesay": [1, 1, 1, 1, 0]}),
    )
    assert run.phase == "Succeeded"
    assert sorted(p.args[0] for p in fake.started) == [f"cowsay {i}" for i in range(5)]


# -- parallelism -------------------------------------------------------------------------------------------------
@fact("TestWorkflowParallelismLimit", "steps")
def test_workflow_parallelism_limits_running_pods(argo) -> None:
    items = ["this", "workflow", "should", "take", "at", "least", "60", "seconds", "to", "complete"]
    script = Concurrency(2, len(items))
    run, fake = replay(
        argo,
        f"""
        metadata: {{name: parallelism-limit}}
        spec:
          entrypoint: parallelism-limit
          parallelism: 2
          templates:
          - name: parallelism-limit
            steps:
            - - {{name: sleep, template: sleep, withItems: {json.dumps(items)}}}
          - name: sleep
            container: {{image: alpine:3.23, command: [sh, -c, sleep 10]}}
        """,
        script=script,
    )
    assert run.phase == "Succeeded"
    assert script.most == 2
    assert len(fake.started) == 10


@fact("TestDAGTemplateParallelismLimit", "dag")
def test_dag_template_parallelism_limits_running_pods(argo) -> None:
    script = Concurrency(2, 5)
    run, fake = replay(
        argo,
        """
        metadata: {name: dag-parallelism-limit}
        spec:
          entrypoint: dag-parallelism-limit
          templates:
          - name: dag-parallelism-limit
            parallelism: 2
            dag:
              tasks:
              - {name: a, template: sleep}
              - {name: b, template: sleep}
              - {name: c, template: sleep}
              - {name: d, template: sleep}
              - {name: e, template: sleep}
          - name: sleep
            container: {image: alpine:3.23, command: [sh, -c, sleep 10]}
        """,
        script=script,
    )
    assert run.phase == "Succeeded"
    assert script.most == 2
    assert len(fake.started) == 5


@fact("TestNestedTemplateParallelismLimit", "steps")
def test_nested_parallelism_one_per_worker(argo) -> None:
    script = Concurrency(4, 16)
    run, fake = replay(
        argo,
        """
        metadata: {generateName: parallelism-nested-}
        spec:
          arguments:
            parameters:
            - {name: seq-list, value: '["a","b","c","d"]'}
            - {name: parallel-list, value: '[1,2,3,4]'}
          entrypoint: parallel-worker
          templates:
          - name: parallel-worker
            inputs:
              parameters: [{name: seq-list}, {name: parallel-list}]
            steps:
            - - name: parallel-worker
                template: seq-worker
                arguments:
                  parameters:
                  - {name: seq-list, value: "{{inputs.parameters.seq-list}}"}
                  - {name: parallel-id, value: "{{item}}"}
                withParam: "{{inputs.parameters.parallel-list}}"
          - name: seq-worker
            parallelism: 1
            inputs:
              parameters: [{name: seq-list}, {name: parallel-id}]
            steps:
            - - name: seq-step
                template: one-job
                arguments:
                  parameters:
                  - {name: parallel-id, value: "{{inputs.parameters.parallel-id}}"}
                  - {name: seq-id, value: "{{item}}"}
                withParam: "{{inputs.parameters.seq-list}}"
          - name: one-job
            inputs:
              parameters: [{name: seq-id}, {name: parallel-id}]
            container:
              image: alpine
              command: ['/bin/sh', '-c']
              args: ["echo {{inputs.parameters.parallel-id}} {{inputs.parameters.seq-id}}; sleep 10"]
        """,
        script=script,
    )
    assert run.phase == "Succeeded"
    assert script.most == 4
    assert len(fake.started) == 16


# -- loops -------------------------------------------------------------------------------------------------------
@fact("TestSequence", "loops")
def test_with_sequence_start_end(argo) -> None:
    run, _ = replay(
        argo,
        """
        metadata: {name: sequence}
        spec:
          entrypoint: steps
          templates:
          - name: steps
            steps:
              - - name: step1
                  template: echo
                  arguments:
                    parameters: [{name: msg, value: "{{item}}"}]
                  withSequence: {start: "100", end: "101"}
          - name: echo
            inputs:
              parameters: [{name: msg}]
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.msg}}"]}
        """,
    )
    assert run.node("step1(0:100)")["inputs"]["parameters"][0]["value"] == "100"
    assert run.node("step1(1:101)")["inputs"]["parameters"][0]["value"] == "101"


@fact("TestExpandWithItems", "loops")
def test_with_items_of_mixed_scalars(argo) -> None:
    run, fake = replay(
        argo,
        """
        metadata: {name: expand-with-items}
        spec:
          entrypoint: expand-with-items
          templates:
          - name: expand-with-items
            steps:
            - - name: whalesay
                template: whalesay
                arguments:
                  parameters: [{name: message, value: "{{item}}"}]
                withItems: [string, 0, 0, false, 1.3]
          - name: whalesay
            inputs:
              parameters: [{name: message}]
            container: {image: docker/whalesay:latest, command: [sh, -c], args: ["cowsay {{inputs.parameters.message}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    assert len(fake.started) == 5
    assert sorted(p.args[0] for p in fake.started) == sorted(
        ["cowsay string", "cowsay 0", "cowsay 0", "cowsay false", "cowsay 1.3"]
    )
    assert sorted(n["displayName"] for n in run.nodes.values() if n["type"] == "Pod") == [
        "whalesay(0:string)", "whalesay(1:0)", "whalesay(2:0)", "whalesay(3:false)", "whalesay(4:1.3)",
    ]


@fact("TestExpandWithItemsMap", "loops")
def test_with_items_of_maps_fields_and_json(argo) -> None:
    run, fake = replay(
        argo,
        """
        metadata: {name: expand-with-items}
        spec:
          entrypoint: expand-with-items
          templates:
          - name: expand-with-items
            steps:
            - - name: whalesay
                template: whalesay
                arguments:
                  parameters:
                  - {name: message, value: "{{item.os}} {{item.version}} JSON({{item}})"}
                withItems:
                - {os: debian, version: 9.1}
                - {os: debian, version: 9.1}
                - {os: ubuntu, version: 16.10}
          - name: whalesay
            inputs:
              parameters: [{name: message}]
            container: {image: docker/whalesay:latest, command: [sh, -c], args: ["cowsay \\"{{inputs.parameters.message}}\\""]}
        """,
    )
    assert len(fake.started) == 3
    first = run.nodes["expand-with-items[0].whalesay(0:os:debian,version:9.1)"]
    assert first["inputs"]["parameters"][0]["value"] == 'debian 9.1 JSON({"os":"debian","version":9.1})'


@fact("TestWithParamAsJsonList", "loops")
def test_with_param_of_json_lists(argo) -> None:
    run, fake = replay(
        argo,
        """
        metadata: {name: expand-with-items}
        spec:
          entrypoint: expand-with-items
          arguments:
            parameters: [{name: input, value: '[[1,2],[3,4],[4,5],[106,7]]'}]
          templates:
          - name: expand-with-items
            steps:
            - - name: whalesay
                template: whalesay
                arguments:
                  parameters: [{name: message, value: "{{item}}"}]
                withParam: "{{workflow.parameters.input}}"
          - name: whalesay
            inputs:
              parameters: [{name: message}]
            script: {image: alpine:3.23, command: [sh, -c], args: ["echo result was: {{inputs.parameters.message}}"], source: ""}
        """,
    )
    assert run.phase == "Succeeded"
    assert len(fake.started) == 4
    assert sorted(p.args[0] for p in fake.started) == sorted(
        f"echo result was: {item}" for item in ("[1,2]", "[3,4]", "[4,5]", "[106,7]")
    )


# -- substitution into the pod -----------------------------------------------------------------------------------
@fact("TestMetadataPassing", "variables")
def test_workflow_labels_and_annotations_reach_the_pod(argo) -> None:
    _run, fake = replay(
        argo,
        """
        metadata:
          name: metadata-template
          labels: {image: "foo:bar"}
          annotations:
            k8s-webhook-handler.io/repo: "git@github.com:argoproj/argo.git"
            k8s-webhook-handler.io/revision: 1e111caa1d2cc672b3b53c202b96a5f660a7e9b2
        spec:
          entrypoint: foo
          templates:
            - name: foo
              container:
                image: "{{workflow.labels.image}}"
                env:
                  - {name: REPO, value: "{{workflow.annotations.k8s-webhook-handler.io/repo}}"}
                  - {name: REVISION, value: "{{workflow.annotations.k8s-webhook-handler.io/revision}}"}
                command: [sh, -c]
                args: ["echo hello world"]
        """,
    )
    (pod,) = fake.started
    assert pod.image == "foo:bar"
    assert pod.env["REPO"] == "git@github.com:argoproj/argo.git"
    assert pod.env["REVISION"] == "1e111caa1d2cc672b3b53c202b96a5f660a7e9b2"


@fact("TestResolveIOPathPlaceholders", "variables")
def test_input_and_output_path_placeholders_in_the_command(argo) -> None:
    run, fake = replay(
        argo,
        """
        metadata: {generateName: artifact-path-placeholders-}
        spec:
          entrypoint: head-lines
          arguments:
            parameters: [{name: lines-count, value: 3}]
            artifacts:
            - name: text
              raw: {data: "1\\n2\\n3\\n4\\n5\\n"}
          templates:
          - name: head-lines
            inputs:
              parameters: [{name: lines-count}]
              artifacts: [{name: text, path: /inputs/text/data}]
            outputs:
              parameters:
              - name: actual-lines-count
                valueFrom: {path: /outputs/actual-lines-count/data}
              artifacts: [{name: text, path: /outputs/text/data}]
            container:
              image: argoproj/argosay:v2
              command: [sh, -c, 'head -n {{inputs.parameters.lines-count}} <"{{inputs.artifacts.text.path}}" | tee "{{outputs.artifacts.text.path}}" | wc -l > "{{outputs.parameters.actual-lines-count.path}}"']
        """,
        files=lambda pod: {"/outputs/text/data": "1\n2\n3\n", "/outputs/actual-lines-count/data": "3"},
    )
    (pod,) = fake.started
    assert pod.command == [
        "sh", "-c",
        'head -n 3 <"/inputs/text/data" | tee "/outputs/text/data" | wc -l > "/outputs/actual-lines-count/data"',
    ]
    assert run.phase == "Succeeded"


@fact("TestResolvePlaceholdersInOutputValues", "outputs")
def test_pod_name_in_an_output_value(argo) -> None:
    run, _ = replay(
        argo,
        """
        metadata: {name: output-value-placeholders-wf}
        spec:
          entrypoint: tell-pod-name
          templates:
          - name: tell-pod-name
            outputs:
              parameters:
              - {name: pod-name, value: "{{pod.name}}"}
            container: {image: argoproj/argosay:v2}
        """,
    )
    node = run.nodes["output-value-placeholders-wf"]
    assert node["outputs"]["parameters"][0]["value"] == "output-value-placeholders-wf"


@fact("TestSuspendInputsResolution", "suspend")
def test_suspend_node_records_its_input_values(argo) -> None:
    from ._server import NS, api_fact, wait_for

    manifest = {
        "metadata": {"name": "suspend-template"},
        "spec": {
            "entrypoint": "suspend",
            "templates": [{
                "name": "suspend",
                "inputs": {"parameters": [
                    {"name": "param1", "value": '{"enum": ["one", "two", "three"]}'},
                    {"name": "param2", "value": "value2"},
                ]},
                "suspend": {},
            }],
        },
    }

    async def body(client) -> None:
        r = await client.post(NS, json={"workflow": manifest})
        assert r.status_code == 200, r.text
        wf = await wait_for(client, "suspend-template", lambda w: any(
            n.get("type") == "Suspend" and n.get("phase") == "Running"
            for n in ((w.get("status") or {}).get("nodes") or {}).values()))
        (node,) = wf["status"]["nodes"].values()
        params = node["inputs"]["parameters"]
        assert params[0]["name"] == "param1"
        assert json.loads(params[0]["value"]) == {"enum": ["one", "two", "three"]}
        assert (params[1]["name"], params[1]["value"]) == ("param2", "value2")
        await client.put(f"{NS}/suspend-template/terminate", json={})

    api_fact(argo.settings, body)


@fact("TestStepWFGetNodeName / getStepOrDAGTaskName", "steps")
def test_step_result_reaches_the_next_step(argo) -> None:
    run, fake = replay(
        argo,
        """
        metadata: {name: scripts-bash}
        spec:
          entrypoint: bash-script-example
          templates:
          - name: bash-script-example
            steps:
            - - {name: generate, template: gen-random-int}
            - - name: print
                template: print-message
                arguments:
                  parameters: [{name: message, value: "{{steps.generate.outputs.result}}"}]
          - name: gen-random-int
            script: {image: debian:9.4, command: [bash], source: "echo 42"}
          - name: print-message
            inputs:
              parameters: [{name: message}]
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo result was: {{inputs.parameters.message}}"]}
        """,
        script=Scripted(stdout={"gen-random-int": "42"}),
    )
    assert run.phase == "Succeeded"
    assert fake.started[-1].args == ["echo result was: 42"]
    assert run.node("print")["inputs"]["parameters"][0]["value"] == "42"


@fact("TestResolveStatuses", "steps")
def test_steps_status_of_an_earlier_step(argo) -> None:
    run, fake = replay(
        argo,
        """
        metadata: {name: scripts-status}
        spec:
          entrypoint: bash-script-example
          templates:
          - name: bash-script-example
            steps:
            - - {name: first, template: flakey-container, continueOn: {failed: true}}
            - - name: print
                template: print-message
                arguments:
                  parameters: [{name: message, value: "{{steps.first.status}}"}]
          - name: flakey-container
            script: {image: busybox, command: [sh, -c], args: ["exit 0"], source: ""}
          - name: print-message
            inputs:
              parameters: [{name: message}]
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo result was: {{inputs.parameters.message}}"]}
        """,
        script=Scripted({"flakey-container": [1]}),
    )
    assert run.phase == "Succeeded"
    assert fake.started[-1].args == ["echo result was: Failed"]


# -- retry expressions -------------------------------------------------------------------------------------------
RETRY_SCRIPT = """
metadata: {{name: retry-script-9z9pv}}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {{name: safe-to-retry, template: safe-to-retry}}
    - - name: retry
        template: retry-script
        arguments:
          parameters: [{{name: safe-to-retry, value: '{{{{steps.safe-to-retry.outputs.result}}}}'}}]
  - name: safe-to-retry
    script: {{command: [python], image: python:alpine3.23, source: 'print("true")'}}
  - name: retry-script
    inputs:
      parameters: [{{name: safe-to-retry}}]
    retryStrategy: {strategy}
    script: {{command: [python], image: python:alpine3.23, source: 'import sys; sys.exit(1)'}}
"""


@fact("TestOperatorRetryExpressionError (an expression without a policy retries errors: Always)", "retry")
def test_expression_without_policy_retries_an_errored_attempt(argo) -> None:
    run, fake = replay(
        argo, RETRY_SCRIPT.format(strategy='{expression: "true", limit: "3"}'),
        script=Scripted({"retry-script": ["Error (exit code 1)"]}, stdout={"safe-to-retry": "true"}),
    )
    retry = run.nodes["retry-script-9z9pv[1].retry"]
    assert retry["phase"] == "Error"
    assert retry["message"] == "No more retries left"
    assert len(retry["children"]) == 4
    assert [p.template for p in fake.started].count("retry-script") == 4


@fact("TestOperatorRetryExpressionErrorNoExpr", "retry")
def test_errored_attempt_without_expression_is_not_retried_by_default(argo) -> None:
    run, _fake = replay(
        argo, RETRY_SCRIPT.format(strategy='{limit: "3"}'),
        script=Scripted({"retry-script": ["Error (exit code 1)"]}, stdout={"safe-to-retry": "true"}),
    )
    assert run.phase == "Failed"
    retry = run.nodes["retry-script-9z9pv[1].retry"]
    assert (retry["phase"], retry["message"]) == ("Error", "Error (exit code 1)")
    assert len(retry["children"]) == 1


@fact("TestProcessNodeRetriesWithExpression (an errored attempt, expression false)", "retry")
def test_expression_false_after_an_errored_attempt(argo) -> None:
    run, fake = replay(
        argo, RETRY.format(name="expr-err", strategy="{limit: 2, retryPolicy: Always, expression: 'false'}"),
        script=Scripted({"main": ["pod deleted"]}),
    )
    root = run.nodes["expr-err"]
    assert (root["phase"], root["message"]) == ("Error", "retryStrategy.expression evaluated to false")
    assert len(fake.started) == 1


@fact("TestBuildRetryStrategyLocalScope (lastRetry.exitCode and inputs in the expression)", "retry")
def test_expression_sees_last_exit_code_and_inputs(argo) -> None:
    strategy = '{expression: "asInt(lastRetry.exitCode) > 1 && {{inputs.parameters.safe-to-retry}} == true", limit: "3"}'
    run, _fake = replay(
        argo, RETRY_SCRIPT.format(strategy=strategy),
        script=Scripted({"retry-script": [2, 2, 1]}, stdout={"safe-to-retry": "true"}),
    )
    retry = run.nodes["retry-script-9z9pv[1].retry"]
    assert (retry["phase"], retry["message"]) == ("Failed", "retryStrategy.expression evaluated to false")
    attempts = [run.status["nodes"][c] for c in retry["children"]]
    assert [a["outputs"]["exitCode"] for a in attempts] == ["2", "2", "1"]


@fact("TestRetryLoopWithOutputParam", "retry")
def test_retried_loop_items_aggregate_their_outputs(argo) -> None:
    def files(pod) -> dict[str, str]:
        if pod.template == "createJsonList":
            return {"/jsonList.json": '[{"Id": "1"}, {"Id": "2"}]'}
        if pod.template == "retryAndLoop" and "[[ 0 == 0 ]]" not in (pod.script_source or ""):
            return {"/outputParam.txt": "Successful"}
        return {}

    def outcome(pod) -> StepResult:
        failing = pod.template == "retryAndLoop" and "[[ 0 == 0 ]]" in (pod.script_source or "")
        return StepResult(exit_code=1 if failing else 0)

    run, fake = replay(
        argo,
        """
        metadata: {name: hr-retry-replication}
        spec:
          entrypoint: hr-retry-replication
          activeDeadlineSeconds: 300
          templates:
            - name: hr-retry-replication
              dag:
                tasks:
                  - {name: Create-Json-List, template: createJsonList}
                  - name: Retry-And-Loop
                    template: retryAndLoop
                    arguments:
                      parameters: [{name: itemId, value: '{{item.Id}}'}]
                    withParam: '{{tasks.Create-Json-List.outputs.parameters.jsonList}}'
                    depends: Create-Json-List
                  - name: Check-Output
                    template: checkOutput
                    arguments:
                      parameters: [{name: someInput, value: '{{tasks.Retry-And-Loop.outputs.parameters.outputParam}}'}]
                    depends: Retry-And-Loop
            - name: checkOutput
              inputs:
                parameters: [{name: someInput}]
              script: {image: 'alpine:3.23', command: [/bin/sh], source: 'echo "The Output is: {{inputs.parameters.someInput}}"'}
            - name: retryAndLoop
              inputs:
                parameters: [{name: itemId}]
              outputs:
                parameters:
                  - name: outputParam
                    valueFrom: {path: /outputParam.txt}
              script:
                image: 'alpine:3.23'
                command: [/bin/sh]
                source: |
                  echo ItemId: {{inputs.parameters.itemId}}
                  if [[ {{ retries }} == 0 ]]; then
                    exit 1
                  fi
                  echo "Successful" > /outputParam.txt
              retryStrategy: {limit: '2'}
            - name: createJsonList
              outputs:
                parameters:
                  - name: jsonList
                    valueFrom: {path: /jsonList.json}
              script: {image: 'alpine:3.23', command: [/bin/sh], source: 'echo ok'}
        """,
        script=outcome,
        files=files,
    )
    assert run.phase == "Succeeded"
    check = run.node("Check-Output")
    assert json.loads(check["inputs"]["parameters"][0]["value"]) == ["Successful", "Successful"]
    assert [p.template for p in fake.started].count("retryAndLoop") == 4


@fact("TestExitHandlerWithRetryNodeParam", "exit-handlers")
def test_exit_hook_of_a_retried_step_sees_the_last_attempts_outputs(argo) -> None:
    run, _ = replay(
        argo,
        """
        metadata: {name: exit-handler-with-param}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - name: step-1
                template: output
                hooks:
                  exit:
                    template: exit
                    arguments:
                      parameters: [{name: message, value: '{{steps.step-1.outputs.parameters.result}}'}]
          - name: output
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo -n hello world > /tmp/hello_world.txt; exit 1"]}
            outputs:
              parameters:
              - name: result
                valueFrom: {default: Foobar, path: /tmp/hello_world.txt}
            retryStrategy:
              backoff: {duration: 1s}
              limit: "1"
              retryPolicy: Always
          - name: exit
            inputs:
              parameters: [{name: message, value: GoodValue}]
            script: {image: alpine:3.23, command: [sh, -c], args: ["echo {{inputs.parameters.message}}"], source: ""}
        """,
        script=Scripted({"output": [1]}),
        files=lambda pod: {"/tmp/hello_world.txt": "hello world"} if pod.template == "output" else {},
        time_scale=0.01,
    )
    step = run.nodes["exit-handler-with-param[0].step-1"]
    assert step["type"] == "Retry"
    assert [(p["name"], p["value"]) for p in step["outputs"]["parameters"]] == [("result", "hello world")]
    hook = run.nodes["exit-handler-with-param[0].step-1.onExit"]
    assert hook["inputs"]["parameters"][0]["value"] == "hello world"


# -- backoff -----------------------------------------------------------------------------------------------------
def _messages_of(argo, name: str) -> list[str]:
    seen: list[str] = []

    def listen(options) -> None:
        options.listeners.append(
            lambda state, node: seen.append(node.message) if node.name == name and node.message else None
        )

    argo.configure.append(listen)
    return seen


@fact("TestProcessNodeRetriesWithExponentialBackoff", "retry")
def test_exponential_backoff_is_capped(argo) -> None:
    seen = _messages_of(argo, "exp-backoff")
    run, _fake = replay(
        argo,
        RETRY.format(
            name="exp-backoff",
            strategy="{limit: 3, retryPolicy: Always, backoff: {duration: 5m, factor: 2, cap: 11m}}",
        ),
        script=Scripted({"main": [1, "pod deleted", "pod deleted", 0]}),
        time_scale=0.0001,
    )
    assert run.phase == "Succeeded"
    backoffs = list(dict.fromkeys(m for m in seen if m.startswith("Backoff for")))
    assert backoffs == ["Backoff for 5 minutes", "Backoff for 10 minutes", "Backoff for 11 minutes"]
    assert [c["phase"] for c in _children(run, "exp-backoff")] == ["Failed", "Error", "Error", "Succeeded"]


@fact("TestProcessNodeRetriesWithBackoff", "retry")
def test_backoff_then_success(argo) -> None:
    seen = _messages_of(argo, "backoff-ok")
    run, _ = replay(
        argo,
        RETRY.format(name="backoff-ok", strategy="{limit: 1, retryPolicy: Always, backoff: {duration: 10s, factor: 1}}"),
        script=Scripted({"main": [1, 0]}),
        time_scale=0.001,
    )
    assert run.phase == "Succeeded"
    assert "Backoff for 10 seconds" in seen
    root = run.nodes["backoff-ok"]
    assert (root["phase"], root.get("message", "")) == ("Succeeded", "")


@fact("TestMaxDurationOnErroredFirstNode", "retry")
def test_errored_first_attempt_within_max_duration_is_retried(argo) -> None:
    run, _ = replay(
        argo,
        RETRY.format(
            name="echo-wngc4",
            strategy='{retryPolicy: Always, backoff: {duration: "10", factor: 1, maxDuration: 20m}, limit: 4}',
        ),
        script=Scripted({"main": ["pod deleted", 0]}),
        time_scale=0.001,
    )
    assert run.phase == "Succeeded"
    assert [c["phase"] for c in _children(run, "echo-wngc4")] == ["Error", "Succeeded"]
