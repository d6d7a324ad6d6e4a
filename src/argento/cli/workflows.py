"""``argento submit|list|get|delete``: workflows on a server, with ``argo``'s flags and output formats.

``submit`` reads and lints the files locally first (``argento.spec``), so a bad manifest fails here with
``file:line`` before anything is sent; templates the workflow references are fetched from the server for
that lint. ``--argo-server URL`` sends the same, unchanged manifest to a real Argo Server instead.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from argento.cli.local_runs import LocalRuns, say_local, workflow_or_local
from argento.cli.remote import (
    connection_options,
    echo_lines,
    emit,
    name_of,
    output_option,
    parse_duration,
    parse_time,
    print_workflow,
    since,
    table,
)
from argento.cli.tree import workflow_status
from argento.client import ArgoClient, SubmitOptions, apply_submit_options
from argento.client.workflows import LABEL_COMPLETED, LABEL_PHASE, LIST_FIELDS, split_pairs
from argento.errors import NotFound, SpecError, SpecErrors, Unavailable

#: ``--from`` kinds, as ``argo submit --from`` spells them.
FROM_KINDS = {
    "workflowtemplate": "WorkflowTemplate",
    "wftmpl": "WorkflowTemplate",
    "clusterworkflowtemplate": "ClusterWorkflowTemplate",
    "cwftmpl": "ClusterWorkflowTemplate",
    "cronworkflow": "CronWorkflow",
    "cronwf": "CronWorkflow",
}


# -- submit ------------------------------------------------------------------------------------------------
def _parameters(values: Sequence[str], parameter_file: str | None) -> dict[str, str]:
    """``-p`` values, then the parameter file's (Argo's order: ``-p`` first, the file appended)."""
    from argento.spec.submit import parameters_file_items, parse_parameter

    items = [*values, *(parameters_file_items(parameter_file) if parameter_file else [])]
    return dict(parse_parameter(item) for item in items)


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


def _load_workflows(files: Sequence[str], client: ArgoClient) -> list[dict[str, Any]]:
    """Read, then lint, every file; the Workflow manifests in file order. Bad input raises here.

    Files whose Workflows passed before, against the same server templates, are not parsed again
    (:mod:`argento.cli.checked`)."""
    from argento.cli import checked
    from argento.config import Settings

    home = Settings.from_env().home
    key = checked.submit_key(files)
    entry = checked.read_submit(home, key) if key is not None else None
    if entry is not None:
        fetched = _fetch_templates(entry.refs, client)
        if checked.templates_digest(fetched) in entry.passed:
            return entry.workflows
    workflows, refs, fetched = _lint_workflows(files, client)
    if key is not None:
        passed = [checked.templates_digest(fetched)]
        if entry is not None and entry.refs == refs:
            passed += entry.passed
        checked.write_submit(home, key, checked.SubmitCheck(copy.deepcopy(workflows), refs, passed))
    return workflows


def _lint_workflows(
    files: Sequence[str], client: ArgoClient
) -> tuple[list[dict[str, Any]], list[tuple[str, bool]], list[Any]]:
    """Parse and lint the files: their Workflows, the templates they reference that the files do not hold,
    and those templates as the server answered (None for one it lacks)."""
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
    wanted: set[tuple[str, bool]] = set()
    for doc in workflows:
        _refs(doc.raw, wanted)
    have = {(name_of(d.raw), d.kind == "ClusterWorkflowTemplate") for d in docs}
    refs = sorted(wanted - have)
    fetched = _fetch_templates(refs, client)
    # Lint resolves templateRef against the server's templates too; one the server lacks stays unresolved
    # and lint reports it with its file:line, as Argo's submit would refuse it.
    server = [
        d
        for raw in fetched
        if raw is not None
        for d in scan_documents(_json(raw), filename=f"<server {raw['kind']} {name_of(raw)}>").documents
    ]
    report = lint_documents(workflows, templates=[*docs, *server])
    if report.errors:
        raise SpecErrors(SpecError(p.message, path=p.path, location=p.location) for p in report.errors)
    return [d.raw for d in workflows], refs, fetched


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


def _fetch_templates(refs: Sequence[tuple[str, bool]], client: ArgoClient) -> list[dict[str, Any] | None]:
    """The referenced (cluster) workflow templates from the server, in order; None for one it lacks."""
    found: list[dict[str, Any] | None] = []
    for name, cluster in refs:
        try:
            raw = client.cluster_templates.get(name) if cluster else client.templates.get(name)
        except NotFound:
            found.append(None)
            continue
        kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
        raw = {**raw, "apiVersion": raw.get("apiVersion") or "argoproj.io/v1alpha1", "kind": kind}
        raw.pop("status", None)
        found.append(raw)
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
@click.option(
    "--dry-run", is_flag=True, help="Have the server check the workflows and print them; nothing is created."
)
@click.option("--server-dry-run", is_flag=True, help="Validate on the server without creating.")
@click.option("--watch", is_flag=True, help="Watch the workflow until it completes (live tree).")
@click.option("--wait", is_flag=True, help="Wait for the workflow to complete.")
@click.option(
    "--workdir",
    default=None,
    type=click.Path(exists=True, file_okay=False),
    help="Folder (on the server's machine) relative scripts such as `command: [python, train.py]` are found in.",
)
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
    dry_run: bool,
    server_dry_run: bool,
    watch: bool,
    wait: bool,
    workdir: str | None,
    argo_server: str | None,
    output: str | None,
) -> None:
    """Submit workflows from FILES (or `-` for stdin), or from a template with --from.

    The files are read and linted locally first. With --wait or --watch the exit code is 0 iff every
    workflow Succeeded (1 otherwise); they follow each workflow in the namespace it was created in (the
    manifest's metadata.namespace, else -n). With --workdir, a step's relative script (`command: [python,
    train.py]`) is run from that folder.

    \b
    Examples:
      argento submit examples/hello-dag.yaml -p message=hi --watch
      argento submit ml-pipeline.yaml --workdir . --wait
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
        dry_run=dry_run,
    )
    _check_options(output, watch=watch, wait=wait, dry_run=dry_run, server_dry_run=server_dry_run)
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
            if workdir:
                from argento.engine.workdir import ANNOTATION

                manifest = {**manifest, "metadata": dict(manifest.get("metadata") or {})}
                annotations = dict(manifest["metadata"].get("annotations") or {})
                annotations[ANNOTATION] = str(Path(workdir).resolve())
                manifest["metadata"]["annotations"] = annotations
            created.append(
                client.workflows.create(
                    apply_submit_options(manifest, opts), server_dry_run=server_dry_run, dry_run=dry_run
                )
            )
    else:
        raise click.UsageError("nothing to submit: give FILES or --from KIND/NAME")
    if not (watch or wait) or server_dry_run or dry_run:
        for wf in created:
            print_workflow(wf, output, tree=False)
        return
    from argento.cli.streams import follow

    if wait and not watch and output in (None, "wide"):
        for wf in created:  # argo prints what it submitted, then the outcome
            print_workflow(wf, output, tree=False)
            click.echo("")
    # Each workflow where it was created: the manifest's namespace may differ from -n (Argo's CLI watches -n).
    finals = [
        follow(client, name_of(wf), live=watch, output=output, namespace=_namespace_of(wf, client))
        for wf in created
    ]
    if not all((f.get("status") or {}).get("phase") == "Succeeded" for f in finals):
        click.get_current_context().exit(1)


def _check_options(
    output: str | None, *, watch: bool, wait: bool, dry_run: bool, server_dry_run: bool
) -> None:
    """The combinations ``argo submit`` refuses (``cmd/argo/commands/submit.go:validateOptions``)."""
    refused = [
        (watch and wait, "--wait cannot be combined with --watch"),
        ((watch or wait) and dry_run, f"--{'watch' if watch else 'wait'} cannot be combined with --dry-run"),
        (
            (watch or wait) and server_dry_run,
            f"--{'watch' if watch else 'wait'} cannot be combined with --server-dry-run",
        ),
        (dry_run and not output, "--dry-run should have an output option"),
        (dry_run and server_dry_run, "--dry-run cannot be combined with --server-dry-run"),
        (server_dry_run and not output, "--server-dry-run should have an output option"),
    ]
    for refuse, message in refused:
        if refuse:
            raise click.UsageError(message)


def _namespace_of(wf: dict[str, Any], client: ArgoClient) -> str:
    return str((wf.get("metadata") or {}).get("namespace") or client.namespace)


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


def workflow_rows(
    workflows: Sequence[dict[str, Any]], *, wide: bool, namespace: bool = False, uid: bool = False
) -> list[str]:
    """The ``argo list`` table: NAME STATUS AGE DURATION PRIORITY MESSAGE (+ P/R/C PARAMETERS when wide),
    led by NAMESPACE and ended by UID when asked (``util/printer/workflow-printer.go:printTable``)."""
    header = ["NAME", "STATUS", "AGE", "DURATION", "PRIORITY", "MESSAGE"]
    if namespace:
        header.insert(0, "NAMESPACE")
    if wide:
        header += ["P/R/C", "PARAMETERS"]
    if uid:
        header.append("UID")
    rows = []
    for wf in workflows:
        meta, status, spec = wf.get("metadata") or {}, wf.get("status") or {}, wf.get("spec") or {}
        row = [meta.get("namespace", "")] if namespace else []
        row += [
            meta.get("name", ""),
            workflow_status(wf),
            since(meta.get("creationTimestamp")),
            since(status.get("startedAt"), status.get("finishedAt")),
            spec.get("priority") or 0,
            status.get("message") or "",
        ]
        if wide:
            row += [_counts(wf), _parameter_text(wf)]
        if uid:
            row.append(meta.get("uid", ""))
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
    type=click.IntRange(min=0),
    default=500,
    show_default=True,
    help="Fetch in pages of this size, as kubectl does (0: one request).",
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
    label_selector = _selector(status, completed, running, selector)
    try:
        items = client.workflows.list(
            label_selector=label_selector, fields=None if full else LIST_FIELDS, chunk_size=chunk_size
        )
    except Unavailable:
        from argento.store.selectors import matches_labels, parse_label_selector

        runs = LocalRuns()
        kept = runs.list()
        if not kept:  # nothing here either: the server's error is the answer
            raise
        say_local(f"no server answers at {client.http.server}", runs)
        wanted = parse_label_selector(label_selector)
        items = [w for w in kept if matches_labels(wanted, (w.get("metadata") or {}).get("labels"))]
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
        print_workflow(workflow_or_local(client, name)[0], output)


# -- delete ------------------------------------------------------------------------------------------------
LABEL_RESUBMITTED = "workflows.argoproj.io/resubmitted-from-workflow"


def select_workflows(
    client: ArgoClient,
    *,
    selector: str = "",
    field_selector: str = "",
    status: Sequence[str] = (),
    completed: bool = False,
    resubmitted: bool = False,
    prefix: str = "",
    older: str | None = None,
) -> list[dict[str, Any]]:
    """The workflows ``argo``'s ``listWorkflows`` picks: label and field selectors, phases, completed,
    resubmitted (``cmd/argo/commands/list.go``), then the name prefix and ``--older`` (finished before)."""
    label_selector = _selector(status, completed, False, selector)
    if resubmitted:
        label_selector = ",".join(p for p in (label_selector, LABEL_RESUBMITTED) if p)
    items = client.workflows.list(
        label_selector=label_selector, field_selector=field_selector, fields=LIST_FIELDS
    )
    items = [w for w in items if name_of(w).startswith(prefix)]
    if older:
        horizon = datetime.now(UTC).timestamp() - parse_duration(older)
        items = [
            w
            for w in items
            if (t := parse_time((w.get("status") or {}).get("finishedAt"))) and t.timestamp() < horizon
        ]
    items.sort(key=_sort_key)
    return items


@click.command("delete")
@click.argument("names", nargs=-1)
@click.option(
    "--all", "all_", is_flag=True, help="Delete all workflows (of the namespace, matching the filters)."
)
@click.option("--completed", is_flag=True, help="Only completed workflows.")
@click.option("--resubmitted", is_flag=True, help="Only workflows made by `resubmit`.")
@click.option("--prefix", default="", help="Only workflows whose name starts with PREFIX.")
@click.option("--status", multiple=True, help="Only these phases, comma separated.")
@click.option(
    "--older",
    default=None,
    metavar="DURATION",
    help="Only completed workflows finished more than DURATION ago (e.g. 1d).",
)
@click.option("-l", "--selector", default="", help="Label selector.")
@click.option("--field-selector", default="", help="Field selector (metadata.name=…, metadata.namespace=…).")
@click.option("--dry-run", is_flag=True, help="Print what would be deleted.")
@click.option("--force", is_flag=True, help="Delete even if finalizers remain.")
@connection_options
def delete(
    client: ArgoClient,
    names: tuple[str, ...],
    all_: bool,
    completed: bool,
    resubmitted: bool,
    prefix: str,
    status: tuple[str, ...],
    older: str | None,
    selector: str,
    field_selector: str,
    dry_run: bool,
    force: bool,
) -> None:
    """Delete workflows by name, and every workflow matching the filters (--all, -l, --field-selector,
    --prefix, --status, --completed, --resubmitted, --older).

    A named workflow that does not exist is reported (`Workflow 'NAME' not found`) and skipped, as `argo
    delete` does.

    \b
    Examples:
      argento delete hello-x7k2p
      argento delete --completed --older 7d
      argento delete -l app=train
    """
    filtered = all_ or completed or resubmitted or prefix or status or older or selector or field_selector
    if not names and not filtered:
        # cmd/argo/commands/delete.go: Args
        raise SpecError("requires either a workflow or other argument")
    targets = list(names)
    if filtered:
        targets += [
            name_of(w)
            for w in select_workflows(
                client,
                selector=selector,
                field_selector=field_selector,
                status=status,
                completed=completed or bool(older),
                resubmitted=resubmitted,
                prefix=prefix,
                older=older,
            )
        ]
    if not targets:
        click.echo("No resources found")
        return
    for name in targets:
        if dry_run:
            click.echo(f"Workflow '{name}' deleted (dry-run)")
            continue
        try:
            resolved = client.workflows.resolve(name)
            client.workflows.delete(resolved, force=force)
        except NotFound:
            click.echo(f"Workflow '{name}' not found")
            continue
        click.echo(f"Workflow '{resolved}' deleted")
