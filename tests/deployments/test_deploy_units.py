"""Pure parts of deployments: spec validation, routing decisions, revisions, the z-test, metrics text."""

from __future__ import annotations

from collections import Counter

import pytest

from argento.deployments.compare import business_metrics, two_proportion_z
from argento.deployments.metrics import VariantMetrics
from argento.deployments.routing import DeploymentRoute, Endpoint, VariantRoute
from argento.deployments.spec import DeploymentSpec, normalised_weights
from argento.deployments.state import add_revision, current_spec, new_record, revision_spec
from argento.errors import NotFound, SpecError


def test_spec_shorthand_and_variants() -> None:
    spec = DeploymentSpec.from_dict({"name": "iris", "bento": "iris-svc:v1", "replicas": 2})
    assert [v.name for v in spec.variants] == ["main"] and spec.replicas_of(spec.variants[0]) == 2
    spec = DeploymentSpec.from_dict(
        {
            "name": "iris",
            "replicas": 2,
            "variants": [
                {"name": "main", "bento": "a:v1", "weight": 90},
                {"name": "canary", "bento": "a:v2", "weight": 10, "replicas": 1},
            ],
            "routing": {"mode": "sticky", "key": "x-user"},
        }
    )
    assert normalised_weights(spec) == {"main": 90.0, "canary": 10.0}
    assert spec.replicas_of(spec.variant("canary")) == 1
    assert DeploymentSpec.from_dict(spec.to_dict()) == spec
    v = spec.variant("main")
    changed = DeploymentSpec.from_dict({**spec.to_dict(), "env": {"A": "1"}})
    assert v.template_hash(spec) != changed.variant("main").template_hash(changed)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"name": "Bad_Name", "bento": "a:v1"}, "spec.name"),
        ({"name": "a"}, "spec"),
        ({"name": "a", "bento": "a:v1", "replicas": -1}, "spec.replicas"),
        (
            {"name": "a", "variants": [{"name": "x", "bento": "a:v1", "weight": "lots"}]},
            "spec.variants[0].weight",
        ),
        (
            {"name": "a", "variants": [{"name": "x", "bento": "a:v1"}, {"name": "x", "bento": "a:v2"}]},
            "spec.variants",
        ),
        ({"name": "a", "bento": "a:v1", "routing": {"mode": "sticky"}}, "spec.routing.key"),
        ({"name": "a", "bento": "a:v1", "routing": "nope"}, "spec.routing.mode"),
        ({"name": "a", "bento": "a:v1", "autoscaling": {"min": 3, "max": 1}}, "spec.autoscaling"),
        ({"name": "a", "bento": "a:v1", "bogus": 1}, "spec"),
        ({"name": "a", "bento": "a:v1", "resources": {"memory": "lots"}}, "spec.resources.memory"),
    ],
)
def test_spec_errors_name_the_field(body: dict, path: str) -> None:
    with pytest.raises(SpecError) as info:
        DeploymentSpec.from_dict(body)
    assert info.value.path == path


def _route(weights: dict[str, float], mode: str = "random", key: str = "") -> DeploymentRoute:
    variants = [
        VariantRoute(n, w, [Endpoint(f"{n}-1", "127.0.0.1", 1)], VariantMetrics("d", n))
        for n, w in weights.items()
    ]
    return DeploymentRoute("d", variants, mode=mode, key=key)


def test_random_split_is_exact_per_thousand() -> None:
    route = _route({"main": 90, "canary": 10})
    counts = Counter(route.choose([], b"").name for _ in range(10_000))
    assert counts["canary"] == 1000
    first = {route.choose([], b"").name for _ in range(100)}
    assert first == {"main", "canary"}  # shuffled, not dealt in blocks


def test_header_and_sticky_routing() -> None:
    route = _route({"main": 50, "canary": 50}, mode="header", key="x-variant")
    assert all(route.choose([(b"x-variant", b"canary")], b"").name == "canary" for _ in range(20))
    assert route.choose([], b"x-variant=main").name == "main"
    sticky = _route({"main": 80, "canary": 20}, mode="sticky", key="user")
    picks = {u: sticky.choose([(b"user", str(u).encode())], b"").name for u in range(2000)}
    assert all(sticky.choose([], f"user={u}".encode()).name == picks[u] for u in range(0, 2000, 97))
    share = sum(1 for p in picks.values() if p == "canary") / len(picks)
    assert 0.16 < share < 0.24


def test_least_inflight_and_exclusions() -> None:
    eps = [Endpoint(f"r{i}", "127.0.0.1", i) for i in range(3)]
    eps[0].inflight, eps[1].inflight, eps[2].inflight = 3, 0, 1
    v = VariantRoute("main", 100, eps, VariantMetrics("d", "main"))
    assert v.pick().replica_id == "r1"
    assert v.pick({"r1"}).replica_id == "r2"
    assert v.pick({"r0", "r1", "r2"}) is None


def test_revisions() -> None:
    record = new_record({"name": "a", "bento": "x:1"}, "create")
    record = add_revision(record, {"name": "a", "bento": "x:2"}, "update")
    assert record["revision"] == 2 and current_spec(record)["bento"] == "x:2"
    assert revision_spec(record, 1)["bento"] == "x:1"
    with pytest.raises(NotFound):
        revision_spec(record, 7)


def test_two_proportion_z() -> None:
    z, p = two_proportion_z(10, 1000, 40, 1000)
    assert z > 4 and p < 0.001
    z, p = two_proportion_z(10, 1000, 11, 1000)
    assert p > 0.5
    assert two_proportion_z(0, 0, 1, 10) == (0.0, 1.0)


def test_metrics_text_and_business_parsing() -> None:
    m = VariantMetrics("d", "main")
    for s in (0.001, 0.002, 0.003):
        m.record(200, s)
    m.record(500, 0.01)
    assert m.errors == 1 and m.percentile(0.5) == pytest.approx(0.002, abs=0.0011)
    text = (
        "# TYPE conversions_total counter\nconversions_total 3.0\n"
        "# TYPE argento_service_request_total counter\nargento_service_request_total 9.0\n"
    )
    assert business_metrics(text) == {"conversions_total": 3.0}


class _Rep:
    def __init__(self, rid: str, state: str, template: str, started_at: float = 0.0) -> None:
        self.id, self.state, self.template_hash, self.started_at = rid, state, template, started_at


def test_rolling_step_surges_then_drains_old_only_when_new_is_ready() -> None:
    from argento.deployments.rollout import plan_variant

    old = [_Rep("o1", "ready", "A"), _Rep("o2", "ready", "A")]
    assert plan_variant(old, 2, "B").start == 2 and plan_variant(old, 2, "B").drain == ()
    starting = [*old, _Rep("n1", "starting", "B"), _Rep("n2", "ready", "B")]
    assert plan_variant(starting, 2, "B") == plan_variant(starting, 2, "B").__class__(0, ())
    ready = [*old, _Rep("n1", "ready", "B"), _Rep("n2", "ready", "B")]
    assert set(plan_variant(ready, 2, "B").drain) == {"o1", "o2"}
    assert plan_variant(old, 2, "B", held=2).start == 0  # both wait out their crash-loop back-off
    assert plan_variant(old, 3, "B", held=2).start == 1  # a scale-up is not held back by the others' back-off
    many = [_Rep("a", "ready", "A", 1), _Rep("b", "ready", "A", 3), _Rep("c", "starting", "A", 2)]
    assert set(plan_variant(many, 1, "A").drain) == {"c", "b"}  # starting first, then the newest ready


def test_spec_transitions() -> None:
    from argento.deployments.rollout import promoted, reweighted, rollback_target, scaled

    spec = DeploymentSpec.from_dict(
        {
            "name": "a",
            "replicas": 2,
            "shadow": "dark",
            "variants": [
                {"name": "main", "bento": "a:v1", "weight": 90},
                {"name": "canary", "bento": "a:v2", "weight": 10, "replicas": 1},
                {"name": "dark", "bento": "a:v3", "weight": 0},
            ],
        }
    )
    assert scaled(spec, 4, "canary").variant("canary").replicas == 4
    assert normalised_weights(reweighted(spec, {"canary": 50, "main": 50}))["canary"] == 50.0
    with pytest.raises(SpecError):
        reweighted(spec, {"ghost": 1})
    p = promoted(spec, "canary")
    # The survivor is the deployment's main variant now (issue 17.10): no variant is left called "canary".
    assert [(v.name, v.bento, v.weight) for v in p.variants] == [("main", "a:v2", 100.0)]
    assert p.shadow is None and p.replicas_of(p.variants[0]) == 2
    record = add_revision(new_record(spec.to_dict(), "create"), p.to_dict(), "promote canary")
    number, back = rollback_target(record)
    assert number == 1 and back == spec
    with pytest.raises(SpecError):
        rollback_target(new_record(spec.to_dict(), "create"))


def test_autoscaler_up_at_once_down_after_the_window() -> None:
    from argento.deployments.autoscale import Autoscaler
    from argento.deployments.spec import Autoscaling

    scaling = Autoscaling(min=1, max=4, target_concurrency=2)
    a = Autoscaler(delay=5)
    n = 1
    for t in range(5):
        n = a.observe(7, n, scaling, t)
    assert n == 4
    for t in range(5, 40):
        n = a.observe(0, n, scaling, t * 0.5)
    assert 1 <= n < 4


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_records_in_the_server_store(kind: str, tmp_path) -> None:
    from argento.config import Settings
    from argento.deployments.state import ResourceStateStore
    from argento.store import open_store

    url = "memory://" if kind == "memory" else f"sqlite:///{tmp_path}/argento.db"
    store = open_store(Settings.from_env({"ARGENTO_HOME": str(tmp_path), "ARGENTO_DATABASE_URL": url}))
    try:
        state = ResourceStateStore(store.resources, tmp_path / "deployments")
        record = new_record({"name": "a", "bento": "x:1"}, "create")
        state.save(record)
        state.save(add_revision(record, {"name": "a", "bento": "x:2"}, "update"))
        (loaded,) = state.load_all()
        assert loaded["revision"] == 2 and current_spec(loaded)["bento"] == "x:2"
        state.save_replicas([{"pid": 1, "port": 2}])
        assert state.load_replicas() == [{"pid": 1, "port": 2}]
        state.delete("a")
        state.delete("a")
        assert state.load_all() == []
    finally:
        store.close()
