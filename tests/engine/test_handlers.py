"""The template handler registry (``engine/handlers.py``) and the template kinds it covers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from argento.engine.handlers import HANDLERS, Unsupported
from argento.engine.ports import HandlerRegistry
from argento.engine.resolve import template_type
from argento.spec.models.templates import Template
from argento.template_kinds import BY_NAME, KINDS, POD_TYPES, TEMPLATE_TYPES, kinds_of


def test_every_template_kind_has_exactly_one_handler() -> None:
    assert HANDLERS.kinds() == frozenset(TEMPLATE_TYPES)
    for kind in KINDS:
        assert isinstance(HANDLERS.get(kind.name), Unsupported) == (kind.unsupported is not None)


def test_a_kind_cannot_be_registered_twice() -> None:
    registry = HandlerRegistry()
    registry.register("container", HANDLERS.get("container"))
    with pytest.raises(ValueError, match="container"):
        registry.register("container", HANDLERS.get("script"))


def test_the_spec_and_the_engine_read_the_same_kinds() -> None:
    assert Template.TYPE_FIELDS == TEMPLATE_TYPES
    for kind in TEMPLATE_TYPES:
        raw: dict[str, Any] = {"name": "t", kind: {} if kind not in ("steps",) else []}
        model = Template.model_validate(raw)
        assert model.kind == kind == template_type(raw)
        assert model.is_pod_type == (kind in POD_TYPES) == BY_NAME[kind].pod
        assert model.is_leaf == BY_NAME[kind].leaf
    both = {"container": {"image": "a"}, "script": {"image": "a", "source": "x"}}
    assert template_type(both) == "container" == Template.model_validate(both).kind  # Argo's GetType order
    assert kinds_of(both) == ["container", "script"]


@pytest.mark.parametrize(
    ("kind", "body", "message"),
    [
        ("resource", {"action": "create", "manifest": "{}"}, "resource templates need a Kubernetes cluster"),
        ("plugin", {"hello": {}}, "executor plugins need a Kubernetes cluster"),
    ],
)
def test_an_unsupported_kind_is_the_nodes_error(
    run_wf: Callable[..., dict[str, Any]], kind: str, body: dict[str, Any], message: str
) -> None:
    wf = yaml.safe_load(
        """
metadata: {name: unsupported}
spec:
  entrypoint: main
  templates:
  - name: main
    steps: [[{name: s, template: t}]]
"""
    )
    wf["spec"]["templates"].append({"name": "t", kind: body})
    out = run_wf(yaml.safe_dump(wf))
    (step,) = [n for n in out["status"]["nodes"].values() if n["displayName"] == "s"]
    assert (step["type"], step["phase"], step["message"]) == ("Pod", "Error", message)
    assert out["status"]["phase"] == "Failed"
