"""``argento run --break STEP`` / ``--break-on-failure``: a shell in a paused step's exact environment.

Before the step starts (``--break``, or a template with ``ARGO_DEBUG_PAUSE_BEFORE=true``) or after an attempt
failed (``--break-on-failure``, or ``ARGO_DEBUG_PAUSE_AFTER=true`` after any attempt), the run pauses and an
interactive shell opens in the step's environment: its filesystem view (its private mount namespace: its own
``/tmp``, volumes and input artifacts at their container paths), its env, its working directory — started
through the executor exactly as the step is (``LocalExecutor.spawn_in_step``). The command the step runs is
printed first. Other steps go on meanwhile; the live tree waits.

The shell has a terminal of its own (a pseudo-terminal relayed to yours, so job control and Ctrl-C work in
it). When it exits you choose: run the step (before) / keep its result (after), take the shell's exit status
as the step's (its outputs are then read from the files as the shell left them), or abort the workflow.
"""

from __future__ import annotations

import asyncio
import dataclasses
import fcntl
import os
import select
import shlex
import sys
import termios
import threading
import time
import tty
from collections.abc import Sequence
from typing import Any

from argento.engine import debug
from argento.errors import ArgentoError
from argento.executors.base import StepResult, exit_message

#: Run in the shell's process (a session leader): make its pseudo-terminal the controlling one, then exec.
_CTTY = (
    "import fcntl,os,sys,termios\nfcntl.ioctl(0, termios.TIOCSCTTY, 0)\nos.execvp(sys.argv[1], sys.argv[1:])"
)


class BreakError(ArgentoError):
    """A break point cannot be used (no terminal)."""


class TerminalBreakpoints:
    """``RunOptions.debug`` of ``argento run --break``: shells on the user's terminal (``/dev/tty``)."""

    def __init__(self, steps: Sequence[str], on_failure: bool) -> None:
        self.steps = {s.strip() for s in steps if s.strip()}
        self.on_failure = on_failure
        #: the run's live view (paused while a shell is open)
        self.view: Any = None
        try:
            self.tty = os.open("/dev/tty", os.O_RDWR | os.O_CLOEXEC)
        except OSError:
            raise BreakError(
                "--break needs a terminal (run it in one, or use ARGO_DEBUG_PAUSE_* on a server)"
            ) from None
        self._lock = asyncio.Lock()
        #: (node name, "before"/"after") of every shell opened, in order
        self.sessions: list[tuple[str, str]] = []

    def close(self) -> None:
        """Give the terminal back (end of the run)."""
        if self.tty >= 0:
            os.close(self.tty)
            self.tty = -1

    # -- which steps ---------------------------------------------------------------------------------------
    def breaks_before(self, run: Any, call: Any, node: Any) -> bool:
        names = {node.display_name, node.name, node.id, node.display_name.split("(")[0]}
        return bool(self.steps & names)

    def breaks_after(self, run: Any, call: Any, node: Any, result: StepResult) -> bool:
        return self.on_failure and (result.exit_code != 0 or result.timed_out) and not result.killed

    # -- the engine's hooks --------------------------------------------------------------------------------
    async def before(self, run: Any, call: Any, node: Any, spec: Any) -> Any:
        async with self._lock:  # one shell at a time on one terminal
            code, layout = await self._session(run, node, spec, "before", None)
            if code is None:
                return None
            choice = await self._choose(
                f"Run the step now [r], use the shell's exit status {code} as its result [s], "
                "or abort the workflow [a]? [r] ",
                "rsa",
            )
        if choice == "r":
            return None
        if choice == "a":
            run.stop("Stop")
            return debug.STOP
        now = time.time()
        result = StepResult(
            exit_code=code, result="", message=exit_message(code), started_at=now, finished_at=now
        )
        return debug.Outcome(handle=_Files(layout), result=result)

    async def after(
        self, run: Any, call: Any, node: Any, spec: Any, handle: Any, result: StepResult
    ) -> StepResult:
        async with self._lock:
            code, _ = await self._session(run, node, spec, "after", result)
            if code is None:
                return result
            choice = await self._choose(
                f"Keep the step's result (exit code {result.exit_code}) [c], use the shell's exit status {code} "
                "as its result [s], or abort the workflow [a]? [c] ",
                "csa",
            )
        if choice == "s":
            return dataclasses.replace(result, exit_code=code, message=exit_message(code), timed_out=False)
        if choice == "a":
            run.stop("Stop")
        return result

    # -- the shell -----------------------------------------------------------------------------------------
    async def _session(
        self, run: Any, node: Any, spec: Any, when: str, result: StepResult | None
    ) -> tuple[int | None, Any]:
        spawn = getattr(run.executor, "spawn_in_step", None)
        if spawn is None:
            self._say(f"argento: cannot open a shell in a step of the {run.executor_name!r} executor\r\n")
            return None, None
        from argento.artifacts.threads import POOL

        self._pause(True)
        master, slave = os.openpty()
        try:
            _copy_winsize(self.tty, slave)
            shell = "/bin/bash" if os.path.exists("/bin/bash") else "/bin/sh"
            argv = [
                sys.executable,
                "-S",
                "-c",
                _CTTY,
                shell,
                *(["--norc", "-i"] if shell.endswith("bash") else ["-i"]),
            ]
            env = {"PS1": f"(break {node.display_name}) \\w \\$ ", "TERM": os.environ.get("TERM", "xterm")}
            try:
                done, layout, step_argv = spawn(spec, argv, env=env, stdin=slave, stdout=slave, stderr=slave)
            finally:
                os.close(slave)
            self._banner(run, node, spec, when, result, step_argv, layout)
            finished = threading.Event()
            done.add_done_callback(lambda _: finished.set())
            self.sessions.append((node.name, when))
            await POOL.run(_relay, self.tty, master, finished)
            code = await done
        except ArgentoError as exc:
            self._say(f"argento: cannot open a shell in the step: {exc}\r\n")
            return None, None
        finally:
            os.close(master)
            self._pause(False)
        return code, layout

    def _banner(
        self,
        run: Any,
        node: Any,
        spec: Any,
        when: str,
        result: StepResult | None,
        argv: list[str],
        layout: Any,
    ) -> None:
        what = (
            "before"
            if when == "before"
            else f"after it exited with code {result.exit_code if result else '?'}"
        )
        lines = [
            "",
            f"── argento: break {what}: {node.display_name} ({node.name}) ──",
            f"command:     {shlex.join(argv)}",
            f"workingDir:  {getattr(layout, 'container_cwd', '') or spec.working_dir or '/'}",
        ]
        params = (node.inputs or {}).get("parameters") or []
        if params:
            lines.append("inputs:      " + ", ".join(f"{p.get('name')}={p.get('value', '')}" for p in params))
        arts = (node.inputs or {}).get("artifacts") or []
        if arts:
            lines.append(
                "artifacts:   "
                + ", ".join(f"{a.get('name')} at {a.get('path')}" for a in arts if a.get("path"))
            )
        if spec.output_paths:
            lines.append("outputs:     " + ", ".join(spec.output_paths))
        lines.append(f"env:         {len(spec.env)} variables from the step (`env` lists them)")
        lines.append("logs:        " + str(spec.log_path))
        lines.append("Leave the shell (exit or Ctrl-D) to choose what happens next.")
        self._say("\r\n".join(lines) + "\r\n")

    async def _choose(self, question: str, letters: str) -> str:
        from argento.artifacts.threads import POOL

        while True:
            self._say(question)
            answer = (await POOL.run(_read_line, self.tty)).strip().lower()[:1] or letters[0]
            if answer in letters:
                return answer

    def _say(self, text: str) -> None:
        os.write(self.tty, text.encode())

    def _pause(self, paused: bool) -> None:
        if self.view is not None:
            self.view.paused = paused
            if not paused:
                self.view.lines = 0  # the shell wrote below: draw the tree afresh
                self.view.redraw_now()


class _Files:
    """A handle whose only job is to find the step's files (outputs collected after a shell's result)."""

    def __init__(self, layout: Any) -> None:
        self.layout = layout

    def host_path(self, container_path: str) -> Any:
        return self.layout.host_path(container_path)


def _copy_winsize(src: int, dest: int) -> None:
    try:
        size = fcntl.ioctl(src, termios.TIOCGWINSZ, b"\0" * 8)
        fcntl.ioctl(dest, termios.TIOCSWINSZ, size)
    except OSError:
        pass


def _relay(tty_fd: int, master: int, finished: threading.Event) -> None:
    """Copy between the user's terminal (raw) and the shell's pseudo-terminal until the shell is gone."""
    try:
        saved = termios.tcgetattr(tty_fd)
    except termios.error:
        saved = None
    if saved is not None:
        tty.setraw(tty_fd)
    try:
        while True:
            ready, _, _ = select.select([tty_fd, master], [], [], 0.1)
            if master in ready:
                try:
                    data = os.read(master, 1 << 16)
                except OSError:  # EIO: every process holding the shell's terminal has ended
                    break
                if not data:
                    break
                os.write(tty_fd, data)
            if tty_fd in ready:
                data = os.read(tty_fd, 1 << 12)
                if data:
                    os.write(master, data)
            if not ready and finished.is_set():
                break
            if not ready:
                _copy_winsize(tty_fd, master)
    finally:
        if saved is not None:
            termios.tcsetattr(tty_fd, termios.TCSADRAIN, saved)
        os.write(tty_fd, b"\r\n")


def _read_line(fd: int) -> str:
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 1024)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")
