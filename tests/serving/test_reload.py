"""`argento serve --reload`: editing the source restarts the worker, and its served dependency, with the new code."""

from __future__ import annotations

import contextlib
import textwrap
import time
from pathlib import Path

import httpx
from serving_support import Running, serve_process

SOURCE = """
import argento


@argento.service
class Words:
    @argento.api
    def greeting(self) -> str:
        return "{greeting}"


@argento.service
class Greeter:
    words = argento.depends(Words)  # served as its own process: it must reload too

    @argento.api
    def hello(self, name: str) -> str:
        return self.words.greeting() + ", " + name
"""


def write(folder: Path, greeting: str) -> None:
    (folder / "greeter.py").write_text(textwrap.dedent(SOURCE).replace("{greeting}", greeting))


def eventually_answers(running: Running, expected: str, timeout: float = 20.0) -> None:
    answer = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and answer != expected:
        with contextlib.suppress(httpx.TransportError):  # between the old worker and the new one
            answer = httpx.post(running.url + "/hello", json={"name": "ann"}, timeout=2).text
        time.sleep(0.1)
    assert answer == expected, running.log.read_text() if running.log else ""


def test_editing_the_source_reloads_the_service(tmp_path: Path) -> None:
    write(tmp_path, "hello")
    with serve_process("greeter:Greeter", "--reload", cwd=tmp_path, log_dir=tmp_path) as running:
        assert httpx.post(running.url + "/hello", json={"name": "ann"}).text == "hello, ann"
        write(tmp_path, "bonjour")
        eventually_answers(running, "bonjour, ann")
        (tmp_path / "greeter.py").write_text("def broken(:\n")  # a syntax error: the watcher keeps watching
        time.sleep(1.5)
        write(tmp_path, "hi")
        eventually_answers(running, "hi, ann")
