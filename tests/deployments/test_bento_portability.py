"""Bentos carry what they serve and nothing of the build machine (issue 17, items 11 and 12): the models the
service loads in ``__init__`` are recorded and pinned, paths are relative to the build context, an editable
Argento is pinned by version, and a bento exported here imports into another ARGENTO_HOME and serves there."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tarfile
import textwrap
import time
from importlib import metadata
from pathlib import Path

import httpx
import pytest

from argento import __version__
from argento.deployments.bentos import BentoStore, BuildConfig, build, export_bento, import_bento
from argento.errors import SpecError

SERVICE = """
import argento
import argento.serving as s


@s.service(name="Scaler")
class Scaler:
    def __init__(self):
        self.k = argento.models.get("lin:production").load()["k"]  # through the model store, in __init__

    @s.api
    def predict(self, x: float) -> dict:
        return {"y": x * self.k}
"""


@pytest.fixture
def project(tmp_path: Path, argento_home: Path) -> Path:
    import argento

    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "scaler_svc.py").write_text(textwrap.dedent(SERVICE))  # a module name no other test uses
    (root / "pkg" / "__init__.py").write_text("")
    (root / "argento.yaml").write_text("service: scaler_svc:Scaler\n")
    m = argento.models.save("lin", {"k": 3}, framework="pickle")
    argento.models.tag(m.tag, "production")
    return root


def test_build_records_the_models_init_loads(project: Path) -> None:
    import argento

    warnings: list[str] = []
    bento = build(BuildConfig.load(project / "argento.yaml"), warn=warnings.append)
    concrete = argento.models.get("lin:production").tag
    assert bento.models == [concrete]
    assert bento.manifest["models"] == [{"tag": concrete, "ref": "lin:production", "framework": "pickle"}]
    assert warnings == []


def test_build_warns_when_the_service_cannot_be_created(project: Path) -> None:
    (project / "gpu_svc.py").write_text(  # its own module name: the tests import services in this process
        "import argento.serving as s\n\n\n@s.service(name='Scaler')\nclass Scaler:\n"
        "    def __init__(self):\n        raise RuntimeError('no GPU here')\n"
    )
    (project / "argento.yaml").write_text("service: gpu_svc:Scaler\n")
    warnings: list[str] = []
    bento = build(BuildConfig.load(project / "argento.yaml"), warn=warnings.append)
    assert bento.models == []
    [warning] = warnings
    assert "gpu_svc.py:7: RuntimeError: no GPU here" in warning and "`models: [name:tag]`" in warning


def _editable_argento() -> str | None:
    raw = metadata.distribution("argento").read_text("direct_url.json") or "{}"
    info = json.loads(raw)
    return str(info["url"])[len("file://") :] if (info.get("dir_info") or {}).get("editable") else None


def test_a_bento_names_no_path_of_the_build_machine(project: Path) -> None:
    bento = build(BuildConfig.load(project / "argento.yaml"))
    assert sorted(p.relative_to(bento.src).as_posix() for p in bento.src.rglob("*") if p.is_file()) == [
        "argento.yaml",
        "pkg/__init__.py",
        "scaler_svc.py",
    ]
    python = bento.manifest["python"]
    assert f"argento=={__version__}" in python["requirements"]
    host_paths = [str(project), str(project.resolve())]
    if _editable_argento():
        assert python["editable"] == ["argento"]
        host_paths.append(_editable_argento() or "")
    for file in bento.path.rglob("*"):
        if file.is_file():
            text = file.read_text(errors="replace")
            assert not [p for p in host_paths if p in text], file


def test_export_import_into_another_home_serves(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bento = build(BuildConfig.load(project / "argento.yaml"))
    archive = export_bento(BentoStore.from_settings(), bento.tag, tmp_path / "adder.bento")
    shutil.rmtree(project)  # the build context is gone too

    other = tmp_path / "other-home"  # another machine: no models, no aliases, no bentos
    other.mkdir()
    monkeypatch.setenv("ARGENTO_HOME", str(other))
    imported = import_bento(BentoStore.from_settings(), archive)
    assert imported.tag == bento.tag and imported.path.is_relative_to(other)

    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    argv = [
        sys.executable,
        "-m",
        "argento.cli.main",
        "serve",
        bento.tag,
        "--port",
        str(port),
        "--no-access-log",
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read().decode() if proc.stderr else "serve exited")
            time.sleep(0.1)
        # `lin:production` is no alias here: the bento's recorded version is what __init__ gets.
        assert httpx.post(f"http://127.0.0.1:{port}/predict", json={"x": 2}).json() == {"y": 6.0}
    finally:
        proc.terminate()
        proc.wait(10)


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            info.size = len(data) if info.isfile() else 0
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return path


def _file(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    return tarfile.TarInfo(name), data


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, b""


@pytest.mark.parametrize(
    ("members", "needle"),
    [
        ([_file("/etc/passwd")], "unsafe archive member '/etc/passwd'"),
        ([_file("bento/../../escape.txt")], "unsafe archive member 'bento/../../escape.txt'"),
        ([_link("bento/src/x", "/etc/passwd")], "unsafe archive member 'bento/src/x'"),
        ([_link("bento/src/y", "bento/bento.yaml", tarfile.LNKTYPE)], "unsafe archive member 'bento/src/y'"),
        ([_file("elsewhere.txt")], "unexpected archive member 'elsewhere.txt'"),
        (
            [_file("bento/bento.yaml", b"name: a\nversion: v1\n"), _file("bento/src/big", b"0" * 2048)],
            "more than 1024 bytes",
        ),
    ],
)
def test_import_refuses_unsafe_archives(
    members: list[tuple[tarfile.TarInfo, bytes]], needle: str, tmp_path: Path, argento_home: Path
) -> None:
    archive = _tar(tmp_path / "bad.bento", members)
    store = BentoStore.from_settings()
    with pytest.raises(SpecError, match=r"bad\.bento: ") as err:
        import_bento(store, archive, max_bytes=1024)
    assert needle in str(err.value)
    assert store.names() == [] and not (tmp_path / "escape.txt").exists()
