"""Argo's functional e2e suite (``test/e2e/functional_test.go``), continued from ``test_e2e_functional.py`` (which
lists the tests not ported): retries, memoization, hooks and exit handlers, failFast, the API (terminate,
events, TTL) and the debug pause — real local processes, or Argento's server in-process on the fake executor.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.conformance.argo_facts._util import wf

FUNC = "test/e2e/functional_test.go"


def fact(category: str, test: str):
    return pytest.mark.fact(category, f"{FUNC}:{test}")


# ------------------------------------------------------------------------------------ retry, memoization
CONTAINER_SET = """
    entrypoint: main
    templates:
    - name: main
      containerSet:
        containers:
        - name: a
          image: argoproj/argosay:v2
          command: [sh, -c]
          args: ['FILE=test.yml; EXITCODE=1; if test -f "$FILE"; then EXITCODE=0; else touch $FILE; fi; exit $EXITCODE']
"""


@fact("retry", "TestContainerSetRetryFail")
def test_container_set_retry_restarts_in_the_same_pod(argo) -> None:
    # The containerSet's own retryStrategy reruns its containers in the same pod: the file the first run left
    # in the working directory is still there, so the second run succeeds.
    run = argo.run(wf(CONTAINER_SET + """
        retryStrategy: {retries: 2, duration: 5s}
    """), time_scale=0.05)
    assert run.phase == "Succeeded", run.message


@fact("retry", "TestContainerSetRetrySuccess")
def test_container_set_without_retry_fails(argo) -> None:
    run = argo.run(wf(CONTAINER_SET))
    assert run.phase == "Failed", run.message


@fact("memoization", "TestDAGLevelMemoizeNoOutput")
def test_memoized_dag_template_without_outputs_hits_the_cache(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: hello-hello-hello
        templates:
        - name: hello-hello-hello
          steps:
          - - name: hello1
              template: memostep
              arguments: {parameters: [{name: message, value: hello1}]}
          - - name: hello2a
              template: memostep
              arguments: {parameters: [{name: message, value: hello1}]}
        - name: memostep
          inputs: {parameters: [{name: message}]}
          memoize:
            key: '{{inputs.parameters.message}}'
            maxAge: 10s
            cache: {configMap: {name: my-config-memo-dag}}
          dag:
            tasks:
            - name: cache
              template: whalesay
              arguments: {parameters: [{name: message, value: '{{inputs.parameters.message}}'}]}
        - name: whalesay
          inputs: {parameters: [{name: message}]}
          container: {image: argoproj/argosay:v2, command: [echo], args: ['{{inputs.parameters.message}}']}
        """)
    )
    assert run.phase == "Succeeded", run.message
    assert any((n.get("memoizationStatus") or {}).get("hit") for n in run.nodes.values())


# ------------------------------------------------------------------------------------- hooks, exit handlers
@fact("hooks", "TestWithItemsWithHooks")
def test_with_items_task_with_exit_and_running_hooks(argo) -> None:
    run = argo.run(wf("""
        entrypoint: main
        podMetadata:
          labels: {parent-workflow: '{{workflow.name}}'}
        templates:
        - name: hook-template
          inputs: {parameters: [{name: foo}]}
          script: {image: 'alpine:3.23', command: [sh], source: 'echo "I am a hook {{inputs.parameters.foo}}"'}
        - name: run-sim-template
          inputs: {parameters: [{name: fanoutValue}]}
          script:
            image: 'alpine:3.23'
            command: [sh]
            source: echo $FANOUT_VALUE
            env: [{name: FANOUT_VALUE, value: '{{inputs.parameters.fanoutValue}}'}]
        - name: run-sim-steps-template
          inputs: {parameters: [{name: fanoutValue}]}
          steps:
          - - name: run-sim
              template: run-sim-template
              arguments: {parameters: [{name: fanoutValue, value: '{{inputs.parameters.fanoutValue}}'}]}
        - name: main
          dag:
            tasks:
            - name: run-sim
              template: run-sim-steps-template
              arguments: {parameters: [{name: fanoutValue, value: '{{item}}'}]}
              withItems: [1, 2, 3]
              hooks:
                exit:
                  template: hook-template
                  arguments: {parameters: [{name: foo, value: bar}]}
                running:
                  template: hook-template
                  arguments: {parameters: [{name: foo, value: bar}]}
                  expression: tasks["run-sim"].status == "Running"
        """))
    assert run.phase == "Succeeded", run.message


@fact("exit-handlers", "TestWorkflowExitHandlerCrashEnsureNodeIsPresent")
def test_exit_hook_of_a_failed_step_with_missing_output(argo) -> None:
    run = argo.run(wf("""
        entrypoint: failure-workflow
        templates:
        - name: failure-workflow
          steps:
          - - name: step1
              template: intentional-fail
              hooks:
                exit:
                  template: lifecycle-hook
                  arguments:
                    parameters: [{name: hello-param, value: '{{steps.step1.outputs.parameters.hello-param}}'}]
        - name: intentional-fail
          outputs:
            parameters:
            - name: hello-param
              valueFrom: {path: /tmp/hello_world.txt}
          container: {image: argoproj/argosay:v2, command: [sh, -c], args: ['echo intentional failure; exit 1']}
        - name: lifecycle-hook
          inputs: {parameters: [{name: hello-param}]}
          container: {image: argoproj/argosay:v2, args: [echo, 'Hello param: {{inputs.parameters.hello-param}}']}
        """))
    assert run.phase == "Failed", run.message
    exits = [n for n in run.nodes.values() if (n.get("nodeFlag") or {}).get("hooked")]
    assert exits, sorted(run.nodes)
    hook = run.node(exits[0]["displayName"])
    params = (hook.get("inputs") or {}).get("parameters") or []
    assert len(params) == 1
    assert params[0].get("value") is not None


@fact("hooks", "TestWorkflowLifecycleHookWithWorkflowTemplate")
def test_template_exit_hook_by_template_ref(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: hooks-exit-test
        templates:
        - name: hooks-exit-test
          container: {image: argoproj/argosay:v2}
          hooks:
            exit:
              templateRef: {name: test-exit-handler, template: main}
              arguments: {parameters: [{name: message, value: hello world}]}
        """),
        # A Template has no `hooks` field: Argo's API drops it as an unknown field (so the workflow simply
        # succeeds); Argento's lint, strict like `argo lint`, reports it, so the fact runs unlinted.
        lint=False,
        templates=wf("""
        entrypoint: main
        templates:
        - name: main
          inputs: {parameters: [{name: message}]}
          container: {image: argoproj/argosay:v2, command: [cowsay], args: ['{{inputs.parameters.message}}']}
        """, name="test-exit-handler", kind="WorkflowTemplate"),
    )
    assert run.phase == "Succeeded", run.message
    assert run.message == ""


@fact("exit-handlers", "TestWorkflowTemplateRefWithExitHandlerError")
def test_exit_handler_referencing_a_missing_template_is_an_invalid_spec(argo) -> None:
    run = argo.run(
        wf("workflowTemplateRef: {name: test-exit-handler}"),
        templates=wf("""
        entrypoint: main
        onExit: exit-handler
        templates:
        - name: main
          container: {name: main, image: argoproj/argosay:v2}
        - name: exit-handler
          templateRef: {name: nonexistent, template: exit-handler}
        """, name="test-exit-handler", kind="WorkflowTemplate"),
        lint=False,
    )
    assert run.phase in ("Failed", "Error"), run.message
    assert "invalid spec" in run.message


# ---------------------------------------------------------------------------------------- failFast
@fact("dag", "TestWorkflowParallelismDAGFailFast")
def test_dag_fail_fast_under_parallelism(argo) -> None:
    run = argo.run(wf("""
        entrypoint: main
        templates:
        - name: main
          parallelism: 2
          failFast: true
          dag:
            tasks:
            - {name: task1, template: fail}
            - {name: task2, template: sleep}
        - name: fail
          container: {image: argoproj/argosay:v2, args: [exit, '1']}
        - name: sleep
          container: {image: argoproj/argosay:v2, args: [sleep, 1s]}
        """))
    assert run.phase == "Failed"
    assert run.message == "template has failed or errored children and failFast enabled"
    assert run.node("task1")["phase"] == "Failed"
    assert run.node("task2")["phase"] == "Succeeded"


@fact("steps", "TestWorkflowParallelismStepFailFast")
def test_steps_fail_fast_under_parallelism(argo) -> None:
    run = argo.run(wf("""
        entrypoint: main
        templates:
        - name: main
          parallelism: 2
          failFast: true
          steps:
          - - {name: step1, template: fail}
            - {name: step2, template: sleep}
        - name: fail
          container: {image: argoproj/argosay:v2, command: [exit, '1']}
        - name: sleep
          container: {image: argoproj/argosay:v2, command: [sleep, 1s]}
        """))
    assert run.phase == "Failed"
    assert run.message == "template has failed or errored children and failFast enabled"
    assert run.node("[0]")["phase"] == "Failed"
    assert run.node("step1")["phase"] == "Failed"
    assert run.node("step2")["phase"] == "Succeeded"


# ------------------------------------------------------------------------------------------- API, repositories
@fact("exit-handlers", "TestTerminateWorkflowWhileOnExitHandlerRunning")
def test_terminate_while_the_exit_handler_runs(settings) -> None:
    from tests.conformance.argo_facts._server import NS, api_fact, container, wait_for, workflow

    resource = workflow(
        "workflow-exit-handler-sleep",
        [
            container("argosay-template", "echo", "hello-world"),
            container("sleep", "sleep", "600"),
            {"name": "exit-handler", "steps": [[{"name": "exit-handler-task", "template": "sleep"}]]},
        ],
        onExit="exit-handler",
    )

    def exit_handler_running(w: dict[str, Any]) -> bool:
        nodes = (w.get("status") or {}).get("nodes") or {}
        return any(n["displayName"] == "exit-handler-task" and n["phase"] == "Running" for n in nodes.values())

    async def body(c: httpx.AsyncClient) -> None:
        r = await c.post(NS, json={"workflow": resource})
        assert r.status_code == 200, r.text
        name = r.json()["metadata"]["name"]
        running = await wait_for(c, name, exit_handler_running, timeout=30)
        entry = [n for n in running["status"]["nodes"].values() if n["displayName"] == name]
        assert entry and entry[0]["phase"] == "Succeeded"
        assert (await c.put(f"{NS}/{name}/terminate")).status_code == 200
        done = await wait_for(c, name, timeout=30)
        assert done["status"]["phase"] == "Failed"
        for node in done["status"]["nodes"].values():
            if node["type"] in ("StepGroup", "Steps"):
                assert node["phase"] == "Failed", node

    api_fact(settings, body)


@fact("outputs", "TestArtifactRepositoryRef")
def test_artifact_repository_ref_is_recorded_and_keys_come_from_it(argo, tmp_path) -> None:
    repo = tmp_path / "repo"
    run = argo.run(
        wf("""
        entrypoint: main
        artifactRepositoryRef: {key: my-key}
        templates:
        - name: main
          dag:
            tasks:
            - {name: generate, template: generate}
            - {name: consume, template: consume, dependencies: [generate]}
        - name: generate
          container: {image: argoproj/argosay:v2, args: [echo, hello, /mnt/file]}
          outputs:
            artifacts: [{name: file, path: /mnt/file, s3: {key: my-file}}]
        - name: consume
          container: {image: argoproj/argosay:v2, args: [cat, /tmp/file]}
          inputs:
            artifacts: [{name: file, path: /tmp/file, s3: {key: my-file}}]
        """),
        templates=(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: artifact-repositories\ndata:\n"
            f"  my-key: |\n    local: {{path: {repo}}}\n"
        ),
    )
    assert run.phase == "Succeeded", run.message
    ref = run.status["artifactRepositoryRef"]
    assert (ref.get("namespace"), ref.get("configMap"), ref.get("key"), bool(ref.get("default"))) == (
        "argo", "artifact-repositories", "my-key", False
    )
    generated = run.node("generate")["outputs"]["artifacts"][0]["s3"]
    assert not generated.get("bucket") and generated.get("key")
    consumed = run.node("consume")["inputs"]["artifacts"][0]["s3"]
    assert not consumed.get("bucket") and consumed.get("key")


@fact("server-api", "TestWorkflowTTL")
def test_ttl_strategy_deletes_the_completed_workflow(settings) -> None:
    import asyncio
    import time

    from tests.conformance.argo_facts._server import NS, api_fact, container, workflow

    resource = workflow("workflow-ttl-", [container("main")], ttlStrategy={"secondsAfterCompletion": 0})

    async def body(c: httpx.AsyncClient) -> None:
        r = await c.post(NS, json={"workflow": resource})
        assert r.status_code == 200, r.text
        name = r.json()["metadata"]["name"]
        # completed, then gone: a GET either sees it completed or already deleted
        deadline = time.monotonic() + 30
        while (r := await c.get(f"{NS}/{name}")).status_code != 404:
            assert r.status_code == 200, r.text
            assert time.monotonic() < deadline, f"workflow not deleted: {r.json().get('status')}"
            await asyncio.sleep(0.02)

    api_fact(settings, body)


@fact("server-api", "TestWorkflowTTL (a workflow without ttlStrategy is kept)")
def test_without_ttl_strategy_the_workflow_is_kept(settings) -> None:
    from tests.conformance.argo_facts._server import NS, api_fact, container, wait_for, workflow

    async def body(c: httpx.AsyncClient) -> None:
        r = await c.post(NS, json={"workflow": workflow("kept-", [container("main")])})
        name = r.json()["metadata"]["name"]
        done = await wait_for(c, name)
        assert done["status"]["phase"] == "Succeeded"
        assert (await c.get(f"{NS}/{name}")).status_code == 200

    api_fact(settings, body)


async def _workflow_events(c: httpx.AsyncClient, resource: dict[str, Any], last: str) -> list[dict[str, Any]]:
    """The Kubernetes Events of one workflow, from its submission to its ``last`` event (the server's event
    stream, subscribed to in-process before the workflow is submitted)."""
    import asyncio

    from tests.conformance.argo_facts._server import NS

    from argento.server.app import context_of
    from argento.server.hub import Subscriber

    hub = context_of(c._transport.app).hub  # type: ignore[attr-defined]
    sub = hub.subscribe(Subscriber(kind="event", namespace="argo"))
    r = await c.post(NS, json={"workflow": resource})
    assert r.status_code == 200, r.text
    uid = r.json()["metadata"]["uid"]
    seen: list[dict[str, Any]] = []
    while not any(e["reason"] == last for e in seen):
        event = await asyncio.wait_for(sub.queue.get(), 30)
        if event["involvedObject"].get("uid") == uid:
            seen.append(event)
    return seen


@pytest.mark.parametrize(
    ("args", "last"),
    [
        pytest.param(["exit", "1"], "WorkflowFailed", id="node-fail", marks=fact("server-api", "TestEventOnNodeFail")),
        pytest.param([], "WorkflowSucceeded", id="success", marks=fact("server-api", "TestEventOnWorkflowSuccess")),
    ],
)
def test_workflow_and_node_events(settings, args: list[str], last: str) -> None:
    from tests.conformance.argo_facts._server import api_fact, container, workflow

    prefix = "failed-step-event-" if args else "success-event-"
    node_end = "WorkflowNodeFailed" if args else "WorkflowNodeSucceeded"

    async def body(c: httpx.AsyncClient) -> None:
        events = await _workflow_events(c, workflow(prefix, [container("exit", *args)]), last)
        assert sorted(e["reason"] for e in events) == sorted(["WorkflowRunning", "WorkflowNodeRunning", node_end, last])
        for e in events:
            if e["reason"] == "WorkflowNodeRunning":
                assert e["message"].startswith(f"Running node {prefix}")
            elif e["reason"] == node_end:
                assert e["message"].startswith(f"{node_end[len('WorkflowNode'):]} node {prefix}")
                annotations = e["metadata"]["annotations"]
                assert annotations["workflows.argoproj.io/node-type"] == "Pod"
                assert annotations["workflows.argoproj.io/node-name"].startswith(prefix)
            elif e["reason"] == "WorkflowFailed":
                assert "exit code 1" in e["message"]
            elif e["reason"] == "WorkflowSucceeded":
                assert e["message"] == "Workflow completed"

    api_fact(settings, body)


# ------------------------------------------------------------------------------------------- debug pause
@pytest.mark.parametrize(
    "markers",
    [
        pytest.param(("before",), id="before", marks=fact("suspend", "TestPauseBefore")),
        pytest.param(("after",), id="after", marks=fact("suspend", "TestPauseAfter")),
        pytest.param(("before", "after"), id="before-after", marks=fact("suspend", "TestPauseAfterAndBefore")),
    ],
)
def test_debug_pause_released_by_its_marker_files(argo, markers: tuple[str, ...]) -> None:
    # Argo's test creates the marker files in the pod (kubectl exec) once it runs; here they are created in
    # the step's folder, where a paused step waits for them (`argento.engine.debug`).
    import threading
    import time

    env = "[" + ", ".join(f"{{name: ARGO_DEBUG_PAUSE_{m.upper()}, value: 'true'}}" for m in markers) + "]"
    done = threading.Event()

    def release() -> None:
        deadline = time.monotonic() + 60
        while not done.is_set() and time.monotonic() < deadline:
            for folder in argo.settings.home.glob("runs/*/*/var/run/argo/ctr/main"):
                for m in markers:
                    (folder / m).touch()
            time.sleep(0.05)

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    try:
        run = argo.run(wf(f"""
        entrypoint: whalesay
        templates:
        - name: whalesay
          container:
            image: argoproj/argosay:v2
            env: {env}
        """, name="pause"))
    finally:
        done.set()
        thread.join()
    assert run.phase == "Succeeded", run.message
    paused = list(argo.settings.home.glob("runs/*/*/var/run/argo/ctr/main"))
    assert paused, "the step never paused"
