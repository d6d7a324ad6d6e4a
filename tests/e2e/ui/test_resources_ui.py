"""Templates, cron workflows, the archive, models and login (client auth mode) in a real browser."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

TEMPLATE = {
    "metadata": {"name": "ui-train"},
    "spec": {
        "entrypoint": "main",
        "arguments": {"parameters": [{"name": "lr", "value": "0.1"}, {"name": "model", "value": "rf", "enum": ["rf", "xgb"]}]},
        "templates": [{
            "name": "main",
            "inputs": {"parameters": [{"name": "lr"}, {"name": "model"}]},
            "container": {"image": "alpine", "command": ["sh", "-c"],
                          "args": ["echo training {{inputs.parameters.model}} lr={{inputs.parameters.lr}}"]},
        }],
    },
}
CRON = {
    "metadata": {"name": "ui-nightly"},
    "spec": {
        "schedules": ["0 2 * * *"],
        "timezone": "UTC",
        "workflowSpec": {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "alpine", "command": ["true"]}}]},
    },
}


def test_submit_from_a_template_with_parameters(page: Any, server: Any, snap: Any) -> None:
    r = server.api.post("/api/v1/workflow-templates/argo", json={"namespace": "argo", "template": TEMPLATE})
    assert r.status_code == 200, r.text
    page.goto("/workflow-templates/argo")
    row = page.locator("table.grid tbody tr", has_text="ui-train")
    expect(row).to_contain_text("lr, model")
    row.get_by_role("button", name="Submit").click()
    dialog = page.locator("dialog")
    expect(dialog.get_by_role("tab", name="From template")).to_have_class(re.compile("active"))
    dialog.locator("input[name=lr]").fill("0.5")
    dialog.locator("select[name=model]").select_option("xgb")
    snap("20-submit-from-template")
    dialog.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r"/workflows/argo/ui-train-\w+$"))
    expect(page.locator(".wf-info")).to_contain_text("lr=0.5")
    expect(page.locator(".page-head .badge").first).to_have_attribute("data-phase", "Succeeded", timeout=20_000)
    page.get_by_role("button", name="Logs", exact=True).click()
    expect(page.locator(".other-host pre.logs")).to_contain_text("training xgb lr=0.5")

    page.goto("/workflow-templates/argo/ui-train")
    expect(page.locator(".section")).to_contain_text("ui-train-")  # its recent workflows


def test_cron_workflows_show_next_runs_and_suspend(page: Any, server: Any, snap: Any) -> None:
    r = server.api.post("/api/v1/cron-workflows/argo", json={"namespace": "argo", "cronWorkflow": CRON})
    assert r.status_code == 200, r.text
    page.goto("/cron-workflows/argo")
    row = page.locator("table.grid tbody tr", has_text="ui-nightly")
    expect(row).to_contain_text("0 2 * * *")
    expect(row.locator("time")).to_have_count(3)  # the next three runs
    snap("21-cron-list")
    row.get_by_role("button", name="Suspend").click()
    expect(row).to_contain_text("Suspended")
    assert server.api.get("/api/v1/cron-workflows/argo/ui-nightly").json()["spec"]["suspend"] is True
    row.get_by_role("button", name="Resume").click()
    expect(row.locator("time")).to_have_count(3)

    page.goto("/cron-workflows/argo/ui-nightly")
    runs = page.locator("ul.runs li")
    expect(runs).to_have_count(5)
    expect(runs.first).to_contain_text("2:00")
    page.get_by_role("tab", name="YAML").click()
    expect(page.locator("pre.yaml")).to_contain_text("schedules:")


def test_archived_workflow_opens_with_its_graph(page: Any, server: Any) -> None:
    wf = server.submit({"metadata": {"generateName": "ui-archive-"},
                        "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "alpine", "command": ["true"]}}]}})
    name = wf["metadata"]["name"]
    server.wait_phase(name)
    archived = server.api.get("/api/v1/archived-workflows", params={"namespace": "argo"}).json().get("items") or []
    if not any(a["metadata"]["name"] == name for a in archived):
        pytest.skip("this server does not archive finished workflows")
    page.goto("/archived-workflows/argo")
    page.get_by_role("link", name=name).click()
    page.wait_for_url(re.compile(r"/archived-workflows/argo/[\w-]+$"))
    expect(page.locator(".page-head h1")).to_have_text(name)
    page.wait_for_function("() => window.argento?.graph?.graph.nodes.length > 0")
    expect(page.locator("button[data-action=resubmit]")).to_be_visible()


def test_models_page(page: Any, server: Any, snap: Any) -> None:
    status = server.api.get("/api/v1/models").status_code
    page.goto("/models")
    if status in (404, 405, 503):
        # The registry API is not on the server yet: the page says so instead of failing.
        expect(page.locator(".notice")).to_contain_text("Models are not available on this server")
        snap("22-models-not-available")
        # Until it is, the pages are checked against answers in the shape of `Model.to_dict()` and the alias log.
        fake_registry(page)
        page.goto("/models")
        expect(page.locator(".card", has_text="iris")).to_contain_text("production → v2")
        page.get_by_role("link", name="iris").click()
        expect(page.locator(".metrics")).to_contain_text("accuracy")
        expect(page.get_by_role("link", name="open in MLflow ↗")).to_have_attribute("href", re.compile(r"/#/experiments/3/runs/abc123$"))
        expect(page.locator(".section", has_text="Alias history")).to_contain_text("v1 → v2")
        snap("22-model-page")
        return
    from argento.config import Settings
    from argento.registry import default_store

    store = default_store(Settings.from_env({"ARGENTO_HOME": str(server.home)}))
    store.save("ui-iris", {"w": [1, 2]}, framework="pickle", metadata={"accuracy": 0.97, "f1": 0.95})
    store.tag("ui-iris:latest", "production")
    page.goto("/models")
    page.get_by_role("link", name="ui-iris").click()
    expect(page.locator(".section").first).to_contain_text("production")
    expect(page.locator(".metrics")).to_contain_text("accuracy")
    snap("22-model")


def fake_registry(page: Any) -> None:
    """Answer /api/v1/models* in the browser with a registry of one model, two versions, one alias."""
    import json

    def version(v: str, accuracy: float, when: str) -> dict[str, Any]:
        return {"tag": f"iris:{v}", "name": "iris", "version": v, "framework": "sklearn", "created_at": when,
                "labels": {"team": "ml"}, "metadata": {"accuracy": accuracy, "mlflow_run_id": "abc123",
                                                        "mlflow_experiment_id": "3", "mlflow_tracking_uri": "http://mlflow:5000"},
                "signatures": {"predict": {"batchable": True, "batch_dim": 0}}, "size_bytes": 2048,
                "aliases": ["production"] if v == "v2" else []}

    versions = [version("v1", 0.91, "2026-11-01T10:00:00+00:00"), version("v2", 0.97, "2026-11-02T10:00:00+00:00")]
    history = [
        {"time": "2026-11-01T11:00:00+00:00", "alias": "production", "from": None, "to": "v1", "action": "tag", "user": "ana"},
        {"time": "2026-11-02T11:00:00+00:00", "alias": "production", "from": "v1", "to": "v2", "action": "tag", "user": "ana"},
    ]

    def answer(route: Any) -> None:
        path = route.request.url.split("/api/v1/models", 1)[1].split("?")[0]
        body: Any = {"items": versions} if path in ("", "/", "/iris") else {"items": history} if path == "/iris/history" else None
        if body is None:
            route.fulfill(status=404, json={"code": 5, "message": "not found"})
        else:
            route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route("**/api/v1/models**", answer)


def test_login_in_client_auth_mode(browser: Any, server_class: Any, tmp_path: Path, artifacts: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "ARGENTO_HOME": str(home)}
    token = subprocess.run([sys.executable, "-m", "argento.cli.main", "auth", "token", "create", "--name", "ui"],
                           env=env, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    srv = server_class(home, "--auth-mode", "client", token=token).start()
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=srv.url)
        page = context.new_page()
        page.goto("/workflows/argo")
        page.wait_for_url(re.compile(r"/login\?redirect="))
        page.get_by_label("Token").fill("not-a-token")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("not valid")
        page.get_by_label("Token").fill(token)
        page.screenshot(path=str(artifacts / "23-login.png"))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/workflows/argo$"))
        expect(page.get_by_role("heading", name="Workflows")).to_be_visible()
        expect(page.locator("#user")).to_contain_text("ui")
        cookie = next(c for c in context.cookies() if c["name"] == "authorization")
        assert cookie["value"].startswith("Bearer%20")
        expect(page.locator(".live")).to_have_attribute("data-state", "live")  # streams carry the cookie too
        page.get_by_role("button", name="sign out").click()
        page.wait_for_url(re.compile(r"/login"))
        context.close()
    finally:
        srv.stop()
