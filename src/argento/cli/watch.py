"""``argento run FILE --watch``: run again whenever the workflow or a file its steps name changes.

The edit-run loop of a notebook, for pipelines: every run uses the step cache (``--cache``), so a run after
an edit only executes the steps the edit reaches (``argento.engine.cache``). Watched: the workflow file,
``--templates`` files, the ``--parameter-file``, and the local files the steps' commands, args and sources
name (``python train.py``: relative to the step's ``workingDir`` or to the workflow's folder, ``--workdir``), recomputed
after each run. Changes are seen by polling modification times and sizes (4 times a second; no inotify
dependency, works on every file system) and debounced: a run starts once nothing changed for 0.3 s, so an
editor's save-rename-write sequence causes one run. An edit saved while a run is going counts (the files are
compared with how they were when that run started), so it is never lost between a run and the wait. A workflow that no longer loads or lints prints its
errors and waits for the next change.

Ctrl-C while waiting exits 0; during a run it stops the run (exit handlers run) and then exits 130.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from argento.errors import ArgentoError

POLL = 0.25
DEBOUNCE = 0.3

Snapshot = dict[Path, tuple[int, int] | None]


def watched_files(file: str, templates: list[str], parameter_file: str | None, inputs: Any) -> list[Path]:
    """The workflow file, template files, parameter file and the local files its steps name."""
    from argento.engine.cache import named_files, step_dirs
    from argento.spec.load import manifest_files

    paths = [Path(file), *manifest_files(templates)]
    if parameter_file:
        paths.append(Path(parameter_file))
    source = Path(file).resolve().parent
    tmpls: list[dict[str, Any]] = []
    if inputs is not None:
        from argento.engine.workdir import workdir_of

        source = workdir_of(inputs.workflow) or source  # where relative scripts are found (--workdir)
        tmpls += (inputs.workflow.get("spec") or {}).get("templates") or []
        registry = inputs.registry
        for res in [*registry.namespaced.values(), *registry.cluster.values()]:
            tmpls += (res.get("spec") or {}).get("templates") or []
    for tmpl in tmpls:
        if isinstance(tmpl, dict):
            paths += [p for _, p in named_files(tmpl, step_dirs(tmpl, source))]
    seen: dict[Path, None] = {}
    for p in paths:
        seen.setdefault(p.resolve(), None)
    return list(seen)


def snapshot(paths: list[Path]) -> Snapshot:
    out: Snapshot = {}
    for p in paths:
        try:
            st = os.stat(p)
            out[p] = (st.st_mtime_ns, st.st_size)
        except OSError:
            out[p] = None
    return out


def wait_for_change(
    paths: list[Path], *, since: Snapshot | None = None, poll: float = POLL, debounce: float = DEBOUNCE
) -> list[Path]:
    """Block until one of ``paths`` differs from ``since`` (a snapshot taken earlier, e.g. before the run:
    an edit made meanwhile counts; a path it lacks is taken as it is now) and then stays unchanged for
    ``debounce`` seconds."""
    current = snapshot(paths)
    before = {p: since[p] if since is not None and p in since else current[p] for p in paths}
    now = current
    while now == before:
        time.sleep(poll)
        now = snapshot(paths)
    while True:  # settle: an editor may write several times
        time.sleep(debounce)
        later = snapshot(paths)
        if later == now:
            return [p for p in paths if later.get(p) != before.get(p)]
        now = later


def watch_loop(
    file: str,
    templates: list[str],
    parameter_file: str | None,
    run_once: Callable[[], tuple[int, bool, Any]],
) -> int:
    """Run, then run again on every change, until Ctrl-C. ``run_once`` → (exit code, interrupted, inputs)."""
    inputs: Any = None
    # Ctrl-C outside a run (loading, waiting) is a KeyboardInterrupt; during a run the run's own handler
    # stops the workflow (cli/run.py).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        while True:
            # The files as this run reads them: an edit saved while it runs starts the next run at once.
            started = snapshot(watched_files(file, templates, parameter_file, inputs))
            try:
                _, interrupted, loaded = run_once()
                inputs = loaded if loaded is not None else inputs
            except ArgentoError as exc:  # the file does not load or lint: wait for a fix
                click.echo(f"error: {exc}", err=True)
                interrupted = False
            if interrupted:
                return 130
            paths = watched_files(file, templates, parameter_file, inputs)
            since = {**snapshot(paths), **started}  # a file first named by this run: as it is before we say so
            names = ", ".join(_short(p) for p in paths)
            click.echo(f"\nWatching {len(paths)} file(s) for changes: {names} (Ctrl-C to quit)", err=True)
            changed = wait_for_change(paths, since=since)
            click.echo(f"Changed: {', '.join(_short(p) for p in changed)}: running again", err=True)
    except KeyboardInterrupt:
        click.echo("", err=True)
        return 0


def _short(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
