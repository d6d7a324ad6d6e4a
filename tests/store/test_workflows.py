"""Workflows, nodes, logs and the archive on every backend."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from argento.errors import AlreadyExists, NotFound, SpecError
from argento.store import ListQuery, Store
from argento.store.selectors import parse_field_selector, parse_label_selector


def wf(
    name: str,
    *,
    ns: str = "argo",
    created: str = "2024-01-01T00:00:00Z",
    phase: str = "Running",
    labels: dict[str, str] | None = None,
    nodes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    status: dict[str, Any] = {"phase": phase, "startedAt": created}
    if nodes:
        status["nodes"] = nodes
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": str(uuid.uuid4()),
            "creationTimestamp": created,
            "labels": labels or {},
        },
        "spec": {"entrypoint": "main"},
        "status": status,
    }


def node(nid: str, phase: str = "Running") -> dict[str, Any]:
    return {"id": nid, "name": nid, "displayName": nid, "type": "Pod", "phase": phase}


def test_create_get_roundtrip_with_nodes(store: Store) -> None:
    w = wf("a", nodes={"a": node("a")})
    store.workflows.create(w)
    assert w["metadata"]["resourceVersion"]
    got = store.workflows.get("argo", "a")
    assert got["status"]["nodes"] == {"a": node("a")}
    assert got["metadata"]["uid"] == w["metadata"]["uid"]
    assert store.workflows.get_by_uid(w["metadata"]["uid"])["metadata"]["name"] == "a"


def test_create_twice_conflicts_and_missing_is_not_found(store: Store) -> None:
    store.workflows.create(wf("a"))
    with pytest.raises(AlreadyExists, match=r'workflows\.argoproj\.io "a" already exists'):
        store.workflows.create(wf("a"))
    with pytest.raises(NotFound, match='"nope" not found'):
        store.workflows.get("argo", "nope")
    with pytest.raises(NotFound):
        store.workflows.delete("argo", "nope")


def test_nodes_are_upserted_one_by_one(store: Store) -> None:
    w = wf("a")
    store.workflows.create(w)
    uid = w["metadata"]["uid"]
    store.workflows.save_node(uid, node("a"))
    store.workflows.save_node(uid, node("a-1"))
    store.workflows.save_node(uid, node("a-1", "Succeeded"))
    nodes = store.workflows.get_nodes(uid)
    assert list(nodes) == ["a", "a-1"]
    assert nodes["a-1"]["phase"] == "Succeeded"
    store.workflows.replace_nodes(uid, {"a": node("a", "Failed")})
    assert store.workflows.get("argo", "a")["status"]["nodes"] == {"a": node("a", "Failed")}


def test_update_keeps_nodes_and_bumps_version(store: Store) -> None:
    w = wf("a", nodes={"a": node("a")}, labels={"x": "1"})
    store.workflows.create(w)
    rv = int(w["metadata"]["resourceVersion"])
    w["status"] = {"phase": "Succeeded", "finishedAt": "2024-01-01T00:01:00Z"}
    w["metadata"]["labels"] = {"x": "2"}
    store.workflows.update(w)
    assert int(w["metadata"]["resourceVersion"]) > rv
    got = store.workflows.get("argo", "a")
    assert got["status"]["phase"] == "Succeeded"
    assert got["status"]["nodes"]["a"]["phase"] == "Running"
    assert store.workflows.unfinished() == []
    page = store.workflows.list(ListQuery(labels=parse_label_selector("x=2")))
    assert [i["metadata"]["name"] for i in page.items] == ["a"]
    assert store.workflows.list(ListQuery(labels=parse_label_selector("x=1"))).items == []


def test_list_filters_orders_and_pages(store: Store) -> None:
    for i in range(5):
        store.workflows.create(
            wf(
                f"w{i}",
                created=f"2024-01-01T00:00:0{i}Z",
                labels={"team": "a" if i % 2 else "b"},
                phase="Succeeded" if i < 2 else "Running",
            )
        )
    store.workflows.create(wf("other", ns="ns2"))
    names = [i["metadata"]["name"] for i in store.workflows.list(ListQuery(namespace="argo")).items]
    assert names == ["w4", "w3", "w2", "w1", "w0"]
    q = ListQuery(namespace="argo", labels=parse_label_selector("team in (a)"))
    assert [i["metadata"]["name"] for i in store.workflows.list(q).items] == ["w3", "w1"]
    q = ListQuery(labels=parse_label_selector("team!=a,!missing"))
    assert {i["metadata"]["name"] for i in store.workflows.list(q).items} == {"w4", "w2", "w0", "other"}
    q = ListQuery(namespace="argo", fields=parse_field_selector("status.phase=Running"))
    assert [i["metadata"]["name"] for i in store.workflows.list(q).items] == ["w4", "w3", "w2"]
    q = ListQuery(fields=parse_field_selector("metadata.name=w2"))
    assert [i["metadata"]["name"] for i in store.workflows.list(q).items] == ["w2"]
    seen: list[str] = []
    token = ""
    while True:
        page = store.workflows.list(ListQuery(namespace="argo", limit=2, continue_token=token))
        seen += [i["metadata"]["name"] for i in page.items]
        token = page.continue_token
        if not token:
            break
    assert seen == ["w4", "w3", "w2", "w1", "w0"]
    assert [w["metadata"]["name"] for w in store.workflows.unfinished()] == ["other", "w2", "w3", "w4"]
    with pytest.raises(SpecError, match="continue"):
        store.workflows.list(ListQuery(continue_token="%%%"))


def test_list_with_nodes_only_when_asked(store: Store) -> None:
    store.workflows.create(wf("a", nodes={"a": node("a")}))
    assert "nodes" not in store.workflows.list(ListQuery()).items[0]["status"]
    assert store.workflows.list(ListQuery(), with_nodes=True).items[0]["status"]["nodes"]


def test_delete_removes_nodes_and_logs(store: Store) -> None:
    w = wf("a", nodes={"a": node("a")})
    store.workflows.create(w)
    uid = w["metadata"]["uid"]
    store.workflows.record_log(uid, "a-pod", "main", "/tmp/a.log")
    assert store.workflows.log_files(uid) == [("a-pod", "main", "/tmp/a.log")]
    store.workflows.delete("argo", "a")
    with pytest.raises(NotFound):
        store.workflows.get("argo", "a")
    assert store.workflows.get_nodes(uid) == {}
    store.workflows.create(wf("a"))  # the name is free again


def test_archive(store: Store) -> None:
    w1 = wf("a", phase="Succeeded", labels={"k": "v"}, nodes={"a": node("a", "Succeeded")})
    w2 = wf("b", ns="ns2", phase="Failed", created="2024-01-02T00:00:00Z", labels={"k": "w", "z": "1"})
    store.archive.archive(w1)
    store.archive.archive(w2)
    store.archive.archive(w2)  # idempotent
    assert store.archive.get(w1["metadata"]["uid"])["status"]["nodes"]["a"]["phase"] == "Succeeded"
    assert [i["metadata"]["name"] for i in store.archive.list(ListQuery()).items] == ["b", "a"]
    assert [i["metadata"]["name"] for i in store.archive.list(ListQuery(namespace="argo")).items] == ["a"]
    q = ListQuery(labels=parse_label_selector("k=w"))
    assert [i["metadata"]["name"] for i in store.archive.list(q).items] == ["b"]
    assert [i["metadata"]["name"] for i in store.archive.list(ListQuery(name_prefix="a")).items] == ["a"]
    assert store.archive.label_keys() == ["k", "z"]
    assert store.archive.label_values("k") == ["v", "w"]
    page = store.archive.list(ListQuery(limit=1))
    assert len(page.items) == 1 and page.continue_token
    store.archive.delete(w1["metadata"]["uid"])
    with pytest.raises(NotFound):
        store.archive.get(w1["metadata"]["uid"])


def test_count_by_phase(store: Store) -> None:
    store.workflows.create(wf("a"))
    store.workflows.create(wf("b", phase="Succeeded"))
    store.workflows.create(wf("c", ns="x"))
    assert store.workflows.count_by_phase() == {
        ("argo", "Running"): 1,
        ("argo", "Succeeded"): 1,
        ("x", "Running"): 1,
    }


def test_writes_replace_labels_and_keep_the_resource_as_sent(store: Store) -> None:
    w = wf("a", labels={"x": "1", "y": "1"}, nodes={"a": node("a")})
    w["metadata"]["annotations"] = {"note": '"resourceVersion": "7" \\ \u00e9'}
    store.workflows.create(w)
    got = store.workflows.get("argo", "a")
    assert got["metadata"]["resourceVersion"] == w["metadata"]["resourceVersion"]
    assert list(got["metadata"]) == list(w["metadata"])  # the key order as sent (Argo's)
    assert got["metadata"]["annotations"] == w["metadata"]["annotations"]
    w["metadata"]["labels"] = {"x": "2", "z": "3"}
    store.workflows.update(w)
    assert store.workflows.get("argo", "a")["metadata"]["resourceVersion"] == w["metadata"]["resourceVersion"]
    for selector, names in (("y", []), ("x=1", []), ("x=2,z=3", ["a"])):
        page = store.workflows.list(ListQuery(labels=parse_label_selector(selector)))
        assert [i["metadata"]["name"] for i in page.items] == names, selector
    missing = wf("gone")
    with pytest.raises(NotFound, match='"gone" not found'):
        store.workflows.update(missing)
    store.archive.archive(w)
    w["metadata"]["labels"] = {"x": "4"}
    store.archive.archive(w)
    assert store.archive.label_keys() == ["x"]
    assert store.archive.get(w["metadata"]["uid"])["metadata"]["labels"] == {"x": "4"}


def test_finish_records_the_end_and_archives_it_with_the_same_version(store: Store) -> None:
    w = wf("a", labels={"x": "1", "done": "false"}, nodes={"a": node("a")})
    store.workflows.create(w)
    store.workflows.save_node(w["metadata"]["uid"], node("a", "Succeeded"))
    w["status"] = {
        "phase": "Succeeded",
        "finishedAt": "2024-01-01T00:01:00Z",
        "nodes": {"a": node("a", "Succeeded")},
    }
    w["metadata"]["labels"] = {"x": "1", "done": "true"}
    rv = w["metadata"]["resourceVersion"]
    # The archive keeps its own copy (Argo labels it Persisted, the live one Archived).
    copy = {**w, "metadata": {**w["metadata"], "labels": {"x": "1", "done": "true", "arch": "Persisted"}}}
    w["metadata"]["labels"]["arch"] = "Archived"
    assert store.workflows.finish(w, copy) is w
    assert int(w["metadata"]["resourceVersion"]) > int(rv)
    assert copy["metadata"]["resourceVersion"] == w["metadata"]["resourceVersion"]
    live = store.workflows.get("argo", "a")
    archived = store.archive.get(w["metadata"]["uid"])
    assert live == w and archived == copy
    assert list(archived["metadata"]) == list(w["metadata"])
    assert store.workflows.unfinished() == []
    for labels in ("done=true", "x=1,done=true"):
        query = ListQuery(labels=parse_label_selector(labels))
        assert [i["metadata"]["name"] for i in store.workflows.list(query).items] == ["a"]
        assert [i["metadata"]["name"] for i in store.archive.list(query).items] == ["a"]
    assert store.archive.label_values("done") == ["true"]
    assert store.archive.label_values("arch") == ["Persisted"]
    arch = ListQuery(labels=parse_label_selector("arch=Archived"))
    assert [i["metadata"]["name"] for i in store.workflows.list(arch).items] == ["a"]
    assert store.archive.list(arch).items == []
    with pytest.raises(NotFound, match='"gone" not found'):
        gone = wf("gone", phase="Failed")
        store.workflows.finish(gone, gone)
    assert [i["metadata"]["name"] for i in store.archive.list(ListQuery()).items] == ["a"]  # not "gone"


def test_ordered_label_selectors_name_filters_and_start_bounds(store: Store) -> None:
    """``k>N``/``k<N`` compare integers (a value that is not one never matches); Argo's ``nameFilter`` and its
    ``spec.startedAt>``/``<`` bounds — on live and archived workflows alike."""
    from argento.store.selectors import apply_name_filter

    for name, foo, created in (
        ("test-alice", "1", "2024-01-01T00:00:00Z"),
        ("test-bob", "3", "2024-02-01T00:00:00Z"),
        ("carol", "x", "2024-03-01T00:00:00Z"),
    ):
        w = wf(name, created=created, labels={"foo": foo})
        store.workflows.create(w)
        store.archive.archive(w)

    def names(labels: str = "", fields: str = "", name_filter: str = "") -> dict[str, list[str]]:
        query = ListQuery(
            namespace="argo",
            labels=parse_label_selector(labels),
            fields=apply_name_filter(parse_field_selector(fields), name_filter),
        )
        return {
            "live": sorted(w["metadata"]["name"] for w in store.workflows.list(query).items),
            "archived": sorted(w["metadata"]["name"] for w in store.archive.list(query).items),
        }

    def both(expected: list[str]) -> dict[str, list[str]]:
        return {"live": expected, "archived": expected}

    assert names("foo>0") == both(["test-alice", "test-bob"])
    assert names("foo>1") == both(["test-bob"])
    assert names("foo<2") == both(["test-alice"])
    assert names("foo<-5") == both([])
    assert names(fields="metadata.name=bob", name_filter="Contains") == both(["test-bob"])
    assert names(fields="metadata.name=test", name_filter="Prefix") == both(["test-alice", "test-bob"])
    assert names(fields="metadata.name=test", name_filter="Exact") == both([])
    assert names(fields="metadata.name!=carol", name_filter="Contains") == both(["test-alice", "test-bob"])
    assert names(fields="metadata.name=test-bob", name_filter="NotEquals") == both(["carol", "test-alice"])
    assert names(fields="metadata.name=10%", name_filter="Contains") == both([])  # no SQL wildcards
    bounds = "spec.startedAt>2024-01-15T00:00:00Z,spec.startedAt<2024-02-15T00:00:00+00:00"
    assert names(fields=bounds) == both(["test-bob"])
    with pytest.raises(SpecError, match="must be an integer"):
        parse_label_selector("foo>one")
    with pytest.raises(SpecError, match="RFC 3339"):
        parse_field_selector("spec.startedAt>yesterday")
    with pytest.raises(SpecError, match="nameFilter"):
        apply_name_filter([], "Fuzzy")
