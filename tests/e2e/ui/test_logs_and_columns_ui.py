"""Issue 17 items 7 and 13 (a, c) in a real browser: stderr lines marked in the log view (and timestamps on
request), the model page's MLflow column linking the run of a model saved with ``mlflow_run_id`` while an
MLflow server is known, and the workflow list's Message column of a failed workflow."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z"


def test_stderr_lines_are_marked_and_timestamps_shown_on_request(page: Any, server: Any) -> None:
    script = "echo to-stdout; echo to-stderr >&2; echo again-stdout"
    wf = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "ui-streams-"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "container": {"image": "alpine", "command": ["sh", "-c"], "args": [script]}}
            ],
        },
    }
    name = server.submit(wf)["metadata"]["name"]
    server.wait_phase(name)
    page.goto(f"/workflows/argo/{name}?view=logs")
    logs = page.locator(".other-host pre.logs")
    expect(logs).to_contain_text("again-stdout")
    expect(logs.locator("span.stderr")).to_have_count(1)
    expect(logs.locator("span.stderr")).to_contain_text("to-stderr")
    assert "to-stdout" not in logs.locator("span.stderr").inner_text()
    page.locator(".other-host label.check", has_text="timestamps").locator("input").check()
    expect(logs).to_contain_text(re.compile(STAMP + " to-stdout"))
    expect(logs.locator("span.stderr")).to_contain_text(re.compile(STAMP + " to-stderr"))


def test_a_failed_workflow_shows_its_message_in_the_list(page: Any, server: Any) -> None:
    wf = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "ui-fails-"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": [[{"name": "boom", "template": "boom"}]]},
                {
                    "name": "boom",
                    "container": {"image": "alpine", "command": ["sh", "-c"], "args": ["exit 3"]},
                },
            ],
        },
    }
    name = server.submit(wf)["metadata"]["name"]
    message = server.wait_phase(name)["status"].get("message")
    assert message, "the failed workflow has a status.message (Argo's: the entry node's)"
    page.goto("/workflows/argo")
    expect(page.locator(f"tr[data-name='{name}'] td.message")).to_have_text(message)


def test_a_failed_dag_shows_the_message_of_the_step_that_failed(page: Any, server: Any) -> None:
    """Argo leaves a failed DAG's workflow message empty (controller/dag.go marks the DAG node Failed with no
    message, and the workflow takes the entry node's): the list and the page show the failed step's."""
    wf = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "ui-dag-fails-"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "dag": {"tasks": [{"name": "train", "template": "boom"}]}},
                {
                    "name": "boom",
                    "container": {"image": "alpine", "command": ["sh", "-c"], "args": ["exit 3"]},
                },
            ],
        },
    }
    name = server.submit(wf)["metadata"]["name"]
    status = server.wait_phase(name)["status"]
    assert status["phase"] == "Failed" and not status.get("message")  # as Argo
    step = next(n for n in status["nodes"].values() if n["displayName"] == "train")
    page.goto("/workflows/argo")
    cell = page.locator(f"tr[data-name='{name}'] td.message")
    expect(cell).to_have_text(f"train: {step['message']}")
    expect(cell).to_have_attribute("data-from", "node")
    page.goto(f"/workflows/argo/{name}")
    expect(page.locator(".wf-info")).to_contain_text(f"train: {step['message']}")


@pytest.fixture(scope="module")
def tracked_server(server_class: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A server that knows an MLflow tracking server (only its address matters to the page)."""
    srv = server_class(tmp_path_factory.mktemp("ui-mlflow-home"))
    srv.env["MLFLOW_TRACKING_URI"] = "http://127.0.0.1:5999"
    srv.start()
    yield srv
    srv.stop()


def test_the_model_page_links_the_mlflow_run(browser: Any, tracked_server: Any) -> None:
    from argento.config import Settings
    from argento.registry import default_store

    store = default_store(Settings.from_env({"ARGENTO_HOME": str(tracked_server.home)}))
    # as the quickstart's train step saves it while MLflow runs
    store.save(
        "ui-tracked", {"w": [1]}, framework="pickle", metadata={"accuracy": 0.9, "mlflow_run_id": "0f1e2d3c"}
    )
    context = browser.new_context(base_url=tracked_server.url)
    try:
        page = context.new_page()
        page.goto("/models/ui-tracked")
        run = page.locator(".section", has_text="Versions").get_by_role("link", name="run ↗")
        expect(run).to_have_attribute("href", "http://127.0.0.1:5999/#/runs/0f1e2d3c")
        expect(page.get_by_role("link", name="open in MLflow ↗")).to_have_attribute(
            "href", "http://127.0.0.1:5999/#/runs/0f1e2d3c"
        )
    finally:
        context.close()
