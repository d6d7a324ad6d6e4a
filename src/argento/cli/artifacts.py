"""``argento artifacts ls|get``: list and download the output artifacts of a workflow run.

The workflow comes from `load_workflow`: today the final workflow ``argento run`` keeps in
``<ARGENTO_HOME>/runs/<name>/workflow.json``; later also the server. Locations are resolved the way the run
resolved them (``status.artifactRepositoryRef`` for key-only artifacts, full locations as recorded).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from argento.config import Settings
from argento.errors import NotFound
from argento.paths import safe_join


def load_workflow(settings: Settings, name: str) -> dict[str, Any]:
    """The stored workflow ``name`` (with ``status``); `NotFound` if there is none."""
    path = safe_join(settings.runs_dir, name, "workflow.json", what="workflow name")
    try:
        return dict(json.loads(path.read_text()))
    except FileNotFoundError:
        raise NotFound(f'workflow "{name}" not found (no {path}; run it with `argento run` first)') from None
    except ValueError as exc:
        raise NotFound(f"{path} is not a workflow: {exc}") from None


def _driver(settings: Settings) -> Any:
    from argento.artifacts import build_driver

    return build_driver(settings)


def _select(wf: dict[str, Any], node: str | None) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(node, artifact) of the chosen node (id, name, display name or pod name) or of every node."""
    from argento.cli.tree import pod_name

    nodes = list(((wf.get("status") or {}).get("nodes") or {}).values())
    if node:
        chosen = [
            n
            for n in nodes
            if node in (n.get("id"), n.get("name"), n.get("displayName"))
            or (n.get("type") == "Pod" and node == pod_name(wf, n))
        ]
        if not chosen:
            raise NotFound(f'node "{node}" not found in workflow "{wf["metadata"]["name"]}"')
        nodes = chosen
    else:  # artifacts are produced by Pod nodes; Steps/DAG/Retry nodes only refer to them
        nodes = [n for n in nodes if n.get("type") == "Pod"]
    out = []
    for n in sorted(nodes, key=lambda n: (n.get("startedAt") or "", n.get("name") or "")):
        for art in (n.get("outputs") or {}).get("artifacts") or []:
            out.append((n, art))
    return out


def _size(repo: Any, key: str) -> int | None:
    total = None
    for obj in repo.list(key):
        if obj.key == key or obj.key.startswith(key.rstrip("/") + "/"):
            total = (total or 0) + obj.size
    return total


@click.group("artifacts")
def artifacts() -> None:
    """List and download the output artifacts of a workflow run.

    \b
    Examples:
      argento artifacts ls artifact-passing-x7k2p
      argento artifacts get artifact-passing-x7k2p generate-artifact --to ./out
    """


@artifacts.command("ls")
@click.argument("workflow")
@click.argument("node", required=False)
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
def ls(workflow: str, node: str | None, output: str) -> None:
    """List the output artifacts of WORKFLOW (or of its NODE: id, name or display name).

    \b
    Example:
      argento artifacts ls artifact-passing-x7k2p -o json
    """
    settings = Settings.from_env()
    wf = load_workflow(settings, workflow)
    driver = _driver(settings)
    rows = []
    for n, art in _select(wf, node):
        loc = driver.recorded_location(art, wf)
        deleted = bool(art.get("deleted"))
        rows.append(
            {
                "node": n.get("displayName") or n.get("name"),
                "nodeId": n.get("id"),
                "name": art.get("name"),
                "path": art.get("path", ""),
                "key": loc.key,
                "location": f"{loc.repo.url}/{loc.key}",
                "size": None if deleted else _size(loc.repo, loc.key),
                "deleted": deleted,
            }
        )
    if output == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    headers = ["NODE", "ARTIFACT", "PATH", "SIZE", "LOCATION"]
    table = [
        [
            str(r["node"]),
            str(r["name"]),
            str(r["path"]),
            "deleted" if r["deleted"] else ("-" if r["size"] is None else str(r["size"])),
            str(r["location"]),
        ]
        for r in rows
    ]
    widths = [max([len(h)] + [len(t[c]) for t in table]) for c, h in enumerate(headers)]
    for line in [headers, *table]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


@artifacts.command("get")
@click.argument("workflow")
@click.argument("node", required=False)
@click.option("--name", "names", multiple=True, help="Only the artifact(s) with this name (repeatable).")
@click.option(
    "--to", "to", default=".", show_default=True, type=click.Path(), help="Folder (or file) to write to."
)
@click.option(
    "--raw", is_flag=True, help="Keep the stored object as is (e.g. the .tgz) instead of unpacking it."
)
def get(workflow: str, node: str | None, names: tuple[str, ...], to: str, raw: bool) -> None:
    """Download the output artifacts of WORKFLOW (or of NODE) into --to, unpacked as a step would see them.

    With one artifact and --to naming a path that is not a folder, the artifact is written to that path.

    \b
    Example:
      argento artifacts get artifact-passing-x7k2p generate-artifact --name hello-art --to hello.txt
    """
    from argento.artifacts.base import remove_path

    settings = Settings.from_env()
    wf = load_workflow(settings, workflow)
    driver = _driver(settings)
    chosen = [(n, a) for n, a in _select(wf, node) if not names or a.get("name") in names]
    chosen = [(n, a) for n, a in chosen if not a.get("deleted")]
    if not chosen:
        raise NotFound(
            f'no artifacts to download from workflow "{workflow}"' + (f' node "{node}"' if node else "")
        )
    target = Path(to)
    single_file = len(chosen) == 1 and not target.is_dir() and to not in (".", "")
    many_nodes = len({n.get("id") for n, _ in chosen}) > 1
    for n, art in chosen:
        loc = driver.recorded_location(art, wf)
        if single_file:
            dest = target
        else:
            folder = target / str(n.get("displayName")) if many_nodes else target
            dest = folder / (Path(loc.key).name if raw else str(art.get("name")))
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.download")
        remove_path(dest)
        art_for_get = {**art, "archive": {"none": {}}} if raw else art
        driver.download(loc, art_for_get, tmp, dest)
        click.echo(f"{art.get('name')} -> {dest}")
