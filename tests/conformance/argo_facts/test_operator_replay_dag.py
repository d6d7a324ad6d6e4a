"""Argo's controller unit tests replayed (see test_operator_replay.py): DAG and steps tests of dag_test.go and
steps_test.go not yet cited elsewhere (task onExit order and phase, loops over global parameters, optional
artifacts of a skipped step, the workflow's onExit under a Stop).
"""

from __future__ import annotations

import pytest
import yaml

from ._replay import replay
from ._server import NS, api_fact, running_pod, wait_for

DAG = "workflow/controller/dag_test.go"
STEPS = "workflow/controller/steps_test.go"


@pytest.mark.fact("exit-handlers", f"{DAG}:TestOnExitNonLeaf")
def test_dependent_task_waits_for_the_on_exit_of_its_dependency(argo) -> None:
    run, fake = replay(
        argo,
        """
        metadata: {name: exit-handler-bug-example}
        spec:
          entrypoint: dag
          templates:
          - name: dag
            dag:
              tasks:
              - {name: step-2, onExit: on-exit, template: step-template}
              - {name: step-3, dependencies: [step-2], onExit: on-exit, template: step-template}
          - name: on-exit
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo exit-handler-step-{{pod.name}}"]}
          - name: step-template
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo step {{pod.name}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    assert [p.template for p in fake.started] == ["step-template", "on-exit", "step-template", "on-exit"]
    hook = run.nodes["exit-handler-bug-example.step-2.onExit"]
    assert hook["nodeFlag"] == {"hooked": True}
    assert hook["phase"] == "Succeeded"
    assert run.nodes["exit-handler-bug-example.step-3.onExit"]["phase"] == "Succeeded"


@pytest.mark.fact("exit-handlers", f"{DAG}:TestOnExitDAGPhase")
def test_dag_stays_running_until_the_on_exit_of_its_leaf_ends(argo) -> None:
    order: list[tuple[str, str]] = []

    def listen(options) -> None:
        options.listeners.append(
            lambda state, node: order.append((node.name, str(node.phase)))
            if node.name in ("dag-diamond-88trp", "dag-diamond-88trp.B.onExit") else None
        )

    argo.configure.append(listen)
    run, _ = replay(
        argo,
        """
        metadata: {name: dag-diamond-88trp}
        spec:
          entrypoint: diamond
          templates:
          - name: diamond
            dag:
              failFast: false
              tasks:
              - {name: A, template: echo}
              - {name: B, dependencies: [A], onExit: echo, template: echo}
          - name: echo
            container: {image: alpine:3.23, command: [sh, -c], args: ["exit 0"]}
        """,
    )
    assert run.phase == "Succeeded"
    hook = run.nodes["dag-diamond-88trp.B.onExit"]
    assert hook["nodeFlag"] == {"hooked": True}
    hook_done = order.index(("dag-diamond-88trp.B.onExit", "Succeeded"))
    dag_done = order.index(("dag-diamond-88trp", "Succeeded"))
    assert hook_done < dag_done


def _with_param(kind: str) -> str:
    call = {
        "name": "use-with-param",
        "template": "whalesay",
        "arguments": {"parameters": [
            {"name": "message", "value": "hello {{workflow.parameters.workspace}} {{item}}"}]},
        "withParam": "[0, 1, 2]",
    }
    main = {"name": "main", **({"dag": {"tasks": [call]}} if kind == "dag" else {"steps": [[call]]})}
    return yaml.safe_dump({
        "metadata": {"name": "with-param-and-global-param"},
        "spec": {
            "entrypoint": "main",
            "arguments": {"parameters": [{"name": "workspace", "value": "/argo_workspace/{{workflow.uid}}"}]},
            "templates": [main, {
                "name": "whalesay",
                "inputs": {"parameters": [{"name": "message"}]},
                "container": {"image": "docker/whalesay:latest", "command": ["cowsay"],
                              "args": ["{{inputs.parameters.message}}"]},
            }],
        },
    })


@pytest.mark.parametrize("kind", [
    pytest.param("dag", id="dag", marks=pytest.mark.fact("loops", f"{DAG}:TestDAGWithParamAndGlobalParam")),
    pytest.param("steps", id="steps",
                 marks=pytest.mark.fact("loops", f"{STEPS}:TestStepsWithParamAndGlobalParam")),
])
def test_loop_items_with_a_global_parameter_holding_a_variable(argo, kind: str) -> None:
    run, fake = replay(argo, _with_param(kind))
    assert run.phase == "Succeeded"
    uid = run.workflow["metadata"]["uid"]
    assert sorted(p.args[0] for p in fake.started) == [f"hello /argo_workspace/{uid} {i}" for i in range(3)]


@pytest.mark.fact("steps", f"{STEPS}:TestOptionalArgumentAndParameter")
def test_optional_artifact_argument_from_a_skipped_step(argo) -> None:
    run, fake = replay(
        argo,
        """
        metadata: {name: optional-input-artifact}
        spec:
          entrypoint: plan
          templates:
          - name: plan
            steps:
            - - {name: create-artifact, template: artifact-creation, when: "false"}
            - - name: print-artifact
                template: artifact-printing
                arguments:
                  artifacts:
                  - {from: '{{steps.create-artifact.outputs.artifacts.hello}}', name: artifact, optional: true}
          - name: artifact-creation
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo 'hello' > /tmp/hello.txt"]}
            outputs:
              artifacts: [{name: hello, path: /tmp/hello.txt}]
          - name: artifact-printing
            inputs:
              artifacts: [{name: artifact, optional: true, path: /tmp/file}]
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo 'goodbye'"]}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("create-artifact")["phase"] == "Skipped"
    assert run.node("print-artifact")["phase"] == "Succeeded"
    assert [p.template for p in fake.started] == ["artifact-printing"]


@pytest.mark.fact("exit-handlers", f"{DAG}:TestOnExitDAGNotFailedOnShutdownStop")
def test_a_dag_exit_handler_runs_to_its_end_after_a_stop(argo) -> None:
    manifest = {
        "metadata": {"name": "dag-onexit-shutdown"},
        "spec": {
            "entrypoint": "main-dag",
            "onExit": "exit-dag",
            "templates": [
                {"name": "main-dag", "dag": {"tasks": [{"name": "main-task", "template": "sleep"}]}},
                {"name": "exit-dag", "dag": {"tasks": [{"name": "on-exit-handler", "template": "echo"}]}},
                {"name": "sleep", "container": {"image": "alpine:latest", "command": ["sleep", "60"]}},
                {"name": "echo", "container": {"image": "alpine:latest", "command": ["echo", "hello"]}},
            ],
        },
    }

    async def go(client) -> None:
        r = await client.post(NS, json={"workflow": manifest})
        assert r.status_code == 200, r.text
        await wait_for(client, "dag-onexit-shutdown", running_pod)
        assert (await client.put(f"{NS}/dag-onexit-shutdown/stop", json={})).status_code == 200
        wf = await wait_for(client, "dag-onexit-shutdown")
        nodes = {n["displayName"]: n for n in wf["status"]["nodes"].values()}
        assert nodes["dag-onexit-shutdown.onExit"]["phase"] == "Succeeded"
        assert nodes["on-exit-handler"]["phase"] == "Succeeded"
        assert wf["status"]["phase"] == "Failed"

    api_fact(argo.settings, go)
