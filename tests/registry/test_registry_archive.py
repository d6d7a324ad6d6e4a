"""Export/import round trips through a file, a folder and ``s3://`` (a moto server on 127.0.0.1)."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from registry_support import Doubler

import argento
from argento.errors import AlreadyExists, NotFound, SpecError
from argento.registry.archive import export_model, import_model
from argento.registry.store import ModelStore


@pytest.fixture
def other_store(tmp_path: Path) -> ModelStore:
    """A second, empty store (another machine)."""
    return ModelStore(tmp_path / "elsewhere" / "models")


def _saved(store: ModelStore) -> argento.models.Model:
    m = store.save(
        "iris",
        Doubler(4),
        version="v1.0.0",
        labels={"team": "a"},
        metadata={"acc": 0.9},
        custom_objects={"classes": ["x", "y"]},
    )
    store.set_labels(m.tag, {"stage": "prod"})
    return store.get(m.tag)


def _assert_same(a: argento.models.Model, b: argento.models.Model) -> None:
    assert (b.tag, b.framework, b.created_at) == (a.tag, a.framework, a.created_at)
    assert (b.metadata, b.signatures, b.labels) == (a.metadata, a.signatures, a.labels)
    assert b.load().predict([1]) == [4]
    assert b.custom_objects == {"classes": ["x", "y"]}


def test_file_round_trip(store: ModelStore, other_store: ModelStore, tmp_path: Path) -> None:
    m = _saved(store)
    dest = argento.models.export_model("iris:latest", tmp_path / "out.argento-model")
    assert dest == str(tmp_path / "out.argento-model")
    imported = import_model(other_store, dest)
    _assert_same(m, imported)
    assert imported.labels == {"team": "a", "stage": "prod"}
    with pytest.raises(AlreadyExists):
        import_model(other_store, dest)
    # into the same store after deleting it there
    store.delete(m.tag)
    _assert_same(m, argento.models.import_model(dest))


def test_export_into_a_folder(store: ModelStore, tmp_path: Path) -> None:
    _saved(store)
    out = tmp_path / "exports"
    out.mkdir()
    assert export_model(store, "iris", out) == str(out / "iris-v1.0.0.argento-model")
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp file left


def test_import_rejects_bad_archives(store: ModelStore, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        import_model(store, tmp_path / "missing.argento-model")
    junk = tmp_path / "junk.argento-model"
    junk.write_bytes(b"not a tar")
    with pytest.raises(SpecError, match="not a readable model archive"):
        import_model(store, junk)

    def tar_with(name: str, *, link: bool = False) -> Path:
        path = tmp_path / f"evil-{len(list(tmp_path.iterdir()))}.argento-model"
        with tarfile.open(path, "w:gz") as tar:
            info = tarfile.TarInfo(name)
            if link:
                info.type = tarfile.SYMTYPE
                info.linkname = "/etc/passwd"
                tar.addfile(info)
            else:
                info.size = 2
                tar.addfile(info, io.BytesIO(b"hi"))
        return path

    with pytest.raises(SpecError, match="unsafe path"):
        import_model(store, tar_with("model/../../escape.txt"))
    with pytest.raises(SpecError, match="link or device"):
        import_model(store, tar_with("model/link", link=True))
    with pytest.raises(SpecError, match="unexpected member"):
        import_model(store, tar_with("other.txt"))
    with pytest.raises(SpecError, match="not an Argento model archive"):
        import_model(store, tar_with("model/file.txt"))
    assert store.list() == []
    assert not list((store.root / ".staging").iterdir())


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A moto S3 server on 127.0.0.1 with bucket ``models``; boto3 finds it through AWS_ENDPOINT_URL."""
    server_mod = pytest.importorskip("moto.server", reason="moto is not installed in this environment")
    boto3 = pytest.importorskip("boto3")
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    for key, value in {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    client = boto3.client("s3")
    client.create_bucket(Bucket="models")
    try:
        yield client
    finally:
        server.stop()


def test_s3_round_trip(store: ModelStore, other_store: ModelStore, s3: object) -> None:
    m = _saved(store)
    url = argento.models.export_model(m.tag, "s3://models/team-a/iris.argento-model")
    assert url == "s3://models/team-a/iris.argento-model"
    _assert_same(m, import_model(other_store, url))
    # a key ending in / is a folder
    assert (
        export_model(store, m.tag, "s3://models/archive/") == "s3://models/archive/iris-v1.0.0.argento-model"
    )


def test_s3_errors(store: ModelStore, s3: object) -> None:
    with pytest.raises(NotFound, match="s3://models/nope"):
        import_model(store, "s3://models/nope")
    _saved(store)
    with pytest.raises(NotFound, match="NoSuchBucket"):
        export_model(store, "iris", "s3://no-such-bucket/k")
    with pytest.raises(SpecError, match="BUCKET"):
        export_model(store, "iris", "s3:///k")
