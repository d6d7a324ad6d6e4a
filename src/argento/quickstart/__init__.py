"""``argento quickstart``: the seed guide's whole pipeline on the embedded defaults (SPEC §7).

1. ``argento up``: the Argento server (API + UI) and a lean MLflow tracking server, unless already running;
2. submit ``pipeline.yaml`` (train → evaluate → deploy, deploy only ``when`` evaluate says ``success``) to the
   server and follow it: train fits a scikit-learn classifier on iris, logs params, metrics and the model to
   MLflow and saves it to the model store; evaluate checks an accuracy threshold; deploy promotes the model,
   builds a bento and deploys it with 2 replicas;
3. send predictions to the deployment through the server's gateway and print one, with the endpoint and the
   UI and MLflow URLs.

Without an Argento server in this installation the workflow runs in-process (as ``argento run`` does) and
the deploy step is left out. Re-running is idempotent: a new model version, the same deployment updated.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from argento.client.http import auth_header
from argento.config import Settings
from argento.errors import ArgentoError
from argento.yamlsafe import safe_load

PIPELINE = Path(__file__).with_name("pipeline.yaml")

#: Flowers sent to the deployment once it serves: (measurements, expected species).
SAMPLES = [
    ([5.1, 3.5, 1.4, 0.2], "setosa"),
    ([5.9, 3.0, 4.2, 1.5], "versicolor"),
    ([6.7, 3.0, 5.2, 2.3], "virginica"),
]


@dataclass
class Result:
    """What a quickstart run produced (``argento quickstart -o json`` prints it)."""

    workflow: str = ""
    phase: str = ""
    model: str = ""
    mlflow_run_id: str = ""
    mlflow_run_url: str = ""
    endpoint: str = ""
    #: Where the deployment landed: the workflow's namespace, as every step's deployment (``argo`` by default).
    deployment_namespace: str = ""
    predictions: list[dict[str, Any]] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def manifest(parameters: dict[str, str] | None = None) -> dict[str, Any]:
    """The embedded workflow with ``parameters`` overriding its defaults."""
    wf = safe_load(PIPELINE.read_text(), str(PIPELINE))
    for param in wf["spec"]["arguments"]["parameters"]:
        if parameters and param["name"] in parameters:
            param["value"] = str(parameters[param["name"]])
    return wf


def run_quickstart(
    settings: Settings,
    *,
    parameters: dict[str, str] | None = None,
    echo: Callable[[str], None] = print,
    timeout: float = 600.0,
) -> Result:
    """Bring the platform up, run the pipeline, query the deployment; see the module docstring."""
    from argento.cli.up import bring_up

    t0 = time.monotonic()
    result = Result()
    port = int(httpx.URL(settings.server).port or 2746)
    components, notes = bring_up(settings, port=port)
    result.notes += notes
    urls = {c.name: c.url for c in components}
    wf = manifest(parameters)
    if "server" in urls:
        final = _on_server(settings, urls["server"], wf, echo, timeout)
        result.urls["ui"] = (
            f"{urls['server']}/workflows/{final['metadata']['namespace']}/{final['metadata']['name']}"
        )
    else:
        final = _in_process(settings, wf)
    if "mlflow" in urls:
        result.urls["mlflow"] = urls["mlflow"]
    status = final.get("status") or {}
    result.workflow, result.phase = final["metadata"]["name"], status.get("phase", "")
    nodes = {n.get("displayName"): n for n in (status.get("nodes") or {}).values()}
    params = {
        p["name"]: p.get("value", "")
        for p in ((nodes.get("train") or {}).get("outputs") or {}).get("parameters") or []
    }
    result.model = params.get("model", "")
    result.mlflow_run_id, result.mlflow_run_url = (
        params.get("mlflow-run-id", ""),
        params.get("mlflow-run-url", ""),
    )
    if result.phase != "Succeeded":
        failed = [
            f"{n}: {v.get('message', '')}" for n, v in nodes.items() if v.get("phase") in ("Failed", "Error")
        ]
        raise ArgentoError(f"the quickstart workflow {result.workflow} {result.phase}: {'; '.join(failed)}")
    deploy = nodes.get("deploy") or {}
    if "server" in urls and deploy.get("phase") == "Succeeded":
        name = wf["spec"]["arguments"]["parameters"][1]["value"]
        result.endpoint = f"{urls['server']}/deployments/{name}/predict"
        result.deployment_namespace = str(
            httpx.get(
                f"{urls['server']}/api/v1/deployments/{name}", timeout=30, headers=auth_header(settings.token)
            )
            .json()
            .get("namespace")
        )
        result.predictions = predict(result.endpoint)
    elif deploy.get("phase") == "Skipped":
        result.notes.append("evaluate did not pass the threshold: nothing was deployed")
    result.seconds = time.monotonic() - t0
    return result


def _on_server(
    settings: Settings, server: str, wf: dict[str, Any], echo: Callable[[str], None], timeout: float
) -> dict[str, Any]:
    """Submit to the server and print each step's transitions until the workflow finishes."""
    from argento.client import ArgoClient

    client = ArgoClient(server, token=settings.token, namespace=settings.namespace)
    created = client.workflows.create(wf)
    name = created["metadata"]["name"]
    echo(f"submitted workflow {name}")
    seen: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while True:
        current = client.workflows.get(name)
        status = current.get("status") or {}
        for node in (status.get("nodes") or {}).values():
            if node.get("type") not in ("Pod", "Skipped"):
                continue
            phase = node.get("phase", "")
            if seen.get(node["id"]) != phase:
                seen[node["id"]] = phase
                message = f"  {node['message']}" if node.get("message") else ""
                echo(f"  {node.get('displayName', node['name']):<9} {phase}{message}")
        if status.get("phase") not in (None, "", "Pending", "Running"):
            return current
        if time.monotonic() > deadline:
            raise ArgentoError(f"the quickstart workflow {name} did not finish within {timeout:.0f}s")
        time.sleep(0.25)


def _in_process(settings: Settings, wf: dict[str, Any]) -> dict[str, Any]:
    """Run the pipeline in this process (no server): train and evaluate only."""
    import asyncio

    from argento.engine import RunOptions, WorkflowRunner
    from argento.tracking import StepPlatform

    wf["spec"]["templates"][0]["dag"]["tasks"] = wf["spec"]["templates"][0]["dag"]["tasks"][:2]
    options = RunOptions(settings=settings, platform=StepPlatform.from_settings(settings))

    async def go() -> dict[str, Any]:
        runner = WorkflowRunner(wf, options)
        try:
            return await runner.run()
        finally:
            if runner._executor is not None:
                await runner._executor.close()

    return asyncio.run(go())


def predict(endpoint: str, *, attempts: int = 3) -> list[dict[str, Any]]:
    """Send :data:`SAMPLES` to the deployment; returns ``{"features", "expected", "answer"}`` per sample."""
    out = []
    with httpx.Client(timeout=30) as http:
        for features, expected in SAMPLES:
            for attempt in range(attempts):
                resp = http.post(endpoint, json={"features": features})
                if resp.status_code == 200 or attempt == attempts - 1:
                    break
                time.sleep(0.5)
            if resp.status_code != 200:
                raise ArgentoError(f"POST {endpoint} answered {resp.status_code}: {resp.text[:200]}")
            out.append({"features": features, "expected": expected, "answer": resp.json()})
    return out


def report(result: Result) -> list[str]:
    """The closing lines a person reads."""
    lines = [f"Workflow {result.workflow} {result.phase} in {result.seconds:.0f}s; model {result.model}"]
    if result.predictions:
        first = result.predictions[0]
        lines.append(f"Prediction for {first['features']}: {first['answer']}")
    if result.endpoint:
        lines.append(f"Endpoint:   {result.endpoint}")
        lines.append(
            f"            curl -s {result.endpoint} -H 'content-type: application/json' "
            f"-d '{{\"features\": [5.1, 3.5, 1.4, 0.2]}}'"
        )
    if result.urls.get("ui"):
        lines.append(f"UI:         {result.urls['ui']}")
    if result.mlflow_run_url:
        lines.append(f"MLflow run: {result.mlflow_run_url}")
    elif result.urls.get("mlflow"):
        lines.append(f"MLflow:     {result.urls['mlflow']}")
    lines += [f"note: {n}" for n in result.notes]
    return lines


__all__ = ["PIPELINE", "SAMPLES", "Result", "manifest", "predict", "report", "run_quickstart"]
