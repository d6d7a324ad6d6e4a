"""``argento up`` / ``argento down``: the Argento server (API + UI) and an MLflow tracking server, together.

``up`` starts both as background processes of their own (so they outlive a detached ``up``), shows their
progress, prints one summary of URLs, and records them in ``<ARGENTO_HOME>/up.json``. In the foreground
(the default) it then waits: Ctrl-C (or SIGTERM) stops everything it started. ``down`` stops what an earlier
``up --detach`` (or another shell's ``up``) left running, by the PIDs in ``up.json``.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import httpx

from argento.config import Settings
from argento.errors import ArgentoError, Unavailable

UP_FILE = "up.json"
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


@dataclass
class Component:
    """One started process: what it is, where it answers, and how long it took."""

    name: str
    pid: int
    url: str
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"pid": self.pid, "url": self.url, "seconds": round(self.seconds, 2)}


# -- the Argento server -----------------------------------------------------------------------------------


def server_available() -> bool:
    """Whether ``argento server`` is part of this installation."""
    from argento.cli.main import COMMANDS

    target = COMMANDS.get("server")
    if not target:
        return False
    import importlib.util

    return importlib.util.find_spec(target.split(":")[0]) is not None


def start_server(
    settings: Settings, host: str, port: int, auth_mode: str = "server"
) -> subprocess.Popen[bytes]:
    """``argento server`` in its own session, logging to ``<home>/logs/server.log``."""
    logs = settings.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / "server.log", "ab") as log:
        return subprocess.Popen(
            # --keep-deployments: `argento down` stops the replicas itself, after the server (or keeps them)
            [
                sys.executable,
                "-m",
                "argento",
                "server",
                "--keep-deployments",
                "--host",
                host,
                "--port",
                str(port),
                "--auth-mode",
                auth_mode,
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_http(url: str, proc: subprocess.Popen[bytes] | None, timeout: float, what: str, log: Path) -> None:
    """Poll ``url`` until it answers 200; fail early if ``proc`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        if proc is not None and proc.poll() is not None:
            raise Unavailable(f"{what} exited during start-up (code {proc.returncode}); see {log}")
        time.sleep(0.1)
    raise Unavailable(f"{what} did not answer on {url} within {timeout:.0f}s; see {log}")


# -- state ------------------------------------------------------------------------------------------------


def read_state(settings: Settings) -> dict[str, Any]:
    """``up.json`` (empty when absent or unreadable)."""
    try:
        data = json.loads((settings.home / UP_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_state(settings: Settings, components: list[Component], started: float) -> None:
    settings.home.mkdir(parents=True, exist_ok=True)
    data = {"started_at": started, **{c.name: c.to_dict() for c in components}}
    tmp = settings.home / f"{UP_FILE}.tmp"
    tmp.write_text(json.dumps(data, indent=2))
    tmp.replace(settings.home / UP_FILE)


def rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and every process of its group (its children), from /proc."""
    total = 0
    proc = Path("/proc")
    if not proc.is_dir():
        return 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
            if int(stat[2]) != pid and int(entry.name) != pid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            continue
    return total


def running(settings: Settings) -> dict[str, Component]:
    """The components of ``up.json`` still alive."""
    from argento.tracking.server import pid_is

    state = read_state(settings)
    alive = {}
    for name in ("server", "mlflow"):
        entry = state.get(name)
        if isinstance(entry, dict) and pid_is(
            int(entry.get("pid") or 0), "mlflow" if name == "mlflow" else "argento"
        ):
            alive[name] = Component(
                name, int(entry["pid"]), str(entry.get("url", "")), float(entry.get("seconds", 0))
            )
    return alive


def stop_all(settings: Settings, *, quiet: bool = False, keep_deployments: bool = False) -> list[str]:
    """Stop the Argento server, its deployments' replica processes (unless ``keep_deployments``) and the MLflow
    server of this home; returns what was stopped."""
    from argento import tracking
    from argento.deployments.backends.local import stop_replicas
    from argento.tracking.server import terminate_group

    stopped = []
    alive = running(settings)
    if "server" in alive:
        terminate_group(alive["server"].pid, timeout=15)
        stopped.append("server")
    if not keep_deployments:  # after the server: its controller would start them again
        replicas = stop_replicas(settings)
        if replicas:
            stopped.append(f"replicas:{replicas}")
    if tracking.stop(settings):
        stopped.append("mlflow")
    with contextlib.suppress(OSError):
        (settings.home / UP_FILE).unlink()
    if not quiet:
        labels = {"server": "Argento server", "mlflow": "MLflow tracking server"}
        for name in stopped:
            what = labels.get(name) or f"{name.split(':')[1]} deployment replica process(es)"
            click.echo(f"stopped {what}", err=True)
    return stopped


# -- progress ---------------------------------------------------------------------------------------------


class Progress:
    """One line per component: a spinner while it starts (on a terminal), then ✔ and the time it took."""

    def __init__(self, names: list[str]) -> None:
        self.tty = sys.stderr.isatty()
        self.names = names
        self.done: dict[str, str] = {}
        self.t0 = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._drawn = 0

    def __enter__(self) -> Progress:
        if self.tty:
            self._thread = threading.Thread(target=self._spin, daemon=True)
            self._thread.start()
        else:
            for name in self.names:
                click.echo(f"starting {name}…", err=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._draw(final=True)

    def finish(self, name: str, text: str) -> None:
        with self._lock:
            self.done[name] = text
        if not self.tty:
            click.echo(f"{text}", err=True)

    def _spin(self) -> None:
        i = 0
        while not self._stop.wait(0.1):
            i += 1
            self._draw(frame=SPINNER[i % len(SPINNER)])

    def _draw(self, frame: str = " ", final: bool = False) -> None:
        if not self.tty:
            return
        with self._lock:
            lines = []
            for name in self.names:
                if name in self.done:
                    lines.append(self.done[name])
                elif not final:
                    lines.append(f"{frame} starting {name}… {time.monotonic() - self.t0:4.1f}s")
            out = sys.stderr
            if self._drawn:
                out.write(f"\x1b[{self._drawn}F\x1b[J")
            out.write("\n".join(lines) + ("\n" if lines else ""))
            out.flush()
            self._drawn = len(lines)


# -- commands ---------------------------------------------------------------------------------------------


def bring_up(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 2746,
    mlflow_port: int | None = None,
    with_server: bool = True,
    with_mlflow: bool = True,
    auth_mode: str = "server",
) -> tuple[list[Component], list[str]]:
    """Start what is not running yet (both in parallel); returns the components and notes for the summary."""
    from argento import tracking

    alive = running(settings)
    notes: list[str] = []
    want = []
    if with_server:
        if server_available():
            want.append("server")
        else:
            notes.append(
                "Argento server: not part of this installation, skipped (workflows run with `argento run`)"
            )
    if with_mlflow:
        import importlib.util

        if importlib.util.find_spec("mlflow") is None:
            notes.append("MLflow: not installed, skipped (pip install 'argento[mlflow]')")
        else:
            want.append("mlflow")
    labels = {"server": "Argento server (API + UI)", "mlflow": "MLflow tracking server"}
    components: list[Component] = []
    started = time.time()
    with Progress([labels[w] for w in want]) as progress:
        t0 = time.monotonic()
        proc = None
        if "server" in want and "server" not in alive:
            from argento.tracking.server import port_free

            if not port_free(port, host if host not in ("0.0.0.0", "") else "127.0.0.1"):
                raise ArgentoError(
                    f"port {port} is in use (an Argento server of another ARGENTO_HOME? stop it with `argento down` "
                    "there), or choose another with --port / ARGENTO_SERVER"
                )
            proc = start_server(settings, host, port, auth_mode)
        mlflow_error: list[BaseException] = []
        mlflow_box: list[Any] = []

        def _start_mlflow() -> None:
            try:
                mlflow_box.append(tracking.start(settings, port=mlflow_port))
            except BaseException as exc:
                mlflow_error.append(exc)

        worker = threading.Thread(target=_start_mlflow, daemon=True) if "mlflow" in want else None
        if worker is not None:
            worker.start()
        try:
            if "server" in want:
                if proc is not None:
                    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"
                    wait_http(
                        f"{url}/healthz",
                        proc,
                        60,
                        "the Argento server",
                        settings.home / "logs" / "server.log",
                    )
                    server = Component("server", proc.pid, url, time.monotonic() - t0)
                else:
                    server = alive["server"]
                components.append(server)
                progress.finish(
                    labels["server"], f"✔ {labels['server']:<28} {server.url}  ({server.seconds:.1f}s)"
                )
            if worker is not None:
                worker.join()
                if mlflow_error:
                    raise mlflow_error[0]
                ml = mlflow_box[0]
                comp = Component("mlflow", ml.pid, ml.url, time.monotonic() - t0)
                if "mlflow" in alive:
                    comp.seconds = alive["mlflow"].seconds
                components.append(comp)
                progress.finish(labels["mlflow"], f"✔ {labels['mlflow']:<28} {ml.url}  ({comp.seconds:.1f}s)")
        except BaseException:  # a failure or Ctrl-C while starting: stop what this call started
            if worker is not None:
                worker.join()
                if mlflow_box and "mlflow" not in alive:
                    tracking.stop(settings)
            if proc is not None:
                from argento.tracking.server import terminate_group

                terminate_group(proc.pid, timeout=5)
            raise
    write_state(settings, components, started)
    return components, notes


def summary(settings: Settings, components: list[Component], notes: list[str], elapsed: float) -> list[str]:
    """The lines printed once everything answers."""
    mem = sum(rss_bytes(c.pid) for c in components) / 2**20
    lines = [f"Argento is up in {elapsed:.1f}s ({mem:.0f} MiB resident):"]
    for comp in components:
        if comp.name == "server":
            lines.append(f"  API + UI   {comp.url}    workflows: {comp.url}/workflows/{settings.namespace}")
        else:
            lines.append(f"  MLflow     {comp.url}    (steps get MLFLOW_TRACKING_URI={comp.url})")
    lines += [f"  note: {n}" for n in notes]
    return lines


@click.command("up")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address of the Argento server.")
@click.option("--port", default=2746, show_default=True, type=int, help="Port of the Argento server.")
@click.option(
    "--auth-mode",
    type=click.Choice(["server", "client"]),
    default="server",
    show_default=True,
    help="client: every request needs a token (`argento auth token create`); required off loopback.",
)
@click.option(
    "--mlflow-port", default=None, type=int, help="Port of MLflow [default: 5000, or a free one; 0: any]."
)
@click.option("--no-mlflow", is_flag=True, help="Do not start MLflow.")
@click.option("--no-server", is_flag=True, help="Do not start the Argento server.")
@click.option(
    "-d", "--detach", is_flag=True, help="Return once everything answers; stop later with `argento down`."
)
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def up(
    host: str,
    port: int,
    auth_mode: str,
    mlflow_port: int | None,
    no_mlflow: bool,
    no_server: bool,
    detach: bool,
    output: str,
) -> None:
    """Start the Argento server (API + UI) and an MLflow tracking server; Ctrl-C stops them.

    Both keep their state in ARGENTO_HOME (SQLite, artifacts); steps of workflows get MLFLOW_TRACKING_URI.

    \b
    Examples:
      argento up                 # foreground; Ctrl-C stops everything
      argento up -d && argento run examples/mlflow-train.yaml && argento down
      argento auth token create --name me && argento up --host 0.0.0.0 --auth-mode client
    """
    from argento.server.auth import check_bind

    if not no_server:
        check_bind(host, auth_mode)  # refused here, not in the background server's log
    settings = Settings.from_env()
    t0 = time.monotonic()
    components, notes = bring_up(
        settings,
        host=host,
        port=port,
        mlflow_port=mlflow_port,
        with_server=not no_server,
        with_mlflow=not no_mlflow,
        auth_mode=auth_mode,
    )
    if not components:
        raise ArgentoError("nothing to start: " + "; ".join(notes) if notes else "nothing to start")
    elapsed = time.monotonic() - t0
    if output == "json":
        mem = {c.name: rss_bytes(c.pid) for c in components}
        click.echo(
            json.dumps(
                {c.name: {**c.to_dict(), "rss_bytes": mem[c.name]} for c in components} | {"notes": notes}
            )
        )
    else:
        click.echo("\n".join(summary(settings, components, notes, elapsed)))
    if detach:
        if output == "text":
            from argento.cli.prog import argento_command

            click.echo(f"Stop with `{argento_command()} down`.")
        return
    click.echo("Press Ctrl-C to stop.", err=True)
    _wait_until_interrupted(settings, components)


def _wait_until_interrupted(settings: Settings, components: list[Component]) -> None:
    """Block until SIGINT/SIGTERM or until a component dies; then stop everything."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(1.0):
            alive = running(settings)
            dead = [c for c in components if c.name not in alive]
            if dead:
                click.echo(f"{dead[0].name} exited; stopping the rest", err=True)
                break
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        click.echo("", err=True)
        stop_all(settings)


@click.command("down")
@click.option(
    "--keep-deployments",
    is_flag=True,
    help="Leave the deployments' replica processes serving (the next `argento up` re-adopts them).",
)
def down(keep_deployments: bool) -> None:
    """Stop the Argento server, its deployments' replicas and MLflow started by `argento up`.

    The deployments themselves are kept: the next `argento up` starts their replicas again.

    \b
    Examples:
      argento down
      argento down --keep-deployments
    """
    settings = Settings.from_env()
    if not stop_all(settings, keep_deployments=keep_deployments):
        click.echo("nothing was running", err=True)


__all__ = ["Component", "bring_up", "down", "read_state", "rss_bytes", "running", "stop_all", "up"]
