"""``argento run FILE --watch``: a real ``argento`` process that runs again on edits and quits on Ctrl-C."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(180)

PIPE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: watched-}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: prep, template: prep}
      - {name: train, depends: prep, template: train}
      - {name: docs, template: docs}
  - name: prep
    script: {image: alpine, command: [sh], source: "echo prepared"}
  - name: train
    script: {image: python:3.11, command: [sh], workingDir: "%(dir)s", source: "python3 train.py"}
  - name: docs
    script: {image: alpine, command: [sh], source: "echo docs"}
"""


class Lines:
    """The stderr lines of a process, read by a thread (so waiting for one has a deadline)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._q: queue.Queue[str] = queue.Queue()
        assert proc.stderr is not None
        stream = proc.stderr
        threading.Thread(target=lambda: [self._q.put(line) for line in stream], daemon=True).start()

    def wait_for(self, text: str, count: int = 1, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while sum(text in line for line in self.lines) < count:
            try:
                self.lines.append(self._q.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"{text!r} ×{count} not seen; got:\n{''.join(self.lines)}") from None


@pytest.fixture
def project() -> Iterator[Path]:
    """A project folder steps can enter: outside /tmp (theirs is private) and outside the home (they see only
    their share of it)."""
    folder = Path(tempfile.mkdtemp(prefix="argento-watch-", dir="/var/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_watch_runs_again_on_edits_and_quits_on_ctrl_c(argento_home: Path, project: Path) -> None:
    (project / "train.py").write_text("print('v1')\n")
    wf = project / "pipe.yaml"
    wf.write_text(PIPE % {"dir": project})
    env = {**os.environ, "ARGENTO_HOME": str(argento_home), "ARGENTO_SERVER": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "argento", "run", str(wf), "--watch"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out = Lines(proc)
        out.wait_for("Watching")
        assert any("Cache: 0 step(s) reused, 3 ran" in line for line in out.lines)
        assert any("train.py" in line for line in out.lines if "Watching" in line)

        (project / "train.py").write_text("print('v2')\n")  # a file the step names
        out.wait_for("Watching", 2)
        assert any("Changed: train.py" in line for line in out.lines)
        assert any("Cache: 2 step(s) reused, 1 ran" in line for line in out.lines)

        wf.write_text("kind: Workflow\nspec: [\n")  # broken: reported, and the watch goes on
        out.wait_for("error:", 1)
        out.wait_for("Watching", 3)
        wf.write_text((PIPE % {"dir": project}).replace("echo docs", "echo docs v2"))
        out.wait_for("Watching", 4)
        assert "Cache: 2 step(s) reused, 1 ran" in [line for line in out.lines if "Cache:" in line][-1]
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
    rest = proc.stderr.read() if proc.stderr else ""
    assert code == 0, "".join(out.lines) + rest
    assert not any("Traceback" in line for line in out.lines), "".join(out.lines)


def test_an_edit_saved_while_a_run_goes_is_not_lost(tmp_path: Path) -> None:
    """The wait compares with the files as the run started: an edit saved during the run (or between the run
    and the wait) starts the next run at once instead of being taken as the new normal."""
    from argento.cli.watch import snapshot, wait_for_change

    script = tmp_path / "train.py"
    script.write_text("print('v1')\n")
    other = tmp_path / "new.py"  # not known when the run started: taken as it is when the wait begins
    started = snapshot([script.resolve()])
    time.sleep(0.02)
    script.write_text("print('v2')\n")  # same size; saved "during the run"
    os.utime(script, ns=(time.time_ns(), time.time_ns()))
    other.write_text("x\n")
    t = time.monotonic()
    changed = wait_for_change([script.resolve(), other.resolve()], since=started, poll=0.01, debounce=0.02)
    assert changed == [script.resolve()] and time.monotonic() - t < 1
