"""The runs ``argento run`` kept under ``<ARGENTO_HOME>/runs``, for ``argento get|list|logs`` without a server.

``argento run`` executes in the foreground and keeps each run in ``runs/<name>/``: the final workflow
(``workflow.json``, with its status tree) beside one folder per pod holding its container logs. The client
commands ask the server first; when none answers (or it does not know a name that a local run has), they
read these instead, and say so on stderr. A local run is finished by construction, so ``--follow`` has
nothing more to wait for.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from argento.client import ArgoClient
from argento.client.workflows import LATEST, LogEntry
from argento.config import Settings
from argento.errors import NotFound, Unavailable
from argento.paths import safe_join

WORKFLOW = "workflow.json"


class LocalRuns:
    """The kept runs of one ``ARGENTO_HOME``."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.root = (settings or Settings.from_env()).runs_dir

    def run_dir(self, name: str) -> Path:
        """Folder of the run ``name`` (validated: never outside ``runs/``)."""
        return safe_join(self.root, name, what="workflow name")

    def list(self) -> list[dict[str, Any]]:
        """Every kept workflow (unreadable folders are skipped: a run still being written, say)."""
        out = []
        try:
            folders = sorted(self.root.iterdir())
        except FileNotFoundError:
            return []
        for folder in folders:
            try:
                out.append(json.loads((folder / WORKFLOW).read_text()))
            except (OSError, ValueError):
                continue
        return out

    def get(self, name: str) -> dict[str, Any]:
        """The kept workflow ``name`` (``@latest``: the newest run)."""
        if name == LATEST:
            runs = self.list()
            if not runs:
                raise NotFound(f"no workflows: no server answers and there is no local run in {self.root}")
            return max(runs, key=lambda w: ((w.get("status") or {}).get("startedAt") or "", _name(w)))
        try:
            return json.loads((self.run_dir(name) / WORKFLOW).read_text())
        except (FileNotFoundError, NotADirectoryError):
            raise NotFound(
                f"workflow {name!r} not found (nor a local run of that name in {self.root})"
            ) from None

    def has(self, name: str) -> bool:
        """Whether a local run ``name`` is kept."""
        try:
            return (self.run_dir(name) / WORKFLOW).is_file()
        except Exception:  # an invalid name is no local run
            return False

    def logs(
        self,
        workflow: dict[str, Any],
        *,
        pod_name: str = "",
        container: str = "main",
        grep: str = "",
        tail_lines: int | None = None,
        since_seconds: int = 0,
        timestamps: bool = False,
    ) -> Iterator[LogEntry]:
        """The log lines of a kept run, read as the server reads them (:mod:`argento.server.logs`)."""
        import asyncio

        from argento.server.logs import LogRequest, log_entries

        req = LogRequest(
            pod_name=pod_name,
            container=container,
            tail_lines=tail_lines,
            grep=LogRequest.compile(grep),
            timestamps=timestamps,
            since_seconds=since_seconds,
        )
        run_dir = self.run_dir(_name(workflow))

        async def collect() -> list[dict[str, str]]:
            return [e async for e in log_entries(lambda: workflow, lambda: True, run_dir, req)]

        for entry in asyncio.run(collect()):
            yield LogEntry(str(entry.get("podName", "")), str(entry.get("content", "")))


def _name(wf: dict[str, Any]) -> str:
    return str((wf.get("metadata") or {}).get("name") or "")


def say_local(reason: str, runs: LocalRuns) -> None:
    """The stderr line that tells where the answer comes from."""
    click.echo(f"note: {reason}; reading the runs kept in {runs.root} (argento run)", err=True)


def workflow_or_local(client: ArgoClient, name: str) -> tuple[dict[str, Any], LocalRuns | None]:
    """Workflow ``name`` from the server, or the local run of that name when no server answers (or the server
    does not know it); the :class:`LocalRuns` it came from, ``None`` when from the server."""
    from argento.cli.remote import locate

    try:
        return client.workflows.get(locate(client, name)), None
    except Unavailable as exc:
        runs = LocalRuns()
        if name != LATEST and not runs.has(name):
            raise Unavailable(f"{exc}; there is no local run {name!r} in {runs.root} either") from None
        wf = runs.get(name)
        say_local(f"no server answers at {client.http.server}", runs)
        return wf, runs
    except NotFound:
        runs = LocalRuns()
        if name == LATEST or not runs.has(name):
            raise
        say_local(f"the server at {client.http.server} has no workflow {name}", runs)
        return runs.get(name), runs
