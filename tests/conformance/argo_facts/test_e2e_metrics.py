"""Argo's metrics e2e suite (``test/e2e/metrics_test.go``) as facts: Argento's server in-process, workflows submitted
through the API and run by the local executor (real processes), ``/metrics`` read before and after as Argo's
``MetricBaseline`` does (the first sample line containing the pattern; the increase is what is asserted).
CronWorkflows are driven by explicit ticks of the cron controller (no waiting for the minute) on the fake
executor, whose ``sleep`` keeps a workflow running until it is stopped.

Skipped (cannot apply locally):

- ``TestPodPendingMetric``: ``pod_pending_count{reason="Unschedulable"}`` needs the Kubernetes scheduler to refuse a
  pod; local steps are never pending for a node.
- ``TestClientRateLimiterLatencyMetric``, ``TestResourceRateLimiterLatencyMetric``: latencies of the Kubernetes API
  client's and the pod-creation rate limiters; there is no Kubernetes client or pod-creation limiter here.
- ``TestMetricsEndpoint``'s ``argo_workflows_k8s_request_total`` lines (requests to the Kubernetes API); the rest of
  that test is a fact below.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import yaml
from tests.conformance.argo_facts._server import serve, wait_for

MET = "test/e2e/metrics_test.go"
NS = "/api/v1/workflows/argo"


def fact(test: str) -> pytest.MarkDecorator:
    return pytest.mark.fact("metrics", f"{MET}:{test}")


def metric_value(body: str, pattern: str) -> float:
    """Argo's ``parseMetricValue``: the value of the first sample line containing ``pattern`` (0 if none)."""
    for line in body.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or pattern not in line:
            continue
        found = re.search(r"\s+([0-9.]+)$", line)
        if found:
            return float(found.group(1))
    return 0.0


class Baseline:
    """Argo's ``MetricBaseline``: values captured before, increases checked after."""

    def __init__(self, client: httpx.AsyncClient, increases: dict[str, float]) -> None:
        self.client = client
        self.increases = increases
        self.before: dict[str, float] = {}

    async def values(self) -> dict[str, float]:
        body = (await self.client.get("/metrics")).text
        return {m: metric_value(body, m) for m in self.increases}

    async def capture(self) -> Baseline:
        self.before = await self.values()
        return self

    async def expect_increase(self, *, timeout: float = 20.0) -> None:
        """Every increase is exactly as expected (polled: metrics follow the workflow's last events)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            now = await self.values()
            got = {m: now[m] - self.before[m] for m in self.increases}
            if got == self.increases:
                return
            if asyncio.get_running_loop().time() > deadline:
                assert got == self.increases
            await asyncio.sleep(0.05)


def api(settings, body: Callable[[httpx.AsyncClient], Awaitable[None]], **kwargs: Any) -> None:
    """``body`` against a fresh in-process server on the local executor (or ``kwargs``' choice)."""
    if "executor" not in kwargs:
        kwargs.update(executor=None, executor_name="local")

    async def go() -> None:
        async with serve(settings, **kwargs) as client:
            await body(client)

    asyncio.run(go())


async def submit(client: httpx.AsyncClient, text: str) -> str:
    wf = yaml.safe_load(text)
    r = await client.post(NS, json={"workflow": wf})
    assert r.status_code == 200, r.text
    return str(r.json()["metadata"]["name"])


async def create(client: httpx.AsyncClient, path: str, key: str, text: str) -> None:
    r = await client.post(path, json={key: yaml.safe_load(text)})
    assert r.status_code == 200, r.text


# --------------------------------------------------------------------------------------------- endpoint
@fact("TestMetricsEndpoint")
def test_metrics_endpoint(settings) -> None:
    async def body(client: httpx.AsyncClient) -> None:
        r = await client.get("/metrics")
        assert r.status_code == 200
        for text in (
            "HELP argo_workflows_gauge",
            "HELP argo_workflows_pods_gauge",
            "HELP argo_workflows_workers_busy",
            "HELP argo_workflows_workflow_condition",
            'log_messages{level="info"}',
            'log_messages{level="warning"}',
            'log_messages{level="error"}',
        ):
            assert text in r.text, text

    api(settings, body)


# ------------------------------------------------------------------------------------------ custom metrics
RETRY = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: workflow-retry-metrics
spec:
  entrypoint: main
  podGC:
    strategy: OnWorkflowSuccess
  templates:
    - name: main
      steps:
        - - continueOn: {error: true, failed: true}
            name: runTest
            template: run-test
    - container:
        name: runner
        image: 'argoproj/argosay:v2'
        args: [exit 1]
        command: [sh, -c]
      metrics:
        prometheus:
          - counter: {value: "1"}
            help: Count of runs by exit code
            labels:
              - {key: exit_code, value: '{{exitCode}}'}
              - {key: status, value: "{{status}}"}
            name: runs_exit_status_counter
      name: run-test
      retryStrategy:
        limit: "2"
"""


@fact("TestRetryMetrics")
def test_retry_metrics(settings) -> None:
    async def body(client: httpx.AsyncClient) -> None:
        # initial attempt + 2 retries
        base = await Baseline(client, {'runs_exit_status_counter{exit_code="1",status="Failed"}': 3}).capture()
        wf = await wait_for(client, await submit(client, RETRY), timeout=60)
        assert wf["status"]["phase"] == "Succeeded"
        await base.expect_increase()

    api(settings, body)


DAG = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: dag-diamond-
spec:
  entrypoint: diamond
  templateDefaults:
    metrics:
      prometheus:
        - name: result_counter
          help: "Count of step execution by result status"
          labels:
            - {key: status, value: "{{status}}"}
          counter: {value: "1"}
  templates:
    - name: diamond
      dag:
        tasks:
          - {name: A, template: echo, arguments: {parameters: [{name: message, value: A}]}}
          - {name: B, depends: "A", template: echo, arguments: {parameters: [{name: message, value: B}]}}
          - {name: C, depends: "A", template: echo, arguments: {parameters: [{name: message, value: C}]}}
          - {name: D, depends: "B && C", template: echo, arguments: {parameters: [{name: message, value: D}]}}
    - name: echo
      inputs:
        parameters: [{name: message}]
      container:
        image: argoproj/argosay:v2
        command: [echo, "{{inputs.parameters.message}}"]
"""


@fact("TestDAGMetrics")
def test_dag_metrics_from_template_defaults(settings) -> None:
    async def body(client: httpx.AsyncClient) -> None:
        # the 4 tasks A, B, C, D and the DAG itself
        base = await Baseline(client, {'argo_workflows_result_counter{status="Succeeded"}': 5}).capture()
        wf = await wait_for(client, await submit(client, DAG), timeout=60)
        assert wf["status"]["phase"] == "Succeeded"
        await base.expect_increase()

    api(settings, body)


FAILED = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: template-status-failed-conditional-metric-
spec:
  entrypoint: dag
  templates:
  - name: dag
    metrics:
        prometheus:
        - counter: {value: "1"}
          help: Task failed
          name: task_failure
          when: '{{status}} == Failed'
    dag:
      tasks:
      - name: test
        template: echo
        arguments:
          parameters: [{name: message, value: "test"}]
  - name: echo
    inputs:
      parameters: [{name: message}]
    container:
      image: argoproj/argosay:v2
      command: ["{{inputs.parameters.message}}"]
"""


@fact("TestFailedMetric")
def test_conditional_metric_of_a_failed_template(settings) -> None:
    async def body(client: httpx.AsyncClient) -> None:
        base = await Baseline(client, {"argo_workflows_task_failure": 1}).capture()
        wf = await wait_for(client, await submit(client, FAILED), timeout=60)
        assert wf["status"]["phase"] == "Failed"  # `test` with no arguments exits 1
        await base.expect_increase()

    api(settings, body)


# --------------------------------------------------------------------------------------- template metrics
BASIC_WFT = """
apiVersion: argoproj.io/v1alpha1
kind: {kind}
metadata:
  name: basic
spec:
  workflowMetadata:
    labels:
      workflows.argoproj.io/test: "true"
  entrypoint: main
  templates:
    - name: main
      container:
        image: argoproj/argosay:v2
"""

TEMPLATEREF = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: templateref-metrics-
spec:
  workflowTemplateRef:
    name: basic
    clusterScope: {cluster}
"""


def template_increases(cluster: str) -> dict[str, float]:
    labels = f'cluster_scope="{cluster}",name="basic",namespace="argo"'
    return {
        f'workflowtemplate_triggered_total{{{labels},phase="New"}}': 1,
        f'workflowtemplate_triggered_total{{{labels},phase="Running"}}': 1,
        f'workflowtemplate_triggered_total{{{labels},phase="Succeeded"}}': 1,
        f"workflowtemplate_runtime_count{{{labels}}}": 1,
        f'workflowtemplate_runtime_bucket{{{labels},le="0"}}': 0,  # should not increase
        f'workflowtemplate_runtime_bucket{{{labels},le="+Inf"}}': 1,
    }


@fact("TestTemplateMetrics")
def test_workflow_template_metrics(settings) -> None:
    async def body(client: httpx.AsyncClient) -> None:
        increases = {
            'total_count{namespace="argo",phase="Running"}': 1,
            'total_count{namespace="argo",phase="Succeeded"}': 1,
            **template_increases("false"),
        }
        base = await Baseline(client, increases).capture()
        await create(client, "/api/v1/workflow-templates/argo", "template", BASIC_WFT.format(kind="WorkflowTemplate"))
        wf = await wait_for(client, await submit(client, TEMPLATEREF.format(cluster="false")), timeout=60)
        assert wf["status"]["phase"] == "Succeeded"
        await base.expect_increase()

    api(settings, body)


@fact("TestClusterTemplateMetrics")
def test_cluster_workflow_template_metrics(settings) -> None:
    async def body(client: httpx.AsyncClient) -> None:
        base = await Baseline(client, template_increases("true")).capture()
        await create(
            client,
            "/api/v1/cluster-workflow-templates",
            "template",
            BASIC_WFT.format(kind="ClusterWorkflowTemplate"),
        )
        wf = await wait_for(client, await submit(client, TEMPLATEREF.format(cluster="true")), timeout=60)
        assert wf["status"]["phase"] == "Succeeded"
        await base.expect_increase()

    api(settings, body)


# ----------------------------------------------------------------------------------------- cron counters
CRON = """
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: test-cron-metric-{policy_lower}
spec:
  schedules:
    - "* * * * *"
  concurrencyPolicy: "{policy}"
  startingDeadlineSeconds: 0
  workflowMetadata:
    labels:
      workflows.argoproj.io/test: "true"
  workflowSpec:
    podGC:
      strategy: OnPodCompletion
    entrypoint: sleep
    templates:
      - name: sleep
        container:
          image: argoproj/argosay:v2
          args: ["sleep", "120"]
"""


def cron_fact(settings, policy: str, increases: dict[str, float]) -> None:
    """Create the CronWorkflow, tick at two consecutive minutes (the first run still going), check the counters."""
    async def go() -> None:
        from tests.conformance.argo_facts._server import argosay

        from argento.executors.fake import FakeExecutor
        from argento.server import create_app, starlette_app
        from argento.server.app import context_of

        app = create_app(settings, executor=FakeExecutor(argosay), executor_name="fake", run_crons=False)
        inner = starlette_app(app)
        async with inner.router.lifespan_context(inner):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
                crons = context_of(app).crons
                base = await Baseline(client, increases).capture()
                text = CRON.format(policy=policy, policy_lower=policy.lower())
                await create(client, "/api/v1/cron-workflows/argo", "cronWorkflow", text)
                created = datetime.now(UTC).replace(microsecond=0)
                first = created.replace(second=0) + timedelta(minutes=1)
                started = crons.tick(first)
                assert len(started) == 1
                await wait_for(
                    client,
                    started[0],
                    until=lambda wf: (wf.get("status") or {}).get("phase") == "Running",
                )
                crons.tick(first + timedelta(minutes=1))
                await base.expect_increase()
                for name in (w["metadata"]["name"] for w in (await client.get(NS)).json()["items"] or []):
                    await client.put(f"{NS}/{name}/terminate")

    asyncio.run(go())


@fact("TestCronCountersForbid")
def test_cron_counters_forbid(settings) -> None:
    cron_fact(
        settings,
        "Forbid",
        {
            # the second activation is forbidden: one run
            'cronworkflows_triggered_total{name="test-cron-metric-forbid",namespace="argo"}': 1,
            'cronworkflows_concurrencypolicy_triggered{concurrency_policy="Forbid",'
            'name="test-cron-metric-forbid",namespace="argo"}': 1,
        },
    )


@fact("TestCronCountersReplace")
def test_cron_counters_replace(settings) -> None:
    cron_fact(
        settings,
        "Replace",
        {
            'cronworkflows_triggered_total{name="test-cron-metric-replace",namespace="argo"}': 2,
            'cronworkflows_concurrencypolicy_triggered{concurrency_policy="Replace",'
            'name="test-cron-metric-replace",namespace="argo"}': 1,
        },
    )
