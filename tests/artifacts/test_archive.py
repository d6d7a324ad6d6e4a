"""Archive strategies as Argo's executor applies them (pack on save, unpack on load)."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from argento.artifacts import ArtifactError
from argento.artifacts.archive import is_tarball, pack, unpack


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "outer"
    (root / "inner").mkdir(parents=True)
    (root / "outer.txt").write_text("outer\n")
    (root / "inner" / "inner.txt").write_text("inner\n")
    return root


def test_default_tar_of_a_file(tmp_path: Path) -> None:
    src = tmp_path / "hello.txt"
    src.write_text("hello world\n")
    packed = pack({"name": "hello-art", "path": "/tmp/hello_world.txt"}, src, tmp_path / "stage")
    assert packed.file_name == "hello-art.tgz" and packed.temporary
    with tarfile.open(packed.path) as tar:
        assert tar.getnames() == ["hello_world.txt"]  # the base name of the artifact path
    dest = tmp_path / "loaded"
    unpack({"name": "m"}, packed.path, dest)  # auto-detected tarball, single entry -> the file itself
    assert dest.read_text() == "hello world\n"


def test_tar_of_a_folder_round_trips(tree: Path, tmp_path: Path) -> None:
    packed = pack({"name": "dir", "path": "/outer", "archive": {"tar": {"compressionLevel": 0}}}, tree, tmp_path / "s")
    with tarfile.open(packed.path) as tar:
        assert sorted(tar.getnames()) == ["outer", "outer/inner", "outer/inner/inner.txt", "outer/outer.txt"]
    dest = tmp_path / "loaded"
    unpack({"name": "dir"}, packed.path, dest)
    assert (dest / "inner" / "inner.txt").read_text() == "inner\n"


def test_zip_and_none(tree: Path, tmp_path: Path) -> None:
    packed = pack({"name": "z", "path": "/outer", "archive": {"zip": {}}}, tree, tmp_path / "s")
    assert packed.file_name == "z.zip" and zipfile.is_zipfile(packed.path)
    dest = tmp_path / "unzipped"
    unpack({"name": "z", "archive": {"zip": {}}}, packed.path, dest)
    assert (dest / "outer.txt").read_text() == "outer\n"

    none = pack({"name": "n", "path": "/outer/", "archive": {"none": {}}}, tree, tmp_path / "s")
    assert (none.file_name, none.path, none.is_dir, none.temporary) == ("outer", tree, True, False)


def test_plain_file_is_not_a_tarball(tmp_path: Path) -> None:
    f = tmp_path / "plain"
    f.write_text("just text, not a tar\n")
    assert not is_tarball(f)
    unpack({"name": "p"}, f, tmp_path / "dest")
    assert (tmp_path / "dest").read_text() == "just text, not a tar\n"


def test_multiple_top_level_entries_become_the_folder(tmp_path: Path) -> None:
    buf = tmp_path / "multi.tgz"
    with tarfile.open(buf, "w:gz") as tar:
        for name in ("a.txt", "b.txt"):
            info = tarfile.TarInfo(name)
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
    unpack({"name": "m"}, buf, tmp_path / "dest")
    assert sorted(p.name for p in (tmp_path / "dest").iterdir()) == ["a.txt", "b.txt"]


def test_entries_escaping_the_artifact_are_refused(tmp_path: Path) -> None:
    evil = tmp_path / "evil.tgz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../../escaped.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(ArtifactError, match="outside the artifact"):
        unpack({"name": "e"}, evil, tmp_path / "dest")
    assert not (tmp_path.parent / "escaped.txt").exists()
