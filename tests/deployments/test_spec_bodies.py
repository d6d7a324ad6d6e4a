"""Hostile and malformed deployment bodies: every one is a SpecError (400) naming the offending field.

The body is validated by the pydantic models of ``argento.deployments.body``; these pin the path and the
words of each rule, the round trip of what the store holds, and the 400 through the REST API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from argento.config import Settings
from argento.deployments.spec import Autoscaling, DeploymentSpec, Variant
from argento.errors import SpecError
from argento.server import create_app


def _v(name: str = "x", **fields: Any) -> dict[str, Any]:
    return {"name": name, "bento": "a:v1", **fields}


def _error(body: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        DeploymentSpec.from_dict(body)
    assert info.type is SpecError  # the one error class the API maps to 400
    assert info.value.http_status == 400
    return info.value


@pytest.mark.parametrize(
    ("body", "path", "words"),
    [
        ([1, 2], "spec", "must be a JSON object"),
        (
            {"name": "a", "bento": "a:v1", "replicas": "three"},
            "spec.replicas",
            "must be an integer, not 'three'",
        ),
        ({"name": "a", "bento": "a:v1", "replicas": 2.5}, "spec.replicas", "must be an integer"),
        ({"name": "a", "bento": "a:v1", "replicas": True}, "spec.replicas", "must be an integer, not True"),
        ({"name": "a", "bento": "a:v1", "replicas": -1}, "spec.replicas", "at least 0"),
        ({"name": "a", "variants": [_v(weight=-5)]}, "spec.variants[0].weight", "at least 0, not -5"),
        ({"name": "a", "variants": [_v(weight=True)]}, "spec.variants[0].weight", "must be a number"),
        ({"name": "a", "variants": [_v(weight="inf")]}, "spec.variants[0].weight", "finite"),
        ({"name": "a", "variants": [_v(weight=[1])]}, "spec.variants[0].weight", "must be a number"),
        ({"name": "a", "variants": [_v(weight=0)]}, "spec.variants", "positive weight"),
        (
            {"name": "a", "variants": [_v(), _v(colour="red")]},
            "spec.variants[1]",
            "unknown key(s) ['colour']",
        ),
        ({"name": "a", "variants": [_v(), "main"]}, "spec.variants[1]", "a variant must be a mapping"),
        ({"name": "a", "variants": {"main": _v()}}, "spec.variants", "must be a list"),
        ({"name": "a", "variants": [{"bento": "a:v1"}]}, "spec.variants[0].name", "is required"),
        ({"name": "a", "variants": [_v(name="Main")]}, "spec.variants[0].name", "RFC 1123 label"),
        (
            {"name": "a", "variants": [_v(service="m:C")]},
            "spec.variants[0]",
            "exactly one of `bento` or `service`",
        ),
        ({"name": "a", "variants": [_v(bento="a:b:c")]}, "spec.variants[0].bento", "invalid bento tag"),
        ({"name": "a", "variants": [_v(bento=7)]}, "spec.variants[0].bento", "must be a string"),
        (
            {"name": "a", "variants": [_v(autoscaling={"min": 1, "max": 0})]},
            "spec.variants[0].autoscaling.max",
            "at least 1",
        ),
        (
            {"name": "a", "variants": [_v(autoscaling={"target_concurrency": 0})]},
            "spec.variants[0].autoscaling.target_concurrency",
            "greater than 0",
        ),
        (
            {"name": "a", "variants": [_v(autoscaling={"min": 1, "max": 2, "step": 1})]},
            "spec.variants[0].autoscaling",
            "unknown key(s) ['step']",
        ),
        ({"name": "a", "variants": [_v(env={"A": {"b": 1}})]}, "spec.variants[0].env.A", "must be a string"),
        ({"name": "a", "service": "nocolon"}, "spec.service", "module:Class"),
        ({"name": "a", "bento": "a:v1", "service": "m:C"}, "spec", "not both"),
        ({"name": "a", "bento": "a:v1", "variants": [_v()]}, "spec", "not both"),
        (
            {"name": "a", "bento": "a:v1", "routing": ["sticky"]},
            "spec.routing",
            "must be a mapping {mode, key}",
        ),
        (
            {"name": "a", "bento": "a:v1", "routing": {"mode": "header", "keys": "h"}},
            "spec.routing",
            "['keys']",
        ),
        ({"name": "a", "bento": "a:v1", "shadow": "ghost"}, "spec.shadow", "no variant 'ghost'"),
        ({"name": "a", "bento": "a:v1", "shadow": "main"}, "spec.shadow", "weight 0"),
        ({"name": "a", "bento": "a:v1", "shadow_percent": 101}, "spec.shadow_percent", "at most 100"),
        ({"name": "a", "bento": "a:v1", "gateway_port": 70000}, "spec.gateway_port", "at most 65535"),
        ({"name": "a", "bento": "a:v1", "retry_post": "no"}, "spec.retry_post", "must be a boolean"),
        ({"name": "a", "bento": "a:v1", "labels": ["x"]}, "spec.labels", "must be a mapping"),
        ({"name": "a", "bento": "a:v1", "env": [{"value": "1"}]}, "spec.env", "list of {name, value}"),
        (
            {"name": "a", "bento": "a:v1", "resources": {"nvidia.com/gpu": "lots"}},
            'spec.resources["nvidia.com/gpu"]',
            "invalid quantity",
        ),
        ({"name": "a", "bento": "a:v1", "namespace": "Not OK"}, "spec.namespace", "RFC 1123 label"),
        ({"name": 5, "bento": "a:v1"}, "spec.name", "must be a string, not 5"),
    ],
)
def test_a_bad_body_names_the_field(body: Any, path: str, words: str) -> None:
    error = _error(body)
    assert error.path == path, str(error)
    assert words in error.message, str(error)
    assert str(error).startswith(f"{path}: ")


def test_unknown_keys_are_listed_with_the_known_ones() -> None:
    error = _error({"name": "a", "bento": "a:v1", "replica": 2, "weight": 1})
    assert error.path == "spec"
    assert "unknown key(s) ['replica', 'weight']" in error.message and "'replicas'" in error.message


def test_several_problems_name_the_first_and_count_the_rest() -> None:
    """A body with thousands of bad variants gives one bounded message, not thousands of lines."""
    body = {"name": "a", "variants": [_v(f"v{i}", weight=-1) for i in range(5000)]}
    error = _error(body)
    assert error.path == "spec.variants[0].weight"
    assert "spec.variants[1].weight" in error.message and "4997 more" in error.message
    assert len(error.message) < 300


def test_lax_where_it_always_was() -> None:
    """Counts and numbers written as strings, Kubernetes-style env lists, scalar env values, port 0."""
    spec = DeploymentSpec.from_dict(
        {
            "name": "a",
            "replicas": "2",
            "env": [{"name": "PORT", "value": 8080}, {"name": "EMPTY"}],
            "labels": {"team": 7},
            "gateway_port": 0,
            "routing": {"mode": "sticky", "key": "user"},
            "variants": [_v("main", weight="90"), _v("dark", weight=0, env={"DEBUG": True})],
            "shadow": "dark",
            "namespace": "",
            "backend": None,
        }
    )
    assert spec.replicas == 2 and spec.gateway_port is None and spec.namespace == "argo"
    assert spec.env == {"PORT": "8080", "EMPTY": ""} and spec.labels == {"team": "7"}
    assert spec.variant("main").weight == 90.0 and spec.variant("dark").env == {"DEBUG": "True"}
    assert spec.backend == "local" and spec.routing == "sticky" and spec.routing_key == "user"
    assert DeploymentSpec.from_dict(spec.to_dict()) == spec


def test_the_parts_validate_alone_under_their_path() -> None:
    assert Autoscaling.from_dict(None, "x") is None
    assert Autoscaling.from_dict({"max": 2}, "x") == Autoscaling(min=1, max=2, target_concurrency=8.0)
    with pytest.raises(SpecError) as info:
        Autoscaling.from_dict({"min": 3, "max": 2}, "spec.autoscaling")
    assert info.value.path == "spec.autoscaling" and "min (3) is greater than max (2)" in info.value.message
    assert Variant.from_dict({"name": "c", "service": "m:C", "weight": 5}, "v").weight == 5.0
    with pytest.raises(SpecError) as info:
        Variant.from_dict({"name": "c", "service": "m:C", "replicas": -2}, "spec.variants[3]")
    assert info.value.path == "spec.variants[3].replicas"


def test_bad_bodies_are_400_through_the_api(argento_home: Path) -> None:
    settings = Settings.from_env({"ARGENTO_HOME": str(argento_home)})
    app = create_app(settings, executor_name="fake", run_crons=False)
    bodies = {
        "spec.variants[1].weight": {"name": "d", "variants": [_v("main"), _v("canary", weight=-10)]},
        "spec.variants[0]": {"name": "d", "variants": [_v("main", colour="red")]},
        "spec.variants[0].autoscaling.min": {"name": "d", "variants": [_v(autoscaling={"min": "few"})]},
        "spec.replicas": {"name": "d", "bento": "a:v1", "replicas": -3},
    }
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for path, body in bodies.items():
            r = client.post("/api/v1/deployments", json=body)
            assert r.status_code == 400, r.text
            assert r.json()["message"].startswith(f"{path}: "), r.json()
        r = client.put("/api/v1/deployments/d", json={"variants": [_v(weight="heavy")]})
        assert r.status_code == 400 and "spec.variants[0].weight: must be a number" in r.json()["message"]
        assert client.get("/api/v1/deployments").json() == {"items": []}
