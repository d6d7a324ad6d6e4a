"""Issue 17 item 13 (b): the graph canvas stayed blank on some first loads of a workflow page in headless
Chromium. Twenty first loads (a fresh browser context each: nothing cached), each must paint the graph — and,
once painted, never show a blank canvas again: the view used to paint on the first frame, then the resize
observer's first report (which always follows) reset the canvas (assigning its size clears it) and the repaint
waited for the next frame, so a frame — or a screenshot, on a slow machine — caught the canvas empty."""

from __future__ import annotations

from typing import Any

import pytest

LOADS = 20

#: Runs before the page's scripts: from the graph's first paint on, checks the canvas on each of the next 12
#: animation frames (and on every resize notification) and records any check that finds it blank.
WATCH = """(() => {
  const painted = (c) => {
    if (!c.width || !c.height) return false;
    const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let opaque = 0;
    for (let i = 3; i < data.length; i += 64) if (data[i] === 255) opaque++;
    return opaque > 50;
  };
  const probe = { checks: 0, blank: [], done: false };
  window.__paintProbe = probe;
  const check = (when) => {
    const view = window.argento?.graph;
    if (!view?.stats?.firstPaintAt) return false;
    probe.checks++;
    if (!painted(view.canvas)) probe.blank.push(when + " " + probe.checks);
    return true;
  };
  let frames = 0;
  const tick = () => {
    if (check("frame") && ++frames >= 12) { probe.done = true; return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  new ResizeObserver(() => check("resize")).observe(document.documentElement);
})()"""


@pytest.fixture(scope="module")
def diamond(server: Any) -> str:
    tasks = [
        {"name": "A", "template": "say"},
        {"name": "B", "depends": "A", "template": "say"},
        {"name": "C", "depends": "A", "template": "say"},
        {"name": "D", "depends": "B && C", "template": "say"},
    ]
    wf = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "ui-paint-"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "dag": {"tasks": tasks}},
                {"name": "say", "container": {"image": "alpine", "command": ["sh", "-c"], "args": ["true"]}},
            ],
        },
    }
    name: str = server.submit(wf)["metadata"]["name"]
    server.wait_phase(name)
    return name


def test_the_graph_is_painted_on_every_first_load(browser: Any, server: Any, diamond: str) -> None:
    failures = []
    for i in range(LOADS):
        context = browser.new_context(viewport={"width": 1024, "height": 700}, base_url=server.url)
        try:
            context.add_init_script(WATCH)
            page = context.new_page()
            page.goto(f"/workflows/argo/{diamond}")
            try:
                page.wait_for_function("() => window.__paintProbe?.done", timeout=10_000, polling=50)
            except Exception:
                failures.append((i, "never painted"))
                continue
            blank = page.evaluate("() => window.__paintProbe.blank")
            if blank:
                failures.append((i, blank))
        finally:
            context.close()
    assert not failures, f"blank graph canvas on {len(failures)} of {LOADS} loads: {failures}"
