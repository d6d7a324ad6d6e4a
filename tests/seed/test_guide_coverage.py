"""Every code block of the guide is run by a test of tests/seed (or stated as not runnable, with why).

The blocks are found by the headings they sit under; a block added to or moved in the guide fails here until a
test runs it.
"""

from __future__ import annotations

from seed_guide import blocks

#: (section / heading, language) → the test that runs the block as written.
RUN_BY = {
    ("Argo Workflows / Basic Workflow Example", "yaml"): "test_argo_section: lint, run, submit --watch",
    ("Argo Workflows / Integration with Ray", "yaml"): "test_argo_section: ray-training fragment",
    ("Argo Workflows / Integration with MLFlow", "yaml"): "test_argo_section: train-and-log fragment",
    ("Argo Workflows / Artifact Management", "yaml"): "test_argo_section: save-artifact fails as in Argo",
    ("Argo Workflows / Workflow Templates", "yaml"): "test_argo_section: rejected as Argo rejects it",
    ("BentoML / Yatai / 1. Define Service", "python"): "test_bentoml_section: served as written",
    ("BentoML / Yatai / 2. Build Bento", "python"): "test_bentoml_section: builds my-ml-service",
    ("BentoML / Yatai / 3. Deploy to Kubernetes", "python"): "test_bentoml_section: YataiClient deploys",
    ("BentoML / Yatai / Integration with MLFlow", "python"): "test_bentoml_section: session",
    ("BentoML / Yatai / Integration with Ray", "python"): "test_bentoml_section: session (+ Ray in a netns)",
    ("BentoML / Yatai / Model Versioning", "python"): "test_bentoml_section: session",
    (
        "Complete ML Pipeline Example / Workflow: Train → Evaluate → Deploy",
        "yaml",
    ): "test_argo_section: pipeline",
    ("Monitoring / Argo Workflows Metrics", "yaml"): "test_monitoring: real Prometheus",
    ("Troubleshooting / Workflow Not Starting", "bash"): "test_argo_section: Argento equivalents",
    ("Troubleshooting / BentoML Deployment Issues", "bash"): "test_bentoml_section: Argento equivalents",
}


def test_every_block_has_a_test() -> None:
    found = [b.key for b in blocks()]
    assert len(found) == len(set(found)), f"two blocks share a heading: {found}"
    assert set(found) == set(RUN_BY), {
        "untested": sorted(set(found) - set(RUN_BY)),
        "gone": sorted(set(RUN_BY) - set(found)),
    }


def test_blocks_are_parsed_with_their_text() -> None:
    parsed = blocks("# A\n## B\n```yaml\nx: 1\n```\n### C\n```\nplain\n```\n")
    assert [(b.key, b.text, b.line) for b in parsed] == [
        (("B / B", "yaml"), "x: 1\n", 4),
        (("B / C", "text"), "plain\n", 8),
    ]
