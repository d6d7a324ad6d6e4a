"""Rerun from the UI, and reused nodes shown as reused (graph, node panel, list, header)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

PIPE = {
    "metadata": {"generateName": "ui-rerun-"},
    "spec": {
        "entrypoint": "main",
        "templates": [
            {
                "name": "main",
                "dag": {
                    "tasks": [
                        {"name": "prepare", "template": "say"},
                        {"name": "train", "depends": "prepare", "template": "say"},
                        {"name": "report", "depends": "train", "template": "say"},
                    ]
                },
            },
            {"name": "say", "container": {"image": "alpine", "command": ["sh", "-c", "echo hi"]}},
        ],
    },
}


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


def subtitle(page: Any, label: str) -> str:
    return page.evaluate(  # type: ignore[no-any-return]
        "(label) => { const v = window.argento.graph; return v.subtitle(v.graph.nodes.find((n) => n.label === label)); }",
        label,
    )


def test_rerun_from_a_node_and_see_what_was_reused(page: Any, server: Any, snap: Any) -> None:
    original = server.submit(PIPE)["metadata"]["name"]
    server.wait_phase(original)
    page.goto(f"/workflows/argo/{original}")
    page.wait_for_function("() => window.argento?.graph?.graph.nodes.some((n) => n.label === 'train')")
    click_node(page, "train")
    panel = page.locator("aside.panel")
    panel.get_by_role("button", name="Rerun from here").click()

    page.wait_for_url(re.compile(rf"/workflows/argo/{original}-\w+$"))
    new = page.url.rsplit("/", 1)[1]
    # The URL changes before the new page renders: wait until the page shows the new workflow.
    page.wait_for_function("(name) => window.argento?.name === name && !!window.argento.graph", arg=new)
    badge = page.locator(".page-head .badge").first
    expect(badge).to_have_attribute("data-phase", "Succeeded", timeout=30_000)
    page.wait_for_function(
        "() => ['prepare','train','report'].every((l) => window.argento.graph.graph.nodes.find((n) => n.label === l)?.phase === 'Succeeded')"
    )
    assert subtitle(page, "prepare") == "reused · say"
    assert "reused" not in subtitle(page, "train") and "reused" not in subtitle(page, "report")
    expect(page.locator(".wf-info")).to_contain_text(f"Rerun of{original} from train")
    snap("10-rerun-reused")

    click_node(page, "prepare")
    expect(panel).to_contain_text(f"kept from {original}")
    panel.get_by_role("link", name=original).click()
    page.wait_for_url(re.compile(rf"/workflows/argo/{original}$"))

    page.goto(f"/workflows/argo/{new}?view=list")
    row = page.locator(".vrow", has_text="prepare")
    expect(row.locator(".message")).to_have_text(f"reused from {original}")
