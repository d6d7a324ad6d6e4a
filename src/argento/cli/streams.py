"""``argento logs|watch|wait``: commands that follow a workflow through the server's streams.

``watch`` and ``submit --watch`` redraw ``argo get``'s view on a terminal and print one line per node
change otherwise (logs, CI); ``wait`` prints ``NAME Phase at TIME`` as ``argo wait`` does. Both exit 0 iff
the workflow Succeeded. ``logs`` prefixes every line with its pod name, as ``argo logs`` does.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any, TextIO

import click

from argento.cli.remote import connection_options, locate, name_of, output_option, parse_duration
from argento.cli.tree import render_summary, render_tree
from argento.client import ArgoClient
from argento.errors import NotFound, SpecError

_SHOWN_TYPES = ("Pod", "Suspend", "HTTP", "Skipped", "Plugin", "Container")


class LiveView:
    """Shows a running workflow: redraws summary and tree on a terminal, else one line per node change."""

    def __init__(self, *, tty: bool, out: TextIO | None = None) -> None:
        self.tty = tty
        self.out = out or (sys.stdout if tty else sys.stderr)
        self.lines = 0
        self.last = 0.0
        self.phases: dict[str, str] = {}

    def update(self, wf: dict[str, Any]) -> None:
        """Show a new version of the workflow."""
        if self.tty:
            now = time.monotonic()
            if now - self.last >= 0.1:
                self.last = now
                self._redraw(wf)
            return
        name = name_of(wf)
        for node in ((wf.get("status") or {}).get("nodes") or {}).values():
            if node.get("type") not in _SHOWN_TYPES and node.get("id") != name:
                continue
            phase = node.get("phase") or "Pending"
            if self.phases.get(node["id"]) != phase:
                self.phases[node["id"]] = phase
                msg = f"  {node['message']}" if node.get("message") else ""
                self.out.write(f"{node.get('name', node['id'])}: {phase}{msg}\n")
        self.out.flush()

    def _redraw(self, wf: dict[str, Any]) -> None:
        lines = [*render_summary(wf), "", *render_tree(wf)]
        if self.lines:
            self.out.write(f"\x1b[{self.lines}F\x1b[J")  # back to the first line we drew, clear below
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()
        self.lines = len(lines)

    def clear(self) -> None:
        """Remove the redrawn view (the final view is printed normally afterwards)."""
        if self.tty and self.lines:
            self.out.write(f"\x1b[{self.lines}F\x1b[J")
            self.out.flush()
            self.lines = 0


def finished_line(wf: dict[str, Any]) -> str:
    """``argo wait``'s line: ``NAME Phase at TIME``."""
    status = wf.get("status") or {}
    return f"{name_of(wf)} {status.get('phase', '')} at {status.get('finishedAt') or ''}".rstrip()


def follow(
    client: ArgoClient, name: str, *, live: bool, output: str | None, namespace: str | None = None
) -> dict[str, Any]:
    """Wait for workflow ``name`` (of ``namespace``, default the client's) to finish (showing it live when
    ``live``), print the result, return it."""
    from argento.cli.remote import print_workflow

    human = output not in ("json", "yaml", "name")
    view = LiveView(tty=human and sys.stdout.isatty()) if live else None
    final = client.workflows.wait(name, namespace=namespace, on_update=view.update if view else None)
    if view is not None:
        view.clear()
    if live or not human:
        print_workflow(final, output)
    else:
        click.echo(finished_line(final))
    return final


def _succeeded(wf: dict[str, Any]) -> bool:
    return (wf.get("status") or {}).get("phase") == "Succeeded"


@click.command("watch")
@click.argument("name")
@output_option(("wide", "json", "yaml"))
@connection_options
def watch(client: ArgoClient, name: str, output: str | None) -> None:
    """Watch a workflow until it completes; exit 0 iff it Succeeded.

    \b
    Examples:
      argento watch hello-x7k2p
      argento watch @latest
    """
    final = follow(client, client.workflows.resolve(locate(client, name)), live=True, output=output)
    if not _succeeded(final):
        click.get_current_context().exit(1)


@click.command("wait")
@click.argument("names", nargs=-1, required=True)
@click.option("--ignore-not-found", is_flag=True, help="A workflow that does not exist counts as done.")
@click.option(
    "--timeout", type=str, default=None, metavar="DURATION", help="Give up after DURATION (exit 1)."
)
@output_option(("json", "yaml", "name"))
@connection_options
def wait(
    client: ArgoClient,
    names: tuple[str, ...],
    ignore_not_found: bool,
    timeout: str | None,
    output: str | None,
) -> None:
    """Wait for workflows to complete; exit 0 iff all Succeeded.

    \b
    Examples:
      argento wait hello-x7k2p
      argento wait @latest --timeout 10m
    """
    ok = True
    limit = parse_duration(timeout) if timeout else None
    for name in names:
        try:
            final = client.workflows.wait(locate(client, name), timeout=limit)
        except NotFound:
            if ignore_not_found:
                continue
            raise
        except TimeoutError as exc:
            click.echo(f"error: {exc}", err=True)
            ok = False
            continue
        if output:
            from argento.cli.remote import print_workflow

            print_workflow(final, output)
        else:
            click.echo(finished_line(final))
        ok = ok and _succeeded(final)
    if not ok:
        click.get_current_context().exit(1)


# -- logs --------------------------------------------------------------------------------------------------
def _pods_of(wf: dict[str, Any], target: str) -> set[str] | None:
    """The pods of the node named/ID'd/displayed ``target`` (a group node: its descendant pods); ``None``
    when no node matches (``target`` is then taken as a pod name)."""
    from argento.cli.tree import pod_name

    nodes: dict[str, dict[str, Any]] = (wf.get("status") or {}).get("nodes") or {}
    match = next(
        (n for n in nodes.values() if target in (n.get("id"), n.get("name"))),
        next((n for n in nodes.values() if n.get("displayName") == target), None),
    )
    if match is None:
        return None
    pods: set[str] = set()
    stack, seen = [match], set()
    while stack:
        node = stack.pop()
        if node.get("id") in seen:
            continue
        seen.add(node.get("id"))
        if node.get("type") == "Pod":
            pods.add(pod_name(wf, node))
        stack.extend(nodes[c] for c in node.get("children") or [] if c in nodes)
    return pods


_COLORS = (32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96)


def _color(pod: str) -> int:
    return _COLORS[sum(pod.encode()) % len(_COLORS)]


@click.command("logs")
@click.argument("name")
@click.argument("node_or_pod", required=False)
@click.option(
    "-f", "--follow", "follow_", is_flag=True, help="Stream new lines until the workflow completes."
)
@click.option("--grep", default="", help="Only lines matching this regular expression.")
@click.option("--tail", type=int, default=None, metavar="N", help="Only the last N lines of each pod.")
@click.option("-c", "--container", default="main", show_default=True, help="Container of the pods.")
@click.option("--since", "since_", default=None, metavar="DURATION", help="Only lines newer than DURATION.")
@click.option("--timestamps", is_flag=True, help="Prefix each line with its timestamp.")
@click.option("-l", "--selector", default="", help="Only pods whose labels match.")
@click.option("--no-color", is_flag=True, help="Do not color pod names.")
@output_option(("json",))
@connection_options
def logs(
    client: ArgoClient,
    name: str,
    node_or_pod: str | None,
    follow_: bool,
    grep: str,
    tail: int | None,
    container: str,
    since_: str | None,
    timestamps: bool,
    selector: str,
    no_color: bool,
    output: str | None,
) -> None:
    """Print the logs of a workflow's pods (or of one node or pod), each line prefixed with its pod.

    NODE_OR_POD is a pod name, a node ID, or a node's name or display name (a group node shows the pods
    under it). `-o json` prints one {"podName", "content"} object per line.

    \b
    Examples:
      argento logs @latest
      argento logs hello-x7k2p train --follow
      argento logs hello-x7k2p --grep 'accuracy' --tail 20
    """
    from argento.cli.local_runs import workflow_or_local

    wf, local = workflow_or_local(client, name)
    name = name_of(wf)
    pod, pods = "", None
    if node_or_pod:
        pods = _pods_of(wf, node_or_pod)
        if pods is None:
            pod = node_or_pod
        elif len(pods) == 1:
            pod = next(iter(pods))
        elif not pods:
            raise NotFound(f"node {node_or_pod!r} of workflow {name} ran no pods")
    color = not no_color and output is None and sys.stdout.isatty()
    if local is not None:  # a finished run: nothing to follow
        if selector:
            raise SpecError("-l needs the server: a local run's pods have no labels", path="selector")
        entries = local.logs(
            wf,
            pod_name=pod,
            container=container,
            grep=grep,
            tail_lines=tail,
            since_seconds=int(parse_duration(since_)) if since_ else 0,
            timestamps=timestamps,
        )
    else:
        entries = client.workflows.logs(
            name,
            pod_name=pod,
            container=container,
            follow=follow_,
            grep=grep,
            tail_lines=tail,
            since_seconds=int(parse_duration(since_)) if since_ else None,
            timestamps=timestamps,
            selector=selector,
        )
    for entry in entries:
        if pods is not None and not pod and entry.pod_name not in pods:
            continue
        content = entry.content.rstrip("\n")
        if output == "json":
            click.echo(json.dumps({"podName": entry.pod_name, "content": content}))
        elif color:
            click.echo(f"\x1b[{_color(entry.pod_name)}m{entry.pod_name}:\x1b[0m {content}")
        else:
            click.echo(f"{entry.pod_name}: {content}")
