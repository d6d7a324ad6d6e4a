"""Bentos: build (include/exclude, lock, models pinned), store, export/import, containerize, serve."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest
import yaml

from argento.deployments.bentos import (
    BentoStore,
    BuildConfig,
    build,
    containerize,
    export_bento,
    import_bento,
)
from argento.deployments.bentos.build import select_files
from argento.errors import NotFound, SpecError

SERVICE = """
import json
import argento
import argento.serving as s

@s.service(name="Adder", envs=[{"name": "GREETING", "value": "hi"}])
class Adder:
    model = argento.models.ref("lin:production")

    def __init__(self):
        self.k = self.model.load()["k"]

    @s.api
    def predict(self, x: float) -> dict:
        return {"y": x * self.k}
"""


@pytest.fixture
def project(tmp_path: Path, argento_home: Path) -> Path:
    import argento

    root = tmp_path / "proj"
    (root / "tests").mkdir(parents=True)
    (root / "svc.py").write_text(textwrap.dedent(SERVICE))
    (root / "tests" / "test_x.py").write_text("import pytest\n")
    (root / "notes.ipynb").write_text("{}")
    (root / "argento.yaml").write_text(
        "service: svc:Adder\nlabels: {team: ml}\nexclude: ['tests/', '*.ipynb']\n"
        "python: {packages: [six]}\nenvs: {MODE: test}\n"
    )
    m = argento.models.save("lin", {"k": 3}, framework="pickle")
    argento.models.tag(m.tag, "production")
    return root


def test_select_files_applies_include_and_exclude(project: Path) -> None:
    (project / "__pycache__").mkdir()
    (project / "__pycache__" / "svc.cpython-311.pyc").write_bytes(b"")
    files = {p.relative_to(project).as_posix() for p in select_files(project, ["*"], ["tests/", "*.ipynb"])}
    assert files == {"svc.py", "argento.yaml"}
    assert {p.name for p in select_files(project, ["*.py"], [])} == {"svc.py", "test_x.py"}


def test_build_records_service_models_lock_and_is_versioned(project: Path) -> None:
    import argento

    bento = build(BuildConfig.load(project / "argento.yaml"))
    assert bento.name == "adder" and bento.service == "svc:Adder"
    assert sorted(p.name for p in bento.src.iterdir()) == ["argento.yaml", "svc.py"]
    model = argento.models.get("lin:production")
    assert bento.models == [model.tag]  # the alias resolved to a concrete version
    m = bento.manifest
    assert m["labels"] == {"team": "ml"} and m["envs"] == {"GREETING": "hi", "MODE": "test"}
    assert m["apis"] == {"predict": {"route": "/predict", "batchable": False}}
    reqs = m["python"]["requirements"]
    assert any(r.startswith("six==") for r in reqs)  # declared
    assert any(r.lower().startswith("pyyaml==") for r in reqs)  # argento's own closure
    assert all("==" in r for r in reqs)
    assert bento.requirements_file.read_text().count("==") == len(reqs)
    second = build(BuildConfig.load(project / "argento.yaml"))
    store = BentoStore.from_settings()
    assert second.version > bento.version
    assert store.get("adder").tag == second.tag
    assert [b.tag for b in store.list()] == [second.tag, bento.tag]
    assert store.delete(bento.tag) == [bento.tag]
    with pytest.raises(NotFound):
        store.get(bento.tag)


def test_build_file_errors_name_the_field(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="service"):
        BuildConfig.from_dict({"include": ["*"]}, tmp_path)
    with pytest.raises(SpecError, match="unknown key"):
        BuildConfig.from_dict({"service": "a:B", "bogus": 1}, tmp_path)
    with pytest.raises(NotFound):
        BuildConfig.load(tmp_path / "nope.yaml")


def test_a_build_from_the_filesystem_root_is_refused_before_walking_it(argento_home: Path) -> None:
    # A pipeline step without workingDir runs in "/", which here is the host's whole filesystem.
    with pytest.raises(SpecError, match="filesystem root"):
        build(BuildConfig.from_dict({"service": "svc:Svc", "include": ["*.py"]}, Path("/")))


def test_export_import_materialises_models(project: Path, tmp_path: Path, argento_home: Path) -> None:
    import shutil

    import argento

    bento = build(BuildConfig.load(project / "argento.yaml"))
    archive = export_bento(BentoStore.from_settings(), bento.tag, f"{tmp_path}/out/")
    assert archive.name == f"adder-{bento.version}.bento"
    shutil.rmtree(argento_home)  # a different machine: no models, no bentos
    argento_home.mkdir()
    imported = import_bento(BentoStore.from_settings(), archive)
    assert imported.tag == bento.tag
    assert argento.models.get(bento.models[0]).load() == {"k": 3}
    context = containerize(BentoStore.from_settings(), bento.tag, tmp_path / "ctx")
    dockerfile = (context / "Dockerfile").read_text()
    assert 'argento", "serve", "svc:Adder"' in dockerfile and 'ENV GREETING="hi"' in dockerfile
    assert (context / "bento" / "env" / "requirements.lock.txt").exists()
    assert len(list((context / "models").glob("*.argento-model"))) == 1


def _serve(
    argv: list[str], port: int, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.Popen:
    import os

    proc = subprocess.Popen(
        argv, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "serve exited")
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("bento did not become ready")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("isolated", [False, True], ids=["reuse-env", "isolated-env"])
def test_serve_bento_pins_models(project: Path, isolated: bool) -> None:
    import argento

    bento = build(BuildConfig.load(project / "argento.yaml"))
    newer = argento.models.save("lin", {"k": 10}, framework="pickle")
    argento.models.tag(newer.tag, "production")  # the alias moves; the bento keeps its version
    port = _free_port()
    argv = [
        sys.executable,
        "-m",
        "argento.cli.main",
        "serve",
        "adder",
        "--port",
        str(port),
        "--no-access-log",
    ]
    if not isolated:
        argv.append("--reuse-env")
    proc = _serve(argv, port, timeout=180)
    try:
        r = httpx.post(f"http://127.0.0.1:{port}/predict", json={"x": 2})
        assert r.json() == {"y": 6.0}
        if isolated:
            cmd = Path(f"/proc/{proc.pid}/cmdline").read_bytes().split(b"\0")[0].decode()
            assert "/envs/" in cmd  # the bento's own interpreter
            env_root = Path(cmd).parents[1]
            assert (env_root / "pyvenv.cfg").read_text().count("include-system-site-packages = false")
    finally:
        proc.terminate()
        proc.wait(10)
    assert yaml.safe_load((bento.path / "bento.yaml").read_text())["models"][0]["tag"] == bento.models[0]
