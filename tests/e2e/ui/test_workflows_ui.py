"""The workflow pages in a real browser: submit, watch it finish on the graph, node logs, retry, list
filters and live updates, Argo UI's URLs."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

DIAMOND = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: ui-diamond-
  labels: {suite: ui}
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - {name: A, template: say, arguments: {parameters: [{name: msg, value: A}]}}
          - {name: B, depends: A, template: say, arguments: {parameters: [{name: msg, value: B}]}}
          - {name: C, depends: A, template: say, arguments: {parameters: [{name: msg, value: C}]}}
          - {name: D, depends: B && C, template: say, arguments: {parameters: [{name: msg, value: D}]}}
    - name: say
      inputs: {parameters: [{name: msg}]}
      container:
        image: alpine
        command: [sh, -c]
        args: ["echo hello {{inputs.parameters.msg}}; sleep 0.7"]
"""


def graph_nodes(page: Any) -> dict[str, str]:
    """label → phase of the nodes drawn on the graph."""
    return page.evaluate(  # type: ignore[no-any-return]
        "() => Object.fromEntries(window.argento.graph.graph.nodes.map(n => [n.label, n.phase]))"
    )


def click_node(page: Any, label: str) -> None:
    """Click a node of the canvas graph by its label."""
    point = page.evaluate(
        """(label) => {
            const view = window.argento.graph;
            const node = view.graph.nodes.find((n) => n.label === label);
            const p = view.screenPos(node.id);
            const r = view.canvas.getBoundingClientRect();
            return {x: p.x + r.left, y: p.y + r.top};
        }""",
        label,
    )
    page.mouse.click(point["x"], point["y"])


def test_submit_yaml_and_watch_it_finish_on_the_graph(page: Any, server: Any, snap: Any) -> None:
    page.goto("/workflows/argo")
    expect(page.get_by_role("heading", name="Workflows")).to_be_visible()
    page.get_by_role("button", name="+ Submit").click()
    page.locator("textarea.code").fill(DIAMOND)
    snap("01-submit-dialog")
    page.locator("dialog").get_by_role("button", name="Submit").click()

    page.wait_for_url(re.compile(r"/workflows/argo/ui-diamond-\w+$"))
    badge = page.locator(".page-head .badge").first
    expect(badge).to_have_attribute("data-phase", "Running")
    page.wait_for_function("() => window.argento?.graph?.graph.nodes.some((n) => n.label === 'A')")
    snap("02-graph-running")

    # The page follows the run over SSE: no reload.
    expect(badge).to_have_attribute("data-phase", "Succeeded", timeout=30_000)
    page.wait_for_function(
        "() => ['A','B','C','D'].every((l) => window.argento.graph.graph.nodes.find((n) => n.label === l)?.phase === 'Succeeded')"
    )
    phases = graph_nodes(page)
    assert {phases[k] for k in "ABCD"} == {"Succeeded"}
    expect(page.locator(".graph-summary")).to_contain_text("4 Succeeded")
    snap("03-graph-succeeded")


def test_open_a_node_and_read_its_logs(page: Any, server: Any, snap: Any) -> None:
    wf = server.submit(__import__("yaml").safe_load(DIAMOND))
    name = wf["metadata"]["name"]
    page.goto(f"/workflows/argo/{name}")
    page.wait_for_function("() => window.argento?.graph?.graph.nodes.some((n) => n.label === 'B')")
    click_node(page, "B")
    panel = page.locator("aside.panel")
    expect(panel.locator("h2")).to_have_text("B")
    expect(panel).to_contain_text(f"{name}.B")
    panel.get_by_role("tab", name="Logs").click()
    # While B runs the log follows; it ends with the step.
    expect(panel.locator("pre.logs")).to_contain_text("hello B", timeout=30_000)
    assert "node=" in page.url
    snap("04-node-logs")

    panel.get_by_role("tab", name="Inputs/Outputs").click()
    expect(panel).to_contain_text("msg")
    server.wait_phase(name)
    # The whole workflow's logs, pod by pod.
    page.get_by_role("button", name="Logs", exact=True).click()
    expect(page.locator(".other-host pre.logs")).to_contain_text("hello D")


def test_retry_a_failed_workflow(page: Any, server: Any, snap: Any) -> None:
    # Outside /tmp: a step's /tmp is its own.
    marker = Path("/var/tmp") / f"argento-ui-retry-{uuid.uuid4().hex}"
    # Fails the first time, succeeds once retried.
    script = f"if [ -f {marker} ]; then echo recovered; else touch {marker}; echo boom >&2; exit 3; fi"
    wf = server.submit({
        "metadata": {"generateName": "ui-flaky-"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": [[{"name": "prepare", "template": "ok"}], [{"name": "train", "template": "flaky"}]]},
                {"name": "ok", "container": {"image": "alpine", "command": ["sh", "-c", "echo ready"]}},
                {"name": "flaky", "container": {"image": "alpine", "command": ["sh", "-c", script]}},
            ],
        },
    })
    name = wf["metadata"]["name"]
    server.wait_phase(name)
    page.goto(f"/workflows/argo/{name}")
    badge = page.locator(".page-head .badge").first
    expect(badge).to_have_attribute("data-phase", "Failed")
    page.wait_for_function("() => window.argento.graph.graph.nodes.find((n) => n.label === 'train')?.phase === 'Failed'")
    snap("05-failed")
    page.locator("button[data-action=retry]").click()
    expect(badge).to_have_attribute("data-phase", "Succeeded", timeout=30_000)
    page.wait_for_function("() => window.argento.graph.graph.nodes.find((n) => n.label === 'train')?.phase === 'Succeeded'")
    expect(page.locator("button[data-action=retry]")).to_have_count(0)
    snap("06-retried")
    marker.unlink(missing_ok=True)


def test_list_filters_pagination_and_live_rows(page: Any, server: Any, snap: Any) -> None:
    ok = server.submit({"metadata": {"generateName": "ui-list-ok-", "labels": {"team": "vision"}},
                        "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "alpine", "command": ["true"]}}]}})
    bad = server.submit({"metadata": {"generateName": "ui-list-bad-", "labels": {"team": "nlp"}},
                         "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "alpine", "command": ["false"]}}]}})
    server.wait_phase(ok["metadata"]["name"])
    server.wait_phase(bad["metadata"]["name"])

    page.goto("/workflows/argo")
    rows = page.locator("table.workflows tbody tr")
    expect(rows.filter(has_text=ok["metadata"]["name"])).to_have_count(1)
    page.locator("button.chip-toggle[data-phase=Failed]").click()
    expect(rows.filter(has_text=ok["metadata"]["name"])).to_have_count(0)
    expect(rows.filter(has_text=bad["metadata"]["name"])).to_have_count(1)
    assert "phase=Failed" in page.url
    page.locator("button.chip-toggle[data-phase=Failed]").click()
    page.get_by_label("Label selector").fill("team=vision")
    expect(rows.filter(has_text=bad["metadata"]["name"])).to_have_count(0)
    expect(rows.filter(has_text=ok["metadata"]["name"])).to_have_count(1)
    page.get_by_label("Label selector").fill("")

    # A workflow submitted elsewhere appears without a reload (SSE).
    expect(page.locator(".live")).to_have_attribute("data-state", "live")
    late = server.submit({"metadata": {"generateName": "ui-list-live-"},
                          "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "alpine", "command": ["true"]}}]}})
    expect(rows.filter(has_text=late["metadata"]["name"])).to_have_count(1, timeout=10_000)
    expect(rows.filter(has_text=late["metadata"]["name"]).locator(".badge")).to_have_text("Succeeded", timeout=15_000)
    snap("07-workflow-list")

    # Pagination: two per page.
    page.goto("/workflows/argo?limit=2")
    expect(rows).to_have_count(2)
    page.get_by_role("button", name="Older ›").click()
    expect(page.locator(".pager")).to_contain_text("page 2")
    expect(rows).to_have_count(2)


def test_argo_ui_urls_and_actions(page: Any, server: Any, snap: Any) -> None:
    # The link Hera prints: <server>/workflows/<namespace>/<name>
    wf = server.submit({"metadata": {"generateName": "ui-wait-"},
                        "spec": {"entrypoint": "main", "templates": [{"name": "main", "suspend": {}}]}})
    name = wf["metadata"]["name"]
    page.goto(f"/workflows/argo/{name}")
    badge = page.locator(".page-head .badge").first
    expect(badge).to_have_attribute("data-phase", "Running")
    expect(page.locator("button[data-action=resume]")).to_be_visible()
    page.locator("button[data-action=resume]").click()
    expect(badge).to_have_attribute("data-phase", "Succeeded", timeout=15_000)

    page.locator("button[data-action=resubmit]").click()
    page.wait_for_url(re.compile(rf"/workflows/argo/(?!{name}$)[\w-]+$"))
    new_name = page.url.rsplit("/", 1)[1]
    expect(page.locator(".page-head h1")).to_have_text(new_name)
    expect(page.locator("button[data-action=stop]")).to_be_visible()
    page.locator("button[data-action=terminate]").click()
    page.locator("dialog").get_by_role("button", name="terminate").click()
    expect(page.locator(".page-head .badge").first).to_have_attribute("data-phase", "Failed", timeout=15_000)

    page.locator("button[data-action=delete]").click()
    page.locator("dialog").get_by_role("button", name="delete").click()
    page.wait_for_url(re.compile(r"/workflows/argo$"))
    assert server.api.get(f"/api/v1/workflows/argo/{new_name}").status_code == 404


def test_loop_groups_and_retries_collapse(page: Any, server: Any, snap: Any) -> None:
    items = list(range(12))
    wf = server.submit({
        "metadata": {"generateName": "ui-loops-"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "dag": {"tasks": [
                    {"name": "fan", "template": "echo", "withItems": items,
                     "arguments": {"parameters": [{"name": "i", "value": "{{item}}"}]}},
                    {"name": "flaky", "template": "fail", "depends": "fan"},
                ]}},
                {"name": "echo", "inputs": {"parameters": [{"name": "i"}]},
                 "container": {"image": "alpine", "command": ["sh", "-c", "echo item {{inputs.parameters.i}}"]}},
                {"name": "fail", "retryStrategy": {"limit": "2"},
                 "container": {"image": "alpine", "command": ["sh", "-c", "exit 1"]}},
            ],
        },
    })
    name = wf["metadata"]["name"]
    server.wait_phase(name)
    page.goto(f"/workflows/argo/{name}")
    page.wait_for_function("() => window.argento?.graph?.graph.nodes.some((n) => n.label === 'fan')")
    nodes = page.evaluate("() => window.argento.graph.graph.nodes.map((n) => [n.label, n.group && n.group.kind, n.group && n.group.size, n.group && n.group.collapsed])")
    groups = {label: (kind, size, collapsed) for label, kind, size, collapsed in nodes if kind}
    assert groups["fan"] == ("loop", 12, True)  # 12 items > 8: collapsed into one node
    assert groups["flaky"] == ("retry", 3, True)  # a Retry node and its 3 attempts
    assert not any(label.startswith("fan(") for label, *_ in nodes)
    snap("08-groups-collapsed")

    click_node(page, "fan")
    panel = page.locator("aside.panel")
    expect(panel).to_contain_text("12 items")
    panel.get_by_role("button", name="Expand in graph").click()
    page.wait_for_function("() => window.argento.graph.graph.nodes.filter((n) => /^fan\\(/.test(n.label)).length === 12")
    snap("09-loop-expanded")
    # Double-click folds it back.
    page.get_by_role("button", name="Collapse all").click()
    page.wait_for_function("() => !window.argento.graph.graph.nodes.some((n) => /^fan\\(/.test(n.label))")
    page.get_by_role("button", name="Expand all").click()
    page.wait_for_function("() => window.argento.graph.graph.nodes.filter((n) => /^flaky\\(/.test(n.label)).length === 3")


CONTAINER_SET = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: ui-set-}
spec:
  entrypoint: main
  templates:
    - name: main
      containerSet:
        containers:
          - {name: prep, image: alpine, command: [sh, -c], args: ["echo prepared by prep"]}
          - {name: main, image: alpine, command: [sh, -c], args: ["echo main ran"], dependencies: [prep]}
"""


def test_a_container_of_a_container_set_shows_its_own_log(page: Any, server: Any) -> None:
    wf = server.submit(__import__("yaml").safe_load(CONTAINER_SET))
    page.goto(f"/workflows/argo/{wf['metadata']['name']}")
    page.wait_for_function("() => window.argento?.graph?.graph.nodes.some((n) => n.label === 'prep')")
    click_node(page, "prep")
    panel = page.locator("aside.panel")
    expect(panel.locator("h2")).to_have_text("prep")
    panel.get_by_role("tab", name="Logs").click()
    expect(panel.locator("pre.logs")).to_contain_text("prepared by prep", timeout=30_000)
    expect(panel.locator("pre.logs")).not_to_contain_text("main ran")
