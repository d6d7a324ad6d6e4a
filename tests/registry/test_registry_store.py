"""Save, get, list, delete, labels, metadata, signatures, create(), custom objects, lazy refs."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml
from registry_support import Doubler

import argento
from argento.errors import AlreadyExists, NotFound, SpecError
from argento.registry.store import ModelStore


def test_save_get_load_round_trip(store: ModelStore) -> None:
    m = argento.models.save(
        "doubler",
        Doubler(3),
        labels={"team": "a"},
        metadata={"acc": 0.97, "classes": ["a", "b"]},
        signatures={"predict": {"batchable": True}},
    )
    assert m.tag == f"doubler:{m.version}"
    assert m.name == "doubler"
    assert m.framework == "pickle"
    assert m.labels == {"team": "a"}
    assert m.metadata == {"acc": 0.97, "classes": ["a", "b"]}
    assert m.signatures == {"predict": {"batchable": True, "batch_dim": 0}}
    assert m.created_at.tzinfo is not None
    assert m.path == store.root / "doubler" / "versions" / m.version
    assert m.size_bytes > 0
    assert m.load().predict([1, 2]) == [3, 6]

    for tag in (m.tag, "doubler", "doubler:latest", "Doubler:" + m.version.upper()):
        assert argento.models.get(tag) == m
    manifest = yaml.safe_load((m.path / "model.yaml").read_text())
    assert manifest["name"] == "doubler" and manifest["version"] == m.version
    assert manifest["context"]["python_version"]


def test_artifacts_are_read_only_and_default_signatures(store: ModelStore) -> None:
    m = store.save("doubler", Doubler())
    assert m.signatures == {"predict": {"batchable": False, "batch_dim": 0}}
    for file in m.path.iterdir():
        assert not file.stat().st_mode & 0o222, file


def test_custom_version_and_duplicates(store: ModelStore) -> None:
    m = store.save("my-model", Doubler(), version="v1.0.0")
    assert m.tag == "my-model:v1.0.0"
    assert argento.models.get("my-model:v1.0.0").load().predict([2]) == [4]
    with pytest.raises(AlreadyExists, match="immutable"):
        store.save("my-model", Doubler(), version="v1.0.0")
    with pytest.raises(SpecError, match="reserved"):
        store.save("my-model", Doubler(), version="latest")


def test_latest_is_newest_by_creation_not_by_name(store: ModelStore) -> None:
    store.save("m", 1, version="zzz")
    time.sleep(0.002)
    store.save("m", 2, version="aaa")
    assert store.get("m").version == "aaa"
    assert store.get("m:latest").load() == 2
    assert [x.version for x in store.list("m")] == ["aaa", "zzz"]


def test_list_groups_by_name_newest_first(store: ModelStore) -> None:
    assert argento.models.list() == []
    a1 = store.save("b-model", 1)
    a2 = store.save("b-model", 2)
    c1 = store.save("a-model", 3)
    assert argento.models.list() == [c1, a2, a1]
    assert argento.models.list("b-model") == [a2, a1]
    assert argento.models.list("nothing") == []


def test_get_errors(store: ModelStore) -> None:
    with pytest.raises(NotFound, match="'iris' not found"):
        store.get("iris")
    store.save("iris", 1, version="v1")
    with pytest.raises(NotFound, match="no version or alias 'v2'"):
        store.get("iris:v2")
    with pytest.raises(SpecError):
        store.get("iris:bad/version")


def test_delete_version_and_all(store: ModelStore) -> None:
    v1 = store.save("iris", 1, version="v1")
    v2 = store.save("iris", 2, version="v2")
    v3 = store.save("iris", 3, version="v3")
    assert argento.models.delete("iris:v2") == ["iris:v2"]
    assert not v2.path.exists()
    assert store.list("iris") == [v3, v1]
    assert store.delete("iris:latest") == ["iris:v3"]
    assert store.get("iris").version == "v1"
    store.save("iris", 4, version="v4")
    assert sorted(store.delete("iris")) == ["iris:v1", "iris:v4"]  # a bare name deletes every version
    assert store.list() == []
    with pytest.raises(NotFound):
        store.delete("iris")
    assert not list((store.root / ".staging").iterdir())  # nothing left in the trash


def test_labels_are_mutable_and_artifacts_are_not(store: ModelStore) -> None:
    m = store.save("iris", 1, labels={"team": "a", "stage": "dev"})
    updated = argento.models.set_labels(m.tag, {"stage": "prod", "owner": "ana", "team": None})
    assert updated.labels == {"stage": "prod", "owner": "ana"}
    assert store.get(m.tag).labels == {"stage": "prod", "owner": "ana"}
    # the manifest keeps the labels the model was saved with
    assert yaml.safe_load((m.path / "model.yaml").read_text())["labels"] == {"team": "a", "stage": "dev"}
    m.set_labels({"x": 1, "flag": True})
    assert m.labels == {"stage": "prod", "owner": "ana", "x": "1", "flag": "true"}
    assert store.set_labels(m.tag, {"only": "this"}, replace=True).labels == {"only": "this"}
    with pytest.raises(SpecError, match="label key"):
        store.set_labels(m.tag, {"bad key": "x"})
    with pytest.raises(SpecError, match="string value"):
        store.set_labels(m.tag, {"k": ["list"]})


def test_labels_of_a_deleted_version_do_not_leak_into_a_new_one(store: ModelStore) -> None:
    store.save("iris", 1, version="v1", labels={"a": "1"})
    store.set_labels("iris:v1", {"stale": "yes"})
    store.delete("iris:v1")
    assert store.save("iris", 2, version="v1").labels == {}


def test_metadata_validation_and_numpy_values(store: ModelStore) -> None:
    np = pytest.importorskip("numpy")
    m = store.save("iris", 1, metadata={"acc": np.float32(0.5), "n": np.int64(3), "w": np.arange(3)})
    assert store.get(m.tag).metadata == {"acc": 0.5, "n": 3, "w": [0, 1, 2]}
    with pytest.raises(SpecError, match=r"metadata\.bad"):
        store.save("iris", 1, metadata={"bad": object()})
    with pytest.raises(SpecError, match="mapping"):
        store.save("iris", 1, metadata=[1, 2])  # type: ignore[arg-type]


def test_signature_validation(store: ModelStore) -> None:
    m = store.save("iris", Doubler(), signatures={"predict": {"batchable": True, "batch_dim": (0, 1)}})
    assert m.signatures == {"predict": {"batchable": True, "batch_dim": [0, 1]}}
    with pytest.raises(SpecError, match="unknown keys"):
        store.save("iris", 1, signatures={"predict": {"batched": True}})
    with pytest.raises(SpecError, match="method name"):
        store.save("iris", 1, signatures={"not a name": {}})
    with pytest.raises(SpecError, match="batch_dim"):
        store.save("iris", 1, signatures={"predict": {"batch_dim": "x"}})
    assert store.list() == [m]  # failed saves left nothing behind


def test_create_writes_custom_files_and_discards_on_error(store: ModelStore) -> None:
    with argento.models.create("tokenizer", version="v1", metadata={"vocab": 2}) as draft:
        (draft.path / "vocab.txt").write_text("a\nb\n")
        (draft.path / "sub").mkdir()
        (draft.path / "sub" / "x.bin").write_bytes(b"\0")
    assert draft.model is not None and draft.model.tag == "tokenizer:v1"
    model = store.get("tokenizer:v1")
    assert model.framework == "custom"
    assert (model.load() / "vocab.txt").read_text() == "a\nb\n"

    with pytest.raises(RuntimeError), argento.models.create("tokenizer", version="v2") as draft:
        (draft.path / "vocab.txt").write_text("partial")
        raise RuntimeError("training crashed")
    assert [m.version for m in store.list("tokenizer")] == ["v1"]
    assert not list((store.root / ".staging").iterdir())

    with pytest.raises(SpecError, match=r"model\.yaml"), store.create("tokenizer") as draft:
        (draft.path / "model.yaml").write_text("mine")


def test_custom_objects(store: ModelStore) -> None:
    m = store.save("iris", Doubler(), custom_objects={"encoder": {"a": 0}, "fn": lambda x: x + 1})
    objects = store.get(m.tag).custom_objects
    assert objects["encoder"] == {"a": 0}
    assert objects["fn"](1) == 2
    assert store.save("iris", 1).custom_objects == {}


def test_ref_is_lazy_and_follows_the_alias(store: ModelStore) -> None:
    ref = argento.models.ref("iris:production")
    assert ref.tag == "iris:production"
    with pytest.raises(NotFound):
        ref.resolve()
    v1 = store.save("iris", Doubler(1))
    v2 = store.save("iris", Doubler(5))
    store.tag(v1.tag, "production")
    assert ref.resolve() == v1
    store.tag(v2.tag, "production")
    assert ref.load().predict([1]) == [5]
    assert ref.resolve(store) == v2


def test_stale_staging_of_a_dead_process_is_collected(store: ModelStore, tmp_path: Path) -> None:
    staging = store.root / ".staging"
    staging.mkdir(parents=True)
    dead = staging / "999999999-save-abc"  # no such pid
    (dead / "inner").mkdir(parents=True)
    mine = staging / f"{os.getpid()}-save-live"
    mine.mkdir()
    store.save("iris", 1)
    assert not dead.exists()
    assert mine.exists()


def test_store_follows_argento_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARGENTO_HOME", str(tmp_path / "one"))
    argento.models.save("iris", 1)
    monkeypatch.setenv("ARGENTO_HOME", str(tmp_path / "two"))
    assert argento.models.list() == []
    assert (tmp_path / "one" / "models" / "iris").is_dir()
    assert argento.models.store().root == tmp_path / "two" / "models"


def test_load_runner(store: ModelStore) -> None:
    import asyncio

    m = store.save("doubler", Doubler(3), signatures={"predict": {"batchable": True}})
    runner = m.load_runner()
    runner.init_local()
    assert runner.predict.batchable
    assert runner.predict.run([1]) == [3]
    assert runner.run([2]) == [6]
    assert asyncio.run(runner.predict.async_run([1, 1])) == [3, 3]
    with pytest.raises(AttributeError, match="no method 'transform'"):
        runner.transform  # noqa: B018
    fn = store.save("fn", lambda x: -x).load_runner()
    assert fn.run(4) == -4
