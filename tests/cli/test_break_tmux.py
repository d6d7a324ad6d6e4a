"""``argento run --break STEP`` / ``--break-on-failure`` driven through a real terminal (tmux ``send-keys``,
``capture-pane``): a shell opens in the paused step's environment, and its exit decides what happens."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

PIPE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: brk-}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: gen, template: gen}
      - {name: train, depends: gen, template: train,
         arguments: {parameters: [{name: lr, value: "0.1"}],
                     artifacts: [{name: data, from: "{{tasks.gen.outputs.artifacts.data}}"}]}}
      - {name: report, depends: train, template: report,
         arguments: {parameters: [{name: out, value: "{{tasks.train.outputs.parameters.out}}"}]}}
  - name: gen
    script: {image: alpine, command: [sh], source: "echo rows=42 > /tmp/data.txt"}
    outputs: {artifacts: [{name: data, path: /tmp/data.txt}]}
  - name: train
    inputs:
      parameters: [{name: lr}]
      artifacts: [{name: data, path: /data/in.txt}]
    script:
      image: alpine
      command: [sh]
      env: [{name: MODE, value: debug}]
      source: "echo training; echo lr={{inputs.parameters.lr}} > /tmp/out.txt; exit %(code)s"
    outputs: {parameters: [{name: out, valueFrom: {path: /tmp/out.txt}}]}
  - name: report
    inputs: {parameters: [{name: out}]}
    script: {image: alpine, command: [sh], source: "echo report {{inputs.parameters.out}}"}
"""


class Terminal:
    """One tmux server of our own (``-L``), one window running a command."""

    def __init__(self, command: str) -> None:
        self.socket = f"argento-test-{uuid.uuid4().hex[:8]}"
        self._tmux("new-session", "-d", "-s", "t", "-x", "200", "-y", "60", command)

    def _tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], check=True, capture_output=True, text=True
        ).stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "t")

    def send(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "t", *keys)

    def wait_for(self, text: str, count: int = 1, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if screen.count(text) >= count:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not on the screen:\n{screen}")
            time.sleep(0.2)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def project(argento_home: Path) -> Path:
    path = argento_home / "project"
    path.mkdir()
    return path


@pytest.fixture
def terminal() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for term in opened:
        term.close()


def _start(
    terminal: list[Terminal], project: Path, home: Path, code: int, *args: str
) -> tuple[Terminal, Path]:
    wf = project / "pipe.yaml"
    wf.write_text(PIPE % {"code": code})
    out = project / "out.json"
    argv = [sys.executable, "-m", "argento", "run", str(wf), "-o", "json", *args]
    command = (
        f"cd {shlex.quote(str(project))} && ARGENTO_HOME={shlex.quote(str(home))} ARGENTO_SERVER= "
        f"{shlex.join(argv)} > {shlex.quote(str(out))}; echo EXIT=$?; sleep 300"
    )
    term = Terminal(command)
    terminal.append(term)
    return term, out


def _nodes(out: Path) -> tuple[dict, dict[str, dict]]:
    wf = json.loads(out.read_text())
    return wf, {n["displayName"]: n for n in wf["status"]["nodes"].values()}


def test_break_before_a_step_opens_a_shell_in_its_environment(
    terminal: list[Terminal], project: Path, argento_home: Path
) -> None:
    term, out = _start(terminal, project, argento_home, 0, "--break", "train")
    screen = term.wait_for("Leave the shell")
    assert "break before: train" in screen
    assert "command:     " in screen and "/script" in screen  # what the step would run
    assert "inputs:      lr=0.1" in screen and "data at /data/in.txt" in screen
    term.wait_for("(break train)")
    # its input artifact in place, its env, its private /tmp (the step has not written out.txt yet)
    term.send("cat /data/in.txt; echo mode=$MODE; test -e /tmp/out.txt || echo no-output-yet", "Enter")
    screen = term.wait_for("no-output-yet", 2)
    assert "rows=42" in screen and "mode=debug" in screen
    term.send("sleep 60", "Enter")
    time.sleep(0.5)
    term.send("C-c")  # Ctrl-C reaches the shell's job (it has a terminal of its own), not the workflow
    term.send("echo still-here; exit", "Enter")
    term.wait_for("Run the step now [r]")
    term.send("r", "Enter")
    term.wait_for("EXIT=0")
    wf, nodes = _nodes(out)
    assert wf["status"]["phase"] == "Succeeded"
    assert nodes["report"]["outputs"]["result"] == "report lr=0.1"
    assert "still-here" in term.screen()


def test_break_on_failure_the_shell_decides_the_result(
    terminal: list[Terminal], project: Path, argento_home: Path
) -> None:
    term, out = _start(terminal, project, argento_home, 3, "--break-on-failure")
    screen = term.wait_for("(break train)")
    assert "break after it exited with code 3: train" in screen
    term.send("cat /tmp/out.txt; echo fixed > /tmp/out.txt; exit 0", "Enter")  # files as the step left them
    term.wait_for("use the shell's exit status 0 as its result [s]")
    assert "lr=0.1" in term.screen()
    term.send("s", "Enter")
    term.wait_for("EXIT=0")
    wf, nodes = _nodes(out)
    assert wf["status"]["phase"] == "Succeeded"
    assert nodes["train"]["outputs"]["exitCode"] == "0"
    assert nodes["report"]["outputs"]["result"] == "report fixed"


def test_break_before_can_replace_the_step_or_abort(
    terminal: list[Terminal], project: Path, argento_home: Path
) -> None:
    term, out = _start(terminal, project, argento_home, 0, "--break", "train", "--break", "report")
    term.wait_for("(break train)")
    term.send("echo by-hand > /tmp/out.txt; exit 0", "Enter")
    term.wait_for("Run the step now [r]")
    term.send("s", "Enter")  # the step is not run: its result is the shell's, its outputs its files
    term.wait_for("(break report)")
    term.send("exit", "Enter")
    term.wait_for("Run the step now [r]", 2)
    term.send("a", "Enter")
    term.wait_for("EXIT=1")
    wf, nodes = _nodes(out)
    assert wf["status"]["phase"] == "Failed" and "Stopped" in wf["status"]["message"]
    assert nodes["train"]["phase"] == "Succeeded"
    assert nodes["train"]["outputs"]["parameters"][0]["value"].strip() == "by-hand"
    assert nodes["report"]["phase"] == "Failed"
    log = argento_home / "runs" / wf["metadata"]["name"]
    assert not any("training" in p.read_text() for p in log.glob("*-train-*/main.log"))


def test_break_needs_a_terminal(project: Path, argento_home: Path) -> None:
    wf = project / "pipe.yaml"
    wf.write_text(PIPE % {"code": 0})
    result = subprocess.run(
        [sys.executable, "-m", "argento", "run", str(wf), "--break", "train"],
        env={"ARGENTO_HOME": str(argento_home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        start_new_session=True,  # no controlling terminal
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: --break needs a terminal"), result.stderr
