"""``spec.templateDefaults``: merged into each template as Argo merges them.

Argo: ``mergedTemplateDefaultsInto`` (workflow/controller/operator.go) applies the template as a strategic merge
patch onto the defaults (``strategicpatch.StrategicMergePatch``), so Kubernetes' ``patchMergeKey`` lists merge —
a container's ``env`` by ``name`` — and the template's own values win. Its test ``TestSetTemplateDefault``
(operator_tmpl_default_test.go) pins the default ``env`` reaching a template without one.
"""

from __future__ import annotations

from argento.engine.resolve import merge_defaults


def test_defaults_fill_what_the_template_leaves_out() -> None:
    defaults = {
        "activeDeadlineSeconds": 150,
        "container": {"imagePullPolicy": "IfNotPresent", "env": [{"name": "test"}]},
    }
    merged = merge_defaults({"name": "t", "container": {"image": "alpine"}}, defaults)
    assert merged == {
        "name": "t",
        "activeDeadlineSeconds": 150,
        "container": {"image": "alpine", "imagePullPolicy": "IfNotPresent", "env": [{"name": "test"}]},
    }


def test_env_merges_by_name_and_the_template_wins() -> None:
    defaults = {
        "container": {"env": [{"name": "PYTHONPATH", "value": "/lib"}, {"name": "LEVEL", "value": "info"}]}
    }
    template = {
        "name": "t",
        "container": {
            "image": "python:3.11",
            "env": [{"name": "LEVEL", "value": "debug"}, {"name": "X", "value": "1"}],
        },
    }
    merged = merge_defaults(template, defaults)
    assert merged["container"]["env"] == [
        {"name": "PYTHONPATH", "value": "/lib"},
        {"name": "LEVEL", "value": "debug"},
        {"name": "X", "value": "1"},
    ]
    # Lists without a merge key are replaced, as a strategic merge patch replaces them.
    merged = merge_defaults({"name": "t", "container": {"args": ["b"]}}, {"container": {"args": ["a"]}})
    assert merged["container"]["args"] == ["b"]
    assert defaults["container"]["env"][1]["value"] == "info"  # the defaults are not mutated
