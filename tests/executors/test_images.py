"""Image table: defaults, overrides, argv rules, unknown images."""

from __future__ import annotations

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
    for image in ("busybox", "alpine:3.23", "python:alpine3.23", "debian:9.4", "ubuntu", "bash:5",
                  "argoproj/argosay:v2", "argoproj/argosay:v1", "docker/whalesay:latest",
                  "docker.io/library/alpine:3.6", "busybox:1.36"):
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
    out = subprocess.run([str(t.runtime.python_bin / "python3"), "-c",
                          "import sys, argento; print(sys.prefix != sys.base_prefix, argento.__name__)"],
                         capture_output=True, text=True, env={"PATH": HOST_PATH})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(sys.prefix != sys.base_prefix), "argento"]


def test_unknown_image_names_the_image_and_the_table(settings: Settings) -> None:
    with pytest.raises(UnknownImage) as e:
        table(settings).resolve("nginx:1.13")
    assert '"nginx:1.13"' in str(e.value) and str(settings.images_file) in str(e.value)


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
