"""``argento build``, ``argento containerize`` and ``argento bentos …`` (SPEC §3.5)."""

from __future__ import annotations

import json
from typing import Any

import click


def _store() -> Any:
    from argento.deployments.bentos import BentoStore

    return BentoStore.from_settings()


def _dump(data: Any, output: str) -> None:
    if output == "json":
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        import yaml

        click.echo(yaml.safe_dump(data, sort_keys=False).rstrip())


_OUTPUT = click.option(
    "-o",
    "--output",
    type=click.Choice(["table", "json", "yaml"]),
    default="table",
    show_default=True,
    help="Output format.",
)


@click.command("build")
@click.option("-f", "--file", "file", default="argento.yaml", show_default=True, help="Build file.")
@click.option("--version", default=None, help="Version of the bento (default: an auto version).")
@_OUTPUT
def build(file: str, version: str | None, output: str) -> None:
    """Package a service into a versioned bento in <ARGENTO_HOME>/bentos.

    The build file names the service (module:Class), include/exclude globs, extra python packages, models,
    envs and labels; requirements are locked from the current environment.

    \b
    Example:
      argento build -f argento.yaml
      argento serve iris-classifier:latest --port 3000
    """
    from argento.deployments.bentos import BuildConfig
    from argento.deployments.bentos import build as do_build
    from argento.registry.versions import validate_version

    config = BuildConfig.load(file)
    if version:
        config.version = validate_version(version)
    bento = do_build(config, warn=lambda message: click.echo(f"warning: {message}", err=True))
    if output == "table":
        click.echo(
            f"built bento {bento.tag} ({bento.manifest.get('files')} files, "
            f"{len(bento.models)} model(s)) at {bento.path}"
        )
    else:
        _dump(bento.to_dict(), output)


@click.command("containerize")
@click.argument("tag")
@click.option("--output-dir", "output_dir", default=None, help="Where to write the build context.")
@click.option("-t", "--image", default=None, help="Image name to suggest in the Dockerfile.")
def containerize(tag: str, output_dir: str | None, image: str | None) -> None:
    """Write a Docker/OCI build context (Dockerfile, bento, models) for bento TAG; nothing is built.

    \b
    Example:
      argento containerize iris-classifier:latest --output-dir build/iris
      docker build -t iris-classifier build/iris
    """
    from argento.deployments.bentos import containerize as do

    path = do(_store(), tag, output_dir, image=image)
    click.echo(f"build context for {tag} in {path} (docker build -t {image or tag.split(':')[0]} {path})")


@click.group("bentos")
def bentos() -> None:
    """Manage built bentos: list, get, delete, export, import.

    \b
    Examples:
      argento bentos list
      argento bentos export iris-classifier:latest /tmp/
      argento bentos import /tmp/iris-classifier-v1.bento
    """


@bentos.command("list")
@click.argument("name", required=False)
@_OUTPUT
def list_bentos(name: str | None, output: str) -> None:
    """List bentos (of NAME), newest first.

    \b
    Example:
      argento bentos list -o json
    """
    items = _store().list(name)
    if output != "table":
        _dump([b.to_dict() for b in items], output)
        return
    rows = [
        [b.tag, b.service, ",".join(b.models) or "-", str(b.manifest.get("created_at", ""))[:19]]
        for b in items
    ]
    headers = ["TAG", "SERVICE", "MODELS", "CREATED"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    for row in [headers, *rows]:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


@bentos.command("get")
@click.argument("tag")
@click.option("-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
def get_bento(tag: str, output: str) -> None:
    """Show one bento's manifest.

    \b
    Example:
      argento bentos get iris-classifier:latest -o json
    """
    _dump(_store().get(tag).to_dict(), output)


@bentos.command("delete")
@click.argument("tag")
def delete_bento(tag: str) -> None:
    """Delete a bento version (or every version of NAME).

    \b
    Example:
      argento bentos delete iris-classifier:v1
    """
    for deleted in _store().delete(tag):
        click.echo(f"deleted {deleted}")


@bentos.command("export")
@click.argument("tag")
@click.argument("destination")
def export_cmd(tag: str, destination: str) -> None:
    """Export bento TAG (with its models) to a file or folder.

    \b
    Example:
      argento bentos export iris-classifier:latest /tmp/
    """
    from argento.deployments.bentos import export_bento

    click.echo(str(export_bento(_store(), tag, destination)))


@bentos.command("import")
@click.argument("source")
def import_cmd(source: str) -> None:
    """Import a bento archive (its models go into the model store).

    \b
    Example:
      argento bentos import /tmp/iris-classifier-v1.bento
    """
    from argento.deployments.bentos import import_bento

    click.echo(f"imported {import_bento(_store(), source).tag}")
