"""``argento cron create|list|get|delete|suspend|resume|lint``: CronWorkflows on a server.

Output follows ``argo cron``: the list table ``NAME AGE LAST RUN NEXT RUN SCHEDULES TIMEZONE SUSPENDED`` and
the ``Name: … NextScheduledTime: …`` description. The next run is computed here from the schedules with
:func:`next_run` (:mod:`argento.spec.cron`: five-field cron, ``@hourly``-style descriptors, ``@every``, in the
cron's timezone).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import click

from argento.cli.remote import connection_options, echo_lines, emit, name_of, output_option, since, table
from argento.cli.templates import each, load_resources
from argento.client import ArgoClient
from argento.client.workflows import split_pairs


def next_run(schedule: str, *, timezone: str = "", now: datetime | None = None) -> datetime | None:
    """The next time ``schedule`` fires after ``now`` (aware, in UTC); ``None`` if it cannot be read
    (:mod:`argento.spec.cron` reads it, as the server's cron controller does)."""
    from argento.errors import SpecError
    from argento.spec.cron import parse_schedule

    try:
        due = parse_schedule(schedule, timezone).next(now or datetime.now(UTC))
    except SpecError:
        return None
    return due.astimezone(UTC) if due is not None else None


def _schedules(cron: dict[str, Any]) -> list[str]:
    spec = cron.get("spec") or {}
    return list(spec.get("schedules") or ([spec["schedule"]] if spec.get("schedule") else []))


def _next(cron: dict[str, Any]) -> datetime | None:
    tz = (cron.get("spec") or {}).get("timezone") or ""
    runs = [r for s in _schedules(cron) if (r := next_run(s, timezone=tz))]
    return min(runs) if runs else None


def describe(cron: dict[str, Any]) -> list[str]:
    """``argo cron get``'s text."""
    meta, spec, status = cron.get("metadata") or {}, cron.get("spec") or {}, cron.get("status") or {}
    rows: list[tuple[str, Any]] = [
        ("Name:", meta.get("name", "")),
        ("Namespace:", meta.get("namespace", "")),
        ("Created:", meta.get("creationTimestamp", "")),
        ("Schedules:", ",".join(_schedules(cron))),
        ("Suspended:", str(bool(spec.get("suspend"))).lower()),
    ]
    for key, label in (
        ("timezone", "Timezone:"),
        ("startingDeadlineSeconds", "StartingDeadlineSeconds:"),
        ("concurrencyPolicy", "ConcurrencyPolicy:"),
    ):
        if spec.get(key) not in (None, ""):
            rows.append((label, spec[key]))
    if status.get("lastScheduledTime"):
        rows.append(("LastScheduledTime:", status["lastScheduledTime"]))
    if (nxt := _next(cron)) is not None:
        rows.append(("NextScheduledTime:", nxt.strftime("%Y-%m-%dT%H:%M:%SZ")))
    if status.get("active"):
        rows.append(("Active Workflows:", ", ".join(a.get("name", "") for a in status["active"])))
    params = ((spec.get("workflowSpec") or {}).get("arguments") or {}).get("parameters") or []
    if params:
        rows.append(("Workflow Parameters:", ""))
        rows += [(f"  {p['name']}:", p.get("value", "")) for p in params if "value" in p]
    return [f"{label:<30} {value}".rstrip() for label, value in rows]


def _show(cron: dict[str, Any], output: str | None) -> None:
    if output in ("json", "yaml"):
        emit(cron, output)
    elif output == "name":
        click.echo(name_of(cron))
    else:
        echo_lines(describe(cron))


def _apply(
    cron: dict[str, Any], params: dict[str, str], entrypoint: str, schedule: str, labels: dict[str, str]
) -> dict[str, Any]:
    from argento.client import SubmitOptions, apply_submit_options

    spec = dict(cron.get("spec") or {})
    if schedule:
        spec.pop("schedules", None)
        spec["schedule"] = schedule
    if params or entrypoint:
        inner = {"metadata": {}, "spec": spec.get("workflowSpec") or {}}
        opts = SubmitOptions(parameters=params, entrypoint=entrypoint)
        spec["workflowSpec"] = apply_submit_options(inner, opts)["spec"]
    meta = dict(cron.get("metadata") or {})
    if labels:
        meta["labels"] = {**(meta.get("labels") or {}), **labels}
    return {**cron, "metadata": meta, "spec": spec}


@click.group("cron")
def cron() -> None:
    """Manage CronWorkflows on the server.

    \b
    Example:
      argento cron create nightly-train.yaml && argento cron list
    """


@cron.command("create")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "-p", "--parameter", "parameters", multiple=True, metavar="NAME=VALUE", help="Workflow parameter."
)
@click.option("--entrypoint", default="", help="Override the workflow's entrypoint.")
@click.option("--schedule", default="", help="Override the schedule.")
@click.option("-l", "--labels", multiple=True, metavar="K=V[,K=V]", help="Labels to add.")
@click.option("--name", default="", help="Override metadata.name.")
@click.option("--generate-name", default="", help="Override metadata.generateName.")
@output_option()
@connection_options
def create(
    client: ArgoClient,
    files: tuple[str, ...],
    parameters: tuple[str, ...],
    entrypoint: str,
    schedule: str,
    labels: tuple[str, ...],
    name: str,
    generate_name: str,
    output: str | None,
) -> None:
    """Create CronWorkflows from FILES (linted locally first).

    \b
    Example:
      argento cron create nightly.yaml --schedule "0 2 * * *"
    """
    params = split_pairs(parameters, what="parameter") if parameters else {}
    for manifest in load_resources(files, "CronWorkflow"):
        item = _apply(manifest, params, entrypoint, schedule, split_pairs(labels, what="label"))
        # cmd/argo/commands/cron/create.go: --name and --generate-name replace each other
        if generate_name:
            item["metadata"] = {**item["metadata"], "generateName": generate_name}
            item["metadata"].pop("name", None)
        if name:
            item["metadata"] = {**item["metadata"], "name": name}
            item["metadata"].pop("generateName", None)
        _show(client.cron.create(item), output)


@cron.command("update")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "-p", "--parameter", "parameters", multiple=True, metavar="NAME=VALUE", help="Workflow parameter."
)
@click.option("--entrypoint", default="", help="Override the workflow's entrypoint.")
@output_option()
@connection_options
def update(
    client: ArgoClient,
    files: tuple[str, ...],
    parameters: tuple[str, ...],
    entrypoint: str,
    output: str | None,
) -> None:
    """Replace CronWorkflows by name from FILES (linted locally first).

    \b
    Example:
      argento cron update nightly.yaml
    """
    params = split_pairs(parameters, what="parameter") if parameters else {}
    for manifest in load_resources(files, "CronWorkflow"):
        item = _apply(manifest, params, entrypoint, "", {})
        # cmd/argo/commands/cron/update.go: the stored one's resourceVersion, so the update replaces it
        current = client.cron.get(name_of(item))
        version = (current.get("metadata") or {}).get("resourceVersion")
        if version:
            item["metadata"] = {**item["metadata"], "resourceVersion": version}
        _show(client.cron.update(item), output)


@cron.command("list")
@click.option("-l", "--selector", default="", help="Label selector.")
@output_option()
@connection_options
def list_(client: ArgoClient, selector: str, output: str | None) -> None:
    """List CronWorkflows.

    \b
    Example:
      argento cron list -o name
    """
    items = sorted(client.cron.list(label_selector=selector), key=name_of)
    if output in ("json", "yaml"):
        emit(items, output)
        return
    if output == "name":
        echo_lines(name_of(c) for c in items)
        return
    if not items:
        click.echo("No cron workflows found")
        return
    rows = []
    for c in items:
        nxt = _next(c)
        rows.append(
            [
                name_of(c),
                since((c.get("metadata") or {}).get("creationTimestamp")),
                since((c.get("status") or {}).get("lastScheduledTime")) or "N/A",
                since(datetime.now(UTC).isoformat(), nxt.isoformat()) if nxt else "N/A",
                ",".join(_schedules(c)),
                (c.get("spec") or {}).get("timezone", ""),
                str(bool((c.get("spec") or {}).get("suspend"))).lower(),
            ]
        )
    echo_lines(table(["NAME", "AGE", "LAST RUN", "NEXT RUN", "SCHEDULES", "TIMEZONE", "SUSPENDED"], rows))


@cron.command("get")
@click.argument("names", nargs=-1, required=True)
@output_option()
@connection_options
def get(client: ArgoClient, names: tuple[str, ...], output: str | None) -> None:
    """Show CronWorkflows.

    \b
    Example:
      argento cron get nightly -o yaml
    """
    each(names, lambda n: _show(client.cron.get(n), output))


def _simple(names: Sequence[str], verb: str, act: Any) -> None:
    def run(name: str) -> None:
        act(name)
        click.echo(f"CronWorkflow '{name}' {verb}")

    each(names, run)


@cron.command("delete")
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Delete every CronWorkflow of the namespace.")
@connection_options
def delete(client: ArgoClient, names: tuple[str, ...], all_: bool) -> None:
    """Delete CronWorkflows.

    \b
    Example:
      argento cron delete nightly
    """
    if all_:
        names = tuple(name_of(c) for c in client.cron.list())
    elif not names:
        raise click.UsageError("give NAMES or --all")
    _simple(names, "deleted", client.cron.delete)


@cron.command("suspend")
@click.argument("names", nargs=-1, required=True)
@connection_options
def suspend(client: ArgoClient, names: tuple[str, ...]) -> None:
    """Stop scheduling CronWorkflows.

    \b
    Example:
      argento cron suspend nightly
    """
    _simple(names, "suspended", client.cron.suspend)


@cron.command("resume")
@click.argument("names", nargs=-1, required=True)
@connection_options
def resume(client: ArgoClient, names: tuple[str, ...]) -> None:
    """Schedule suspended CronWorkflows again.

    \b
    Example:
      argento cron resume nightly
    """
    _simple(names, "resumed", client.cron.resume)


@cron.command("lint")
@click.argument("files", nargs=-1, required=True)
@click.option("--server-side", is_flag=True, help="Also ask the server to lint them.")
@connection_options
def lint(client: ArgoClient, files: tuple[str, ...], server_side: bool) -> None:
    """Check CronWorkflow files with Argo's rules (exit 1 on errors).

    \b
    Example:
      argento cron lint nightly.yaml
    """
    for manifest in load_resources(files, "CronWorkflow"):
        if server_side:
            client.cron.lint(manifest)
    click.echo(f"{', '.join(files)}: no linting errors found!")
