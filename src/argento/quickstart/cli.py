"""``argento quickstart``: run the seed guide's train → evaluate → deploy pipeline end to end."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from argento.config import Settings


@click.command("quickstart")
@click.option("-p", "--parameter", "parameters", multiple=True, help="Workflow parameter NAME=VALUE (e.g. threshold=0.95).")
@click.option("--down", "down_after", is_flag=True, help="Stop the server and MLflow at the end (CI).")
@click.option("--print", "print_manifest", is_flag=True, help="Print the workflow it runs and exit.")
@click.option("--print-path", is_flag=True, help="Print the path of that workflow file and exit.")
@click.option("--timeout", default=600.0, show_default=True, help="Seconds to wait for the workflow.")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def quickstart(
    parameters: tuple[str, ...], down_after: bool, print_manifest: bool, print_path: bool, timeout: float, output: str
) -> None:
    """Start Argento and MLflow, train → evaluate → deploy an iris classifier, and query it.

    The server and MLflow keep running afterwards (open the URLs it prints); `argento down` stops them.
    Re-running trains a new version and updates the same deployment.

    \b
    Examples:
      argento quickstart
      argento quickstart -p threshold=0.99        # evaluate fails: nothing is deployed
      argento quickstart --print > pipeline.yaml  # the workflow, to read or to submit yourself
    """
    from argento.cli.run import parse_params
    from argento.quickstart import PIPELINE, report, run_quickstart

    if print_path:
        click.echo(str(PIPELINE))
        return
    if print_manifest:
        click.echo(PIPELINE.read_text().rstrip())
        return
    settings = Settings.from_env()
    echo = (lambda line: click.echo(line, err=True)) if output == "json" else click.echo
    try:
        result = run_quickstart(settings, parameters=parse_params(parameters), echo=echo, timeout=timeout)
    finally:
        if down_after:
            from argento.cli.up import stop_all

            stop_all(settings, quiet=output == "json")
    if output == "json":
        click.echo(json.dumps(asdict(result), indent=2))
        return
    click.echo("")
    click.echo("\n".join(report(result)))
    if not down_after:
        from argento.cli.prog import activate_hint, argento_command

        click.echo(f"Argento and MLflow keep running: `{argento_command()} down` stops them.")
        hint = activate_hint()
        if hint:
            click.echo(f"To type `argento` alone, first: {hint}")
