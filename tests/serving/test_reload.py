"""`argento serve --reload`: editing the source restarts the worker, and its served dependency, with the new code."""

from __future__ import annotations

import textwrap
from pathlib import Path

import httpx
from serving_support import Running, serve_process
from wait import eventually

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
    def answer() -> str:
        return httpx.post(running.url + "/hello", json={"name": "ann"}, timeout=2).text

    try:  # a TransportError: between the old worker and the new one
        eventually(
            answer,
            until=lambda a: a == expected,
            timeout=timeout,
            interval=0.1,
            ignore=(httpx.TransportError,),
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{running.log.read_text() if running.log else ''}") from None


def test_editing_the_source_reloads_the_service(tmp_path: Path) -> None:
    write(tmp_path, "hello")
    with serve_process("greeter:Greeter", "--reload", cwd=tmp_path, log_dir=tmp_path) as running:
        assert httpx.post(running.url + "/hello", json={"name": "ann"}).text == "hello, ann"
        write(tmp_path, "bonjour")
        eventually_answers(running, "bonjour, ann")
        (tmp_path / "greeter.py").write_text("def broken(:\n")  # a syntax error: the watcher keeps watching
        assert running.log is not None
        eventually(
            lambda: "SyntaxError" in running.log.read_text(), timeout=20, what="the broken source loaded"
        )
        write(tmp_path, "hi")
        eventually_answers(running, "hi, ann")
