"""The guide's "Monitoring" section: its ServiceMonitor, rendered by ``argento monitoring prometheus-config`` and
scraped by Debian's real ``prometheus`` against a live server; and the Grafana dashboard of examples/monitoring
uses only metric names Argento exports.

The ``prometheus`` binary is installed by .ci/run when missing (``apt-get install prometheus``); without it the
Prometheus test is skipped with that reason.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from seed_guide import REPO, Platform, argento, find, free_port, platform

pytestmark = pytest.mark.slow
DASHBOARD = REPO / "examples" / "monitoring" / "grafana-dashboard.json"

WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: monitored-
  namespace: mlops
spec:
  entrypoint: main
  templates:
    - name: main
      container:
        image: python:3.11
        command: [python, -c]
        args: ["print('monitored')"]
"""
SERVICE = """\
import argento


@argento.service
class Echo:
    @argento.api
    def echo(self, text: str) -> dict:
        return {"echo": text}
"""


@pytest.fixture(scope="module")
def plat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A server with one finished workflow (namespace mlops) and one deployment that served requests."""
    root = tmp_path_factory.mktemp("seed-monitoring")
    with platform(root / "home", mlflow=False) as p:
        (root / "wf.yaml").write_text(WORKFLOW)
        proc = argento("submit", str(root / "wf.yaml"), "--wait", env=p.env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        (root / "echo_service.py").write_text(SERVICE)
        proc = argento(
            "deploy",
            "--service",
            "echo_service:Echo",
            "--working-dir",
            str(root),
            "--name",
            "echo",
            env=p.env,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        for _ in range(3):
            assert p.predict("echo", {"text": "hi"}, route="echo") == {"echo": "hi"}
        yield p


def _query(prom: str, promql: str) -> list[dict[str, Any]]:
    resp = httpx.get(f"{prom}/api/v1/query", params={"query": promql}, timeout=10)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["data"]["result"])


@pytest.mark.timeout(600)
def test_prometheus_scrapes_the_guide_service_monitor(plat: Platform, tmp_path: Path) -> None:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip("Debian's prometheus is not installed (apt-get install prometheus; .ci/run does it)")
    monitor = tmp_path / "servicemonitor.yaml"
    monitor.write_text(find("Argo Workflows Metrics", "yaml").text)
    config = tmp_path / "prometheus.yml"
    proc = argento(
        "monitoring", "prometheus-config", str(monitor), "--interval", "2s", "-o", str(config), env=plat.env
    )
    assert proc.returncode == 0, proc.stderr
    jobs = {j["job_name"]: j for j in yaml.safe_load(config.read_text())["scrape_configs"]}
    assert jobs["serviceMonitor/mlops/argo-workflows/0"]["scrape_interval"] == "30s"  # the guide's interval
    port = free_port()
    prom = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "prometheus.log", "wb"),  # noqa: SIM115
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # the first scrape of a 30 s job lands within its interval
        workflows: list[dict[str, Any]] = []
        requests: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not (workflows and requests):
            assert prom.poll() is None, (tmp_path / "prometheus.log").read_text()[-2000:]
            try:
                workflows = _query(url, 'argo_workflows_gauge{phase="Succeeded"} > 0')
                requests = _query(url, 'argento_service_request_total{endpoint="echo",status="200"} >= 3')
            except httpx.HTTPError:
                pass
            time.sleep(1)
        assert workflows, "no workflow metric through Prometheus"
        assert requests, "no request counter of the service through Prometheus"
        assert workflows[0]["metric"]["job"] == "serviceMonitor/mlops/argo-workflows/0"
        assert requests[0]["metric"]["deployment"] == "echo" and requests[0]["metric"]["service"] == "Echo"
        assert float(requests[0]["value"][1]) >= 3
    finally:
        prom.terminate()
        prom.wait(30)


def _declared(text: str) -> dict[str, str]:
    """``# TYPE name kind`` of a Prometheus exposition."""
    return {m.group(1): m.group(2) for m in re.finditer(r"^# TYPE (\S+) (\S+)$", text, re.M)}


def _exists(name: str, declared: dict[str, str]) -> bool:
    if name in declared:
        return True
    base, _, suffix = name.rpartition("_")
    return suffix in ("bucket", "sum", "count") and declared.get(base) in ("histogram", "summary")


def test_grafana_dashboard_uses_only_exported_metrics(plat: Platform) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            exprs.extend(v for k, v in node.items() if k in ("expr", "query") and isinstance(v, str))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(dashboard)
    used = {m for e in exprs for m in re.findall(r"\b(?:argo|argento)_[a-z0-9_]+", e)}
    assert len(used) >= 10, used
    declared = _declared(httpx.get(f"{plat.server}/metrics", timeout=10).text)
    (target,) = httpx.get(
        f"{plat.server}/api/v1/monitoring/targets", params={"app": "echo"}, timeout=10
    ).json()
    declared |= _declared(httpx.get(f"http://{target['targets'][0]}/metrics", timeout=10).text)
    missing = sorted(n for n in used if not _exists(n, declared))
    assert not missing, f"the dashboard queries metrics Argento does not export: {missing}"
