"""``argento submit|list|get|delete``: workflows on a server, with ``argo``'s flags and output formats.

``submit`` reads and lints the files locally first (``argento.spec``), so a bad manifest fails here with
``file:line`` before anything is sent; templates the workflow references are fetched from the server for
that lint. ``--argo-server URL`` sends the same, unchanged manifest to a real Argo Server instead.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from argento.cli.remote import (
    connection_options,
    echo_lines,
    emit,
    name_of,
    output_option,
    parse_duration,
    parse_time,
    since,
    table,
    workflow_status,
)
from argento.cli.tree import render_summary, render_tree
from argento.client import ArgoClient, SubmitOptions, apply_submit_options
from argento.client.workflows import LABEL_COMPLETED, LABEL_PHASE, LIST_FIELDS, split_pairs
from argento.errors import ArgentoError, NotFound, SpecError, SpecErrors

#: ``--from`` kinds, as ``argo submit --from`` spells them.
FROM_KINDS = {
    "workflowtemplate": "WorkflowTemplate",
    "wftmpl": "WorkflowTemplate",
    "clusterworkflowtemplate": "ClusterWorkflowTemplate",
    "cwftmpl": "ClusterWorkflowTemplate",
    "cronworkflow": "CronWorkflow",
    "cronwf": "CronWorkflow",
}


def print_workflow(wf: dict[str, Any], output: str | None, *, tree: bool = True) -> None:
    """A workflow as ``argo get`` prints it (summary and node tree), or as ``json``/``yaml``/``name``."""
    if output in ("json", "yaml"):
        emit(wf, output)
    elif output == "name":
        click.echo(name_of(wf))
    else:
        echo_lines(render_summary(wf))
        lines = render_tree(wf, wide=output == "wide") if tree else []
        if lines:
            click.echo("")
            echo_lines(lines)


# -- submit ------------------------------------------------------------------------------------------------
def _parameters(values: Sequence[str], parameter_file: str | None) -> dict[str, str]:
    params: dict[str, str] = {}
    if parameter_file:
        import yaml

        data = yaml.safe_load(Path(parameter_file).read_text()) or {}
        if not isinstance(data, dict):
            raise SpecError(f"{parameter_file}: a parameter file holds a mapping of NAME: VALUE")
        params.update({str(k): v if isinstance(v, str) else _json(v) for k, v in data.items()})
    for item in values:
        if "=" not in item:
            raise SpecError(f"parameter {item!r} must be NAME=VALUE")
        key, value = item.split("=", 1)
        params[key.strip()] = value
    return params


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


def _load_workflows(files: Sequence[str], client: ArgoClient) -> list[dict[str, Any]]:
    """Read, then lint, every file; the Workflow manifests in file order. Bad input raises here."""
    from argento.spec import scan_documents, scan_file
    from argento.spec.lint import lint_documents

    scans = []
    for file in files:
        if file == "-":
            scans.append(scan_documents(sys.stdin.read(), filename="<stdin>"))
        elif not Path(file).is_file():
            raise SpecError(f"{file}: no such file")
        else:
            scans.append(scan_file(file))
    errors = [e for s in scans for e in s.errors]
    if errors:
        raise errors[0] if len(errors) == 1 else SpecErrors(errors)
    docs = [d for s in scans for d in s.documents]
    workflows = [d for d in docs if d.kind == "Workflow"]
    if not workflows:
        kinds = ", ".join(sorted({d.kind for d in docs})) or "no Argo resources"
        raise SpecError(f"{', '.join(files)}: no Workflow to submit (found {kinds})")
    report = lint_documents(workflows, templates=[*docs, *_server_templates(workflows, docs, client)])
    if report.errors:
        raise SpecErrors(SpecError(p.message, path=p.path, location=p.location) for p in report.errors)
    return [d.raw for d in workflows]


def _refs(node: Any, out: set[tuple[str, bool]]) -> None:
    if isinstance(node, dict):
        for key in ("templateRef", "workflowTemplateRef"):
            ref = node.get(key)
            if isinstance(ref, dict) and isinstance(ref.get("name"), str) and "{{" not in ref["name"]:
                out.add((ref["name"], bool(ref.get("clusterScope"))))
        for value in node.values():
            _refs(value, out)
    elif isinstance(node, list):
        for value in node:
            _refs(value, out)


def _server_templates(workflows: Sequence[Any], local: Sequence[Any], client: ArgoClient) -> list[Any]:
    """The (cluster) workflow templates the workflows reference that the files do not hold, from the server.

    Lint resolves ``templateRef`` against them; one that the server lacks stays unresolved and lint
    reports it with its ``file:line``, as Argo's submit would refuse it.
    """
    from argento.spec import scan_documents

    wanted: set[tuple[str, bool]] = set()
    for doc in workflows:
        _refs(doc.raw, wanted)
    have = {(name_of(d.raw), d.kind == "ClusterWorkflowTemplate") for d in local}
    found = []
    for name, cluster in sorted(wanted - have):
        try:
            raw = client.cluster_templates.get(name) if cluster else client.templates.get(name)
        except NotFound:
            continue
        kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
        raw = {**raw, "apiVersion": raw.get("apiVersion") or "argoproj.io/v1alpha1", "kind": kind}
        raw.pop("status", None)
        scan = scan_documents(_json(raw), filename=f"<server {kind} {name}>")
        found.extend(scan.documents)
    return found


@click.command("submit")
@click.argument("files", nargs=-1)
@click.option(
    "--from",
    "from_",
    metavar="KIND/NAME",
    help="Submit from workflowtemplate/NAME, clusterworkflowtemplate/NAME or cronworkflow/NAME.",
)
@click.option(
    "-p",
    "--parameter",
    "parameters",
    multiple=True,
    metavar="NAME=VALUE",
    help="Input parameter (repeatable).",
)
@click.option(
    "-f",
    "--parameter-file",
    type=click.Path(exists=True, dir_okay=False),
    help="YAML/JSON file of parameters.",
)
@click.option("--entrypoint", default="", help="Override spec.entrypoint.")
@click.option("--name", default="", help="Override metadata.name.")
@click.option("--generate-name", default="", help="Override metadata.generateName.")
@click.option("-l", "--labels", multiple=True, metavar="K=V[,K=V]", help="Labels to add (repeatable).")
@click.option("--annotations", multiple=True, metavar="K=V[,K=V]", help="Annotations to add (repeatable).")
@click.option("--serviceaccount", default="", help="Run all pods with this service account.")
@click.option("--priority", type=int, default=None, help="Workflow priority.")
@click.option("--server-dry-run", is_flag=True, help="Validate on the server without creating.")
@click.option("--watch", is_flag=True, help="Watch the workflow until it completes (live tree).")
@click.option("--wait", is_flag=True, help="Wait for the workflow to complete.")
@click.option(
    "--argo-server",
    default=None,
    metavar="URL",
    help="Send the manifests to this (real) Argo Server; https unless the URL says http.",
)
@output_option()
@connection_options
def submit(
    client: ArgoClient,
    files: tuple[str, ...],
    from_: str | None,
    parameters: tuple[str, ...],
    parameter_file: str | None,
    entrypoint: str,
    name: str,
    generate_name: str,
    labels: tuple[str, ...],
    annotations: tuple[str, ...],
    serviceaccount: str,
    priority: int | None,
    server_dry_run: bool,
    watch: bool,
    wait: bool,
    argo_server: str | None,
    output: str | None,
) -> None:
    """Submit workflows from FILES (or `-` for stdin), or from a template with --from.

    The files are read and linted locally first. With --wait or --watch the exit code is 0 iff every
    workflow Succeeded (1 otherwise).

    \b
    Examples:
      argento submit examples/hello-dag.yaml -p message=hi --watch
      argento submit --from workflowtemplate/train -p epochs=3 --wait -o name
      argento submit pipeline.yaml --argo-server https://argo.example:2746 --token "$ARGO_TOKEN"
    """
    opts = SubmitOptions(
        name=name,
        generate_name=generate_name,
        entrypoint=entrypoint,
        parameters=_parameters(parameters, parameter_file),
        labels=split_pairs(labels, what="label"),
        annotations=split_pairs(annotations, what="annotation"),
        service_account=serviceaccount,
        priority=priority,
        server_dry_run=server_dry_run,
    )
    if from_ and files:
        raise click.UsageError("give FILES or --from, not both")
    created: list[dict[str, Any]] = []
    if from_:
        kind_text, _, resource = from_.partition("/")
        kind = FROM_KINDS.get(kind_text.lower())
        if kind is None or not resource:
            raise SpecError(
                f"--from {from_!r}: expected workflowtemplate/NAME, clusterworkflowtemplate/NAME or cronworkflow/NAME"
            )
        created.append(client.workflows.submit_from(kind, resource, opts))
    elif files:
        for manifest in _load_workflows(files, client):
            created.append(
                client.workflows.create(apply_submit_options(manifest, opts), server_dry_run=server_dry_run)
            )
    else:
        raise click.UsageError("nothing to submit: give FILES or --from KIND/NAME")
    if not (watch or wait) or server_dry_run:
        for wf in created:
            print_workflow(wf, output, tree=False)
        return
    from argento.cli.streams import follow

    if wait and not watch and output in (None, "wide"):
        for wf in created:  # argo prints what it submitted, then the outcome
            print_workflow(wf, output, tree=False)
            click.echo("")
    finals = [follow(client, name_of(wf), live=watch, output=output) for wf in created]
    if not all((f.get("status") or {}).get("phase") == "Succeeded" for f in finals):
        click.get_current_context().exit(1)


# -- list --------------------------------------------------------------------------------------------------
def _selector(status: Sequence[str], completed: bool, running: bool, selector: str) -> str:
    """The label selector ``argo list`` builds from its filters."""
    parts = [selector] if selector else []
    phases = [p.strip() for s in status for p in s.split(",") if p.strip()]
    if phases:
        parts.append(f"{LABEL_PHASE} in ({','.join(phases)})")
    if completed:
        parts.append(f"{LABEL_COMPLETED}=true")
    if running:
        parts.append(f"{LABEL_COMPLETED}!=true")
    return ",".join(parts)


def _sort_key(wf: dict[str, Any]) -> tuple[int, str]:
    """Argo's ``ByFinishedAt``: unfinished first (newest created first), then newest finished first."""
    meta, status = wf.get("metadata") or {}, wf.get("status") or {}
    if not status.get("finishedAt"):
        return (0, _invert(meta.get("creationTimestamp") or ""))
    return (1, _invert(status["finishedAt"]))


def _invert(text: str) -> str:
    return "".join(chr(0x10FFFF - ord(c)) for c in text)


def _counts(wf: dict[str, Any]) -> str:
    """``P/R/C``: pending, running and completed pods."""
    pending = running = done = 0
    for node in ((wf.get("status") or {}).get("nodes") or {}).values():
        if node.get("type") != "Pod":
            continue
        phase = node.get("phase")
        if phase in ("Succeeded", "Failed", "Error", "Skipped", "Omitted"):
            done += 1
        elif phase == "Running":
            running += 1
        else:
            pending += 1
    return f"{pending}/{running}/{done}"


def _parameter_text(wf: dict[str, Any]) -> str:
    params = ((wf.get("spec") or {}).get("arguments") or {}).get("parameters") or []
    out = []
    for p in params:
        if "value" in p:
            value = str(p["value"])
            out.append(f"{p['name']}={value if len(value) <= 50 else value[:32] + '...' + value[-15:]}")
    return ",".join(out)


def workflow_rows(workflows: Sequence[dict[str, Any]], *, wide: bool) -> list[str]:
    """The ``argo list`` table: NAME STATUS AGE DURATION PRIORITY MESSAGE (+ P/R/C PARAMETERS when wide)."""
    header = ["NAME", "STATUS", "AGE", "DURATION", "PRIORITY", "MESSAGE"]
    if wide:
        header += ["P/R/C", "PARAMETERS"]
    rows = []
    for wf in workflows:
        meta, status, spec = wf.get("metadata") or {}, wf.get("status") or {}, wf.get("spec") or {}
        row = [
            meta.get("name", ""),
            workflow_status(wf),
            since(meta.get("creationTimestamp")),
            since(status.get("startedAt"), status.get("finishedAt")),
            spec.get("priority") or 0,
            status.get("message") or "",
        ]
        if wide:
            row += [_counts(wf), _parameter_text(wf)]
        rows.append(row)
    return table(header, rows)


@click.command("list")
@click.option("--status", multiple=True, help="Only these phases, comma separated (Running,Failed,…).")
@click.option("--completed", is_flag=True, help="Only completed workflows.")
@click.option("--running", is_flag=True, help="Only workflows still running.")
@click.option("-l", "--selector", default="", help="Label selector (k=v,k2!=v2,k3 in (a,b)).")
@click.option("--prefix", default="", help="Only names starting with this prefix.")
@click.option(
    "--since",
    "since_",
    default=None,
    metavar="DURATION",
    help="Only workflows created within DURATION (e.g. 1h) or not finished.",
)
@click.option(
    "--chunk-size",
    type=int,
    default=0,
    show_default=True,
    help="Fetch in pages of this size (0: one request).",
)
@output_option()
@connection_options
def list_(
    client: ArgoClient,
    status: tuple[str, ...],
    completed: bool,
    running: bool,
    selector: str,
    prefix: str,
    since_: str | None,
    chunk_size: int,
    output: str | None,
) -> None:
    """List workflows, running ones first, then by finish time (newest first).

    \b
    Examples:
      argento list --status Running,Failed
      argento list -l app=train --completed -o name
    """
    full = output in ("wide", "json", "yaml")
    items = client.workflows.list(
        label_selector=_selector(status, completed, running, selector),
        fields=None if full else LIST_FIELDS,
        chunk_size=chunk_size,
    )
    items = [w for w in items if name_of(w).startswith(prefix)]
    if since_:
        horizon = datetime.now(UTC).timestamp() - parse_duration(since_)
        items = [
            w
            for w in items
            if not (w.get("status") or {}).get("finishedAt")
            or (
                parse_time((w.get("metadata") or {}).get("creationTimestamp")) or datetime.now(UTC)
            ).timestamp()
            >= horizon
        ]
    items.sort(key=_sort_key)
    if output in ("json", "yaml"):
        emit(items, output)
    elif output == "name":
        echo_lines(name_of(w) for w in items)
    elif not items:
        click.echo("No workflows found")
    else:
        echo_lines(workflow_rows(items, wide=output == "wide"))


# -- get ---------------------------------------------------------------------------------------------------
@click.command("get")
@click.argument("names", nargs=-1, required=True)
@output_option(("wide", "json", "yaml", "name"))
@connection_options
def get(client: ArgoClient, names: tuple[str, ...], output: str | None) -> None:
    """Show a workflow's status and node tree (like `argo get`); `@latest` is the newest workflow.

    \b
    Examples:
      argento get hello-x7k2p
      argento get @latest -o json
    """
    for i, name in enumerate(names):
        if i and output not in ("json", "yaml", "name"):
            click.echo("")
        print_workflow(client.workflows.get(name), output)


# -- delete ------------------------------------------------------------------------------------------------
@click.command("delete")
@click.argument("names", nargs=-1)
@click.option(
    "--all", "all_", is_flag=True, help="Delete all workflows (of the namespace, matching the filters)."
)
@click.option("--completed", is_flag=True, help="Only completed workflows.")
@click.option("--status", multiple=True, help="Only these phases, comma separated.")
@click.option(
    "--older",
    default=None,
    metavar="DURATION",
    help="Only completed workflows finished more than DURATION ago (e.g. 1d).",
)
@click.option("-l", "--selector", default="", help="Label selector.")
@click.option("--dry-run", is_flag=True, help="Print what would be deleted.")
@click.option("--force", is_flag=True, help="Delete even if finalizers remain.")
@connection_options
def delete(
    client: ArgoClient,
    names: tuple[str, ...],
    all_: bool,
    completed: bool,
    status: tuple[str, ...],
    older: str | None,
    selector: str,
    dry_run: bool,
    force: bool,
) -> None:
    """Delete workflows by name, or every workflow matching --all/-l/--status/--completed/--older.

    Exits 2 if a named workflow does not exist (the others are still deleted).

    \b
    Examples:
      argento delete hello-x7k2p
      argento delete --completed --older 7d
      argento delete -l app=train
    """
    filtered = all_ or completed or status or older or selector
    if names and filtered:
        raise click.UsageError("give NAMES or filters (--all, -l, --status, --completed, --older), not both")
    if not names and not filtered:
        raise click.UsageError("give workflow NAMES, or --all / -l / --status / --completed / --older")
    targets = list(names)
    if filtered:
        items = client.workflows.list(
            label_selector=_selector(status, completed or bool(older), False, selector), fields=LIST_FIELDS
        )
        if older:
            horizon = datetime.now(UTC).timestamp() - parse_duration(older)
            items = [
                w
                for w in items
                if (t := parse_time((w.get("status") or {}).get("finishedAt"))) and t.timestamp() < horizon
            ]
        targets = [name_of(w) for w in items]
    failure: ArgentoError | None = None
    for name in targets:
        if dry_run:
            click.echo(f"Workflow '{name}' deleted (dry-run)")
            continue
        try:
            name = client.workflows.resolve(name)
            client.workflows.delete(name, force=force)
        except NotFound as exc:
            click.echo(f"error: {exc}", err=True)
            failure = failure or exc
            continue
        click.echo(f"Workflow '{name}' deleted")
    if failure is not None:
        click.get_current_context().exit(failure.exit_code)
