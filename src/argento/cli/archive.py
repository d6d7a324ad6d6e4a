"""``argento archive list|get|delete|retry|resubmit``: completed workflows kept by the server's archive.

Archived workflows are addressed by UID as in ``argo archive``; a name is accepted too and means the
newest archived workflow of that name.
"""

from __future__ import annotations

import click

from argento.cli.remote import connection_options, echo_lines, emit, name_of, output_option
from argento.cli.templates import each
from argento.cli.workflows import print_workflow, workflow_rows
from argento.client import ArgoClient


@click.group("archive")
def archive() -> None:
    """Browse and manage archived (completed) workflows.

    \b
    Example:
      argento archive list -l app=train
    """


@archive.command("list")
@click.option("-l", "--selector", default="", help="Label selector.")
@click.option("--prefix", default="", help="Only names starting with this prefix.")
@click.option(
    "--chunk-size",
    type=click.IntRange(min=0),
    default=500,
    show_default=True,
    help="Fetch in pages of this size, as kubectl does (0: one request).",
)
@output_option()
@connection_options
def list_(client: ArgoClient, selector: str, prefix: str, chunk_size: int, output: str | None) -> None:
    """List archived workflows (newest first).

    \b
    Example:
      argento archive list --prefix train- -o name
    """
    items = client.archive.list(label_selector=selector, name_prefix=prefix, chunk_size=chunk_size)
    items.sort(key=lambda w: (w.get("status") or {}).get("finishedAt") or "", reverse=True)
    if output in ("json", "yaml"):
        emit(items, output)
    elif output == "name":
        echo_lines(name_of(w) for w in items)
    elif not items:
        click.echo("No archived workflows found")
    else:
        echo_lines(workflow_rows(items, wide=output == "wide"))


@archive.command("get")
@click.argument("uids", nargs=-1, required=True)
@output_option()
@connection_options
def get(client: ArgoClient, uids: tuple[str, ...], output: str | None) -> None:
    """Show an archived workflow by UID (or name) like `argento get`.

    \b
    Example:
      argento archive get 3f1c2a9e-8a55-4d3e-9b0e-5a1f2c3d4e5f
    """
    each(uids, lambda u: print_workflow(client.archive.find(u), output))


@archive.command("delete")
@click.argument("uids", nargs=-1, required=True)
@connection_options
def delete(client: ArgoClient, uids: tuple[str, ...]) -> None:
    """Delete archived workflows by UID (or name).

    \b
    Example:
      argento archive delete 3f1c2a9e-8a55-4d3e-9b0e-5a1f2c3d4e5f
    """

    def run(uid_or_name: str) -> None:
        wf = client.archive.find(uid_or_name)
        uid = (wf.get("metadata") or {}).get("uid") or uid_or_name
        client.archive.delete(uid)
        click.echo(f"Archived workflow '{uid}' deleted")

    each(uids, run)


@archive.command("retry")
@click.argument("uid")
@click.option("--restart-successful", is_flag=True, help="Restart successful nodes too.")
@output_option()
@connection_options
def retry(client: ArgoClient, uid: str, restart_successful: bool, output: str | None) -> None:
    """Retry an archived workflow; a live workflow comes back.

    \b
    Example:
      argento archive retry 3f1c2a9e-8a55-4d3e-9b0e-5a1f2c3d4e5f
    """
    uid = (client.archive.find(uid).get("metadata") or {}).get("uid") or uid
    print_workflow(client.archive.retry(uid, restart_successful=restart_successful), output, tree=False)


@archive.command("resubmit")
@click.argument("uid")
@click.option("--memoized", is_flag=True, help="Reuse the outputs of steps that succeeded.")
@output_option()
@connection_options
def resubmit(client: ArgoClient, uid: str, memoized: bool, output: str | None) -> None:
    """Resubmit an archived workflow.

    \b
    Example:
      argento archive resubmit 3f1c2a9e-8a55-4d3e-9b0e-5a1f2c3d4e5f --memoized
    """
    uid = (client.archive.find(uid).get("metadata") or {}).get("uid") or uid
    print_workflow(client.archive.resubmit(uid, memoized=memoized), output, tree=False)
