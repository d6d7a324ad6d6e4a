"""Image table: defaults, overrides, argv rules, unknown images."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from argento.config import Settings
from argento.errors import ExecutorError
from argento.executors import UnknownImage
from argento.executors.images import ImageTable, Runtime, normalize_image

HOST_PATH = os.environ.get("PATH", os.defpath)


def table(settings: Settings) -> ImageTable:
    return ImageTable(settings, Runtime(settings, HOST_PATH), HOST_PATH)


def test_defaults_cover_the_corpus_images(settings: Settings) -> None:
    t = table(settings)
    for image in (
        "busybox",
        "alpine:3.23",
        "python:alpine3.23",
        "debian:9.4",
        "ubuntu",
        "bash:5",
        "argoproj/argosay:v2",
        "argoproj/argosay:v1",
        "docker/whalesay:latest",
        "docker.io/library/alpine:3.6",
        "busybox:1.36",
    ):
        t.resolve(image)
    py = t.resolve("python:3.12")
    assert py.path[0] == str(t.runtime.python_bin) and py.memory_rlimit == "data"
    assert t.resolve("argoproj/argosay:v1").env["ARGOSAY_VERSION"] == "1"
    assert t.resolve("docker/whalesay").env["ARGENTO_COW"] == "whale"


def test_normalize_image() -> None:
    assert normalize_image("docker.io/library/python:3.12@sha256:abc") == "python:3.12"
    assert normalize_image("index.docker.io/argoproj/argosay:v2") == "argoproj/argosay:v2"


def test_argv_follows_entrypoint_and_cmd_rules(settings: Settings) -> None:
    t = table(settings)
    say = t.resolve("argoproj/argosay:v2")
    assert say.argv([], []) == ["argosay"]
    assert say.argv([], ["echo", "x"]) == ["argosay", "echo", "x"]
    assert say.argv(["/argosay"], ["cat", "f"]) == [str(t.runtime.bin / "argosay"), "cat", "f"]
    # busybox-based images: their sh is ash, which bash stands in for ([[ ]], $RANDOM)
    assert say.argv(["sh", "-c"], ["true"]) == ["bash", "-c", "true"]
    box = t.resolve("busybox")
    assert box.argv([], []) == ["bash"]  # the image CMD is sh, i.e. ash
    assert box.argv([], ["echo", "hi"]) == ["echo", "hi"]  # no ENTRYPOINT: args are the command
    py = t.resolve("python:3")
    assert py.argv(["/usr/local/bin/python"], ["-V"])[0] == str(t.runtime.python_bin / "python3")


def test_python_runtime_keeps_the_current_environment(settings: Settings) -> None:
    t = table(settings)
    out = subprocess.run(
        [
            str(t.runtime.python_bin / "python3"),
            "-c",
            "import sys, argento; print(sys.prefix != sys.base_prefix, argento.__name__)",
        ],
        capture_output=True,
        text=True,
        env={"PATH": HOST_PATH},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(sys.prefix != sys.base_prefix), "argento"]


def test_unmapped_image_runs_on_the_host_with_a_warning(settings: Settings) -> None:
    # Issue 16.1: an image with no mapping is not refused (lint passed it); it runs on the host PATH.
    t = table(settings)
    runtime = t.resolve("nginx:1.13")
    assert (
        runtime.warning and '"nginx:1.13"' in runtime.warning and str(settings.images_file) in runtime.warning
    )
    assert "--strict-images" in runtime.warning
    assert runtime.argv(["nginx"], ["-v"]) == ["nginx", "-v"] and runtime.argv([], []) == []
    assert t.check("nginx:1.13") == runtime.warning and t.check("alpine:3") == ""


def test_strict_images_refuse_an_unmapped_image(settings: Settings) -> None:
    strict = dataclasses.replace(settings, strict_images=True)
    with pytest.raises(UnknownImage) as e:
        table(strict).resolve("nginx:1.13")
    assert '"nginx:1.13"' in str(e.value) and str(settings.images_file) in str(e.value)
    assert "strict" in str(e.value)
    assert Settings.from_env(
        {"ARGENTO_HOME": str(settings.home), "ARGENTO_STRICT_IMAGES": "true"}
    ).strict_images


def test_images_yaml_overrides_defaults(settings: Settings, tmp_path: Path) -> None:
    settings.images_file.write_text(
        '"nginx*": {path: [/opt/nginx/bin], env: {A: "1"}, aliases: {/docker-entrypoint.sh: "{bin}/argosay"}}\n'
        '"busybox*": {unsupported: "not today"}\n'
    )
    t = table(settings)
    nginx = t.resolve("nginx:1.13")
    assert nginx.path == ("/opt/nginx/bin",) and nginx.env == {"A": "1"}
    assert nginx.aliases["/docker-entrypoint.sh"] == str(t.runtime.bin / "argosay")
    assert nginx.source == str(settings.images_file)
    with pytest.raises(UnknownImage, match="not today"):
        t.resolve("busybox")
    t.resolve("alpine")  # untouched defaults still apply


def test_argento_images_inline_and_path_win_over_the_file(settings: Settings, tmp_path: Path) -> None:
    settings.images_file.write_text('"myimg*": {env: {FROM: file}}\n')
    inline = Settings(home=settings.home, images=json.dumps({"myimg*": {"env": {"FROM": "env"}}}))
    assert table(inline).resolve("myimg:1").env == {"FROM": "env"}
    path = tmp_path / "imgs.yaml"
    path.write_text('images:\n  "myimg*": {env: {FROM: path}}\n')
    assert table(Settings(home=settings.home, images=str(path))).resolve("myimg").env == {"FROM": "path"}
    assert table(settings).resolve("myimg").env == {"FROM": "file"}


def test_bad_tables_and_missing_host_programs(settings: Settings) -> None:
    with pytest.raises(ExecutorError, match="keys"):
        table(Settings(home=settings.home, images='{"x*": {"bogus": 1}}'))
    with pytest.raises(ExecutorError, match="cannot read"):
        table(Settings(home=settings.home, images="/nonexistent/images.yaml"))
    t = ImageTable(settings, Runtime(settings, HOST_PATH), "/nonexistent")
    with pytest.raises(UnknownImage, match="needs `node`"):
        t.resolve("node:9.1-alpine")


ML_IMAGES = (
    "python:3.11",  # the seed guide's (../shared/seed/mlops-workflows-guide.md)
    "rayproject/ray:2.9.0",
    "pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime",
    "tensorflow/tensorflow:2.15.0",
    "continuumio/miniconda3:latest",
    "jupyter/scipy-notebook:latest",
    "ghcr.io/mlflow/mlflow:v2.9.2",
)


@pytest.mark.parametrize("image", ML_IMAGES)
def test_ml_stack_images_run_the_current_interpreter(settings: Settings, image: str) -> None:
    # Issue 16.1: the guide's first workflow failed on `rayproject/ray:2.9.0` (no mapping).
    t = table(settings)
    runtime = t.resolve(image)
    assert not runtime.warning and runtime.path[0] == str(t.runtime.python_bin)
    assert runtime.argv(["python", "-c"], ["1"])[0] == str(t.runtime.python_bin / "python3")
    # The image's interpreter path runs the current one in its environment (a wrapper, not the bare binary).
    wrapper = runtime.programs["/usr/local/bin/python"]
    out = subprocess.run(
        [wrapper, "-c", "import argento, sys; print(sys.prefix != sys.base_prefix)"],
        capture_output=True,
        text=True,
        env={"PATH": HOST_PATH},
    )
    assert out.returncode == 0 and out.stdout.strip() == str(sys.prefix != sys.base_prefix), out.stderr
    if image.startswith(("rayproject/", "jupyter/", "ghcr.io/mlflow/")):  # their CLIs: ray, jupyter, mlflow
        assert runtime.path[1] == t.runtime.scripts


def test_ray_image_has_ray_when_it_is_installed(settings: Settings, tmp_path: Path) -> None:
    pytest.importorskip("ray")
    import asyncio

    from argento.executors import PodSpec
    from argento.executors.local import LocalExecutor

    ex = LocalExecutor(settings)
    pod = PodSpec(
        node_id="n",
        workflow="wf",
        template="t",
        image="rayproject/ray:2.9.0",
        command=["sh", "-c"],
        args=["python -c 'import ray; print(ray.__name__)' && command -v ray >/dev/null && echo cli"],
        env={},
        working_dir=None,
        script_source=None,
        requests={},
        limits={},
        mounts={},
        log_path=tmp_path / "main.log",
        workdir=tmp_path / "work",
    )

    async def go():
        handle = await ex.start(pod)
        return await handle.wait()

    result = asyncio.run(go())
    assert (result.exit_code, result.result) == (0, "ray\ncli"), pod.log_path.read_text()


def test_the_built_in_table_takes_one_more_entry(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another image family is one entry in `image_defaults.DEFAULTS` (e.g. bentoml/bentoml with its CLI)."""
    from argento.executors import image_defaults

    monkeypatch.setitem(
        image_defaults.DEFAULTS,
        "myorg/cli*",
        {"path": ["{bin}"], "entrypoint": ["argosay"], "aliases": {"/usr/bin/mycli": "{bin}/argosay"}},
    )
    t = table(settings)
    runtime = t.resolve("myorg/cli:2")
    assert runtime.argv([], ["echo", "x"]) == ["argosay", "echo", "x"]
    assert runtime.programs == {"/usr/bin/mycli": str(t.runtime.bin / "argosay")}
