"""``argento template …`` and ``argento cluster-template …``: WorkflowTemplates on a server.

Both groups are built by :func:`template_group` from one description of the kind, so they take the same
subcommands and flags (``create|update|list|get|delete|lint``) and print what ``argo template`` prints.
Files are read and linted locally before anything is sent, as for ``submit``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from argento.cli.remote import connection_options, echo_lines, emit, name_of, output_option, table
from argento.client import ArgoClient
from argento.errors import ArgentoError, SpecError, SpecErrors


@dataclass(frozen=True)
class TemplateKind:
    """What differs between the two template groups."""

    kind: str  # WorkflowTemplate / ClusterWorkflowTemplate
    command: str  # template / cluster-template
    api: Callable[[ArgoClient], Any]


def load_resources(files: Sequence[str], kind: str, *, lint: bool = True) -> list[dict[str, Any]]:
    """The ``kind`` documents of ``files`` (``-`` is stdin), linted with Argo's rules; bad input raises."""
    from argento.spec import scan_documents, scan_file
    from argento.spec.files import manifest_files
    from argento.spec.lint import lint_documents

    scans = []
    expanded = ["-" if f == "-" else str(p) for f in files for p in ([f] if f == "-" else manifest_files([f]))]
    for file in expanded:
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
    chosen = [d for d in docs if d.kind == kind]
    if not chosen:
        found = ", ".join(sorted({d.kind for d in docs})) or "no Argo resources"
        raise SpecError(f"{', '.join(files)}: no {kind} found (found {found})")
    if lint:
        # templateRefs to templates on the server are not errors here: the server checks them on create.
        report = lint_documents(chosen, templates=docs)
        problems = [p for p in report.errors if "not among the linted" not in p.message]
        if problems:
            raise SpecErrors(SpecError(p.message, path=p.path, location=p.location) for p in problems)
    return [d.raw for d in chosen]


def describe(resource: dict[str, Any]) -> list[str]:
    """``argo template get``'s text: name, namespace, creation time."""
    meta = resource.get("metadata") or {}
    lines = [f"Name:                {meta.get('name', '')}"]
    if meta.get("namespace"):
        lines.append(f"Namespace:           {meta['namespace']}")
    lines.append(f"Created:             {meta.get('creationTimestamp', '')}")
    return lines


def show(resource: dict[str, Any], output: str | None, text: Callable[[dict[str, Any]], list[str]]) -> None:
    """Print a resource as ``json``/``yaml``/``name`` or as its text description."""
    if output in ("json", "yaml"):
        emit(resource, output)
    elif output == "name":
        click.echo(name_of(resource))
    else:
        echo_lines(text(resource))


def each(names: Sequence[str], act: Callable[[str], None]) -> None:
    """Run ``act`` per name; report failures and exit with the first one's code after trying all."""
    failure: ArgentoError | None = None
    for name in names:
        try:
            act(name)
        except ArgentoError as exc:
            if len(names) == 1:
                raise
            click.echo(f"error: {name}: {exc}", err=True)
            failure = failure or exc
    if failure is not None:
        click.get_current_context().exit(failure.exit_code)


def template_group(spec: TemplateKind) -> click.Group:
    """The click group of one template kind."""
    label = spec.kind

    @click.group(
        spec.command, help=f"Manage {label}s on the server.\n\n\b\nExample:\n  argento {spec.command} list"
    )
    def group() -> None:
        pass

    @group.command("create")
    @click.argument("files", nargs=-1, required=True)
    @output_option(("wide", "json", "yaml", "name"))
    @connection_options
    def create(client: ArgoClient, files: tuple[str, ...], output: str | None) -> None:
        for tmpl in load_resources(files, label):
            show(spec.api(client).create(tmpl), output, describe)

    create.help = f"Create {label}s from FILES (linted locally first).\n\n\b\nExample:\n  argento {spec.command} create train.yaml"

    @group.command("update")
    @click.argument("files", nargs=-1, required=True)
    @output_option(("wide", "json", "yaml", "name"))
    @connection_options
    def update(client: ArgoClient, files: tuple[str, ...], output: str | None) -> None:
        for tmpl in load_resources(files, label):
            show(spec.api(client).update(tmpl), output, describe)

    update.help = (
        f"Replace {label}s by name from FILES.\n\n\b\nExample:\n  argento {spec.command} update train.yaml"
    )

    @group.command("list")
    @click.option("-l", "--selector", default="", help="Label selector.")
    @output_option(("wide", "json", "yaml", "name"))
    @connection_options
    def list_(client: ArgoClient, selector: str, output: str | None) -> None:
        items = sorted(spec.api(client).list(label_selector=selector), key=name_of)
        if output in ("json", "yaml"):
            emit(items, output)
        elif output == "name":
            echo_lines(name_of(t) for t in items)
        elif not items:
            click.echo(f"No {label}s found")
        else:
            echo_lines(table(["NAME"], [[name_of(t)] for t in items]))

    list_.help = f"List {label}s.\n\n\b\nExample:\n  argento {spec.command} list -o name"

    @group.command("get")
    @click.argument("names", nargs=-1, required=True)
    @output_option(("wide", "json", "yaml", "name"))
    @connection_options
    def get(client: ArgoClient, names: tuple[str, ...], output: str | None) -> None:
        each(names, lambda n: show(spec.api(client).get(n), output, describe))

    get.help = f"Show {label}s.\n\n\b\nExample:\n  argento {spec.command} get train -o yaml"

    @group.command("delete")
    @click.argument("names", nargs=-1)
    @click.option("--all", "all_", is_flag=True, help=f"Delete every {label}.")
    @connection_options
    def delete(client: ArgoClient, names: tuple[str, ...], all_: bool) -> None:
        api = spec.api(client)
        if all_:
            names = tuple(name_of(t) for t in api.list())
        elif not names:
            raise click.UsageError("give NAMES or --all")

        def run(name: str) -> None:
            api.delete(name)
            click.echo(f'{label} "{name}" deleted')

        each(names, run)

    delete.help = f"Delete {label}s.\n\n\b\nExample:\n  argento {spec.command} delete train"

    @group.command("lint")
    @click.argument("files", nargs=-1, required=True)
    @click.option("--server-side", is_flag=True, help="Also ask the server to lint them.")
    @connection_options
    def lint(client: ArgoClient, files: tuple[str, ...], server_side: bool) -> None:
        tmpls = load_resources(files, label)
        if server_side:
            for tmpl in tmpls:
                spec.api(client).lint(tmpl)
        click.echo(f"{', '.join(files)}: no linting errors found!")

    lint.help = (
        f"Check {label} files with Argo's rules (exit 1 on errors).\n\n\b\n"
        f"Example:\n  argento {spec.command} lint train.yaml"
    )
    return group


template = template_group(TemplateKind("WorkflowTemplate", "template", lambda c: c.templates))
cluster_template = template_group(
    TemplateKind("ClusterWorkflowTemplate", "cluster-template", lambda c: c.cluster_templates)
)
