"""Mutable aliases, their append-only history, resolve_at, and the alias/version namespace rule."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

import argento
from argento.errors import Conflict, NotFound, SpecError
from argento.registry.aliases import AliasLog
from argento.registry.store import ModelStore


def _tick() -> datetime:
    """A moment strictly between two alias changes."""
    time.sleep(0.005)
    now = datetime.now(UTC)
    time.sleep(0.005)
    return now


def test_tag_move_untag_and_history(store: ModelStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "ana")
    monkeypatch.setenv("LOGNAME", "ana")
    v1 = store.save("iris", 1, version="v1")
    v2 = store.save("iris", 2, version="v2")

    event = argento.models.tag("iris:v1", "production")
    assert (event.alias, event.from_version, event.to_version, event.action) == (
        "production",
        None,
        "v1",
        "tag",
    )
    assert event.user == "ana" and event.host
    assert argento.models.get("iris:production") == v1

    argento.models.tag(
        "iris:latest", "production"
    )  # the seed's `models.tag("my-model:latest", "production")`
    assert argento.models.get("iris:production") == v2
    argento.models.tag("iris:production", "staging")  # copy an alias
    assert argento.models.aliases("iris") == {"production": "v2", "staging": "v2"}

    # re-pointing to the same version writes nothing
    again = store.tag("iris:v2", "production")
    assert (again.from_version, again.to_version) == ("v1", "v2")

    removed = argento.models.untag("iris", "staging")
    assert (removed.from_version, removed.to_version, removed.action) == ("v2", None, "untag")
    assert argento.models.aliases("iris") == {"production": "v2"}
    with pytest.raises(NotFound, match="no version or alias 'staging'"):
        store.get("iris:staging")
    with pytest.raises(NotFound, match="no alias 'canary'"):
        store.untag("iris", "canary")

    entries = [(e.alias, e.from_version, e.to_version, e.action) for e in argento.models.history("iris")]
    assert entries == [
        ("production", None, "v1", "tag"),
        ("production", "v1", "v2", "tag"),
        ("staging", None, "v2", "tag"),
        ("staging", "v2", None, "untag"),
    ]
    assert [e.to_version for e in store.history("iris", alias="production")] == ["v1", "v2"]
    times = [e.time for e in store.history("iris")]
    assert times == sorted(times)


def test_resolve_at(store: ModelStore) -> None:
    store.save("iris", 1, version="v1")
    t_before = _tick()
    store.save("iris", 2, version="v2")
    store.tag("iris:v1", "production")
    t1 = _tick()
    store.tag("iris:v2", "production")
    t2 = _tick()
    store.untag("iris", "production")
    t3 = _tick()

    assert argento.models.resolve_at("iris:production", t1) == "v1"
    assert argento.models.resolve_at("iris:production", t2) == "v2"
    with pytest.raises(NotFound, match="no alias 'production' at"):
        store.resolve_at("iris:production", t3)
    with pytest.raises(NotFound):
        store.resolve_at("iris:production", t_before)
    # latest then: the newest version created by that time
    assert store.resolve_at("iris", t_before) == "v1"
    assert store.resolve_at("iris:latest", t3) == "v2"
    assert store.resolve_at("iris:v2", t3) == "v2"
    with pytest.raises(NotFound, match="did not exist"):
        store.resolve_at("iris:v2", t_before)
    # naive datetimes are local time
    assert store.resolve_at("iris:production", t1.astimezone().replace(tzinfo=None)) == "v1"
    assert store.aliases("iris", at=t2) == {"production": "v2"}


def test_alias_and_version_share_one_namespace(store: ModelStore) -> None:
    store.save("iris", 1, version="v1")
    store.save("iris", 2, version="stable")
    with pytest.raises(Conflict, match="is a version"):
        store.tag("iris:v1", "stable")
    store.tag("iris:v1", "production")
    with pytest.raises(Conflict, match="is an alias"):
        store.save("iris", 3, version="production")
    with pytest.raises(SpecError, match="auto version"):
        store.tag("iris:v1", "20261126-153012-ab12")
    with pytest.raises(SpecError, match="newest"):
        store.tag("iris:v1", "latest")
    with pytest.raises(NotFound):
        store.tag("iris:v9", "production")


def test_delete_refused_while_aliased_unless_forced(store: ModelStore) -> None:
    store.save("iris", 1, version="v1")
    store.save("iris", 2, version="v2")
    store.tag("iris:v1", "production")
    store.tag("iris:v1", "canary")
    before = _tick()
    with pytest.raises(Conflict, match="'canary' → v1, 'production' → v1"):
        argento.models.delete("iris:v1")
    with pytest.raises(Conflict):
        store.delete("iris:production")  # deleting through the alias is the same version
    with pytest.raises(Conflict):
        store.delete("iris")
    assert store.get("iris:production").version == "v1"

    assert argento.models.delete("iris:v1", force=True) == ["iris:v1"]
    assert store.aliases("iris") == {}
    last = store.history("iris")[-2:]
    assert {(e.alias, e.from_version, e.to_version, e.action) for e in last} == {
        ("canary", "v1", None, "delete"),
        ("production", "v1", None, "delete"),
    }
    # history still answers what production was before the deletion
    assert store.resolve_at("iris:production", before) == "v1"


def test_torn_history_line_is_ignored_and_repaired(store: ModelStore) -> None:
    store.save("iris", 1, version="v1")
    store.tag("iris:v1", "production")
    log = store.root / "iris" / "history.jsonl"
    with open(log, "ab") as fh:  # what a writer killed mid-append leaves
        fh.write(b'{"time": "2026-11-26T15:30:12+00:00", "alias": "canary", "fr')
    assert store.aliases("iris") == {"production": "v1"}
    store.tag("iris:v1", "canary")
    lines = log.read_text().splitlines()
    assert len(lines) == 2
    assert [json.loads(line)["alias"] for line in lines] == ["production", "canary"]


def test_damaged_entry_does_not_hide_the_rest(tmp_path) -> None:
    log = AliasLog(tmp_path / "history.jsonl", "iris")
    log.append("production", None, "v1", user="ana")
    with open(log.path, "a") as fh:
        fh.write("not json\n")
    log.append("production", "v1", "v2", user="bob")
    assert log.current() == {"production": "v2"}
    assert [e.user for e in log.events()] == ["ana", "bob"]


def test_log_times_never_go_backwards(tmp_path) -> None:
    log = AliasLog(tmp_path / "history.jsonl", "iris")
    now = datetime.now(UTC)
    log.append("production", None, "v1", now=now)
    second = log.append("production", "v1", "v2", now=now - timedelta(hours=1))  # the clock stepped back
    assert second.time == now
    with pytest.raises(SpecError):
        log.append("production", "v2", None, action="explode")
