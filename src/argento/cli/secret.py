"""``argento secret``: the local, encrypted secret store (create, list, delete — values are never printed)."""

from __future__ import annotations

import json

import click

from argento.config import Settings


def _store(settings: Settings):  # type: ignore[no-untyped-def]
    from argento.secrets import SecretStore

    return SecretStore(settings.home)


@click.group("secret")
def secret() -> None:
    """Manage local secrets (encrypted in <ARGENTO_HOME>/secrets), used by secretKeyRef and S3 credentials.

    \b
    Examples:
      argento secret create my-s3-credentials --from-literal accessKey=admin --from-literal secretKey=password
      argento secret create tls --from-file ca.crt=./ca.pem -n argo
      argento secret list
      argento secret delete my-s3-credentials
    """


@secret.command("create")
@click.argument("name")
@click.option("--from-literal", "literals", multiple=True, metavar="KEY=VALUE", help="A key and its value.")
@click.option("--from-file", "files", multiple=True, metavar="[KEY=]PATH", help="A key and a file holding its value.")
@click.option("-n", "--namespace", default=None, help="Namespace (default: ARGENTO_NAMESPACE, argo).")
@click.option("--overwrite", is_flag=True, help="Replace an existing secret of that name.")
def create(name: str, literals: tuple[str, ...], files: tuple[str, ...], namespace: str | None, overwrite: bool) -> None:
    """Create secret NAME from literal values and/or files.

    \b
    Example:
      argento secret create my-s3-credentials --from-literal accessKey=admin --from-literal secretKey=s3cr3t
    """
    from argento.secrets.store import parse_files, parse_literals

    settings = Settings.from_env()
    ns = namespace or settings.namespace
    data = {**parse_literals(literals), **parse_files(files)}
    _store(settings).create(ns, name, data, overwrite=overwrite)
    click.echo(f"secret/{name} {'configured' if overwrite else 'created'}")


@secret.command("list")
@click.option("-n", "--namespace", default=None, help="Namespace (default: ARGENTO_NAMESPACE, argo).")
@click.option("-A", "--all-namespaces", is_flag=True, help="List secrets of every namespace.")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_secrets(namespace: str | None, all_namespaces: bool, output: str) -> None:
    """List secrets with their key names (never their values).

    \b
    Example:
      argento secret list -o json
    """
    settings = Settings.from_env()
    infos = _store(settings).list(None if all_namespaces else (namespace or settings.namespace))
    if output == "json":
        rows = [{"namespace": i.namespace, "name": i.name, "keys": i.keys, "creationTimestamp": i.created}
                for i in infos]
        click.echo(json.dumps(rows, indent=2))
        return
    headers = ["NAMESPACE", "NAME", "KEYS", "CREATED"]
    rows_text = [[i.namespace, i.name, ",".join(i.keys), i.created] for i in infos]
    widths = [max([len(h)] + [len(r[c]) for r in rows_text]) for c, h in enumerate(headers)]
    for row in [headers, *rows_text]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@secret.command("delete")
@click.argument("name")
@click.option("-n", "--namespace", default=None, help="Namespace (default: ARGENTO_NAMESPACE, argo).")
def delete(name: str, namespace: str | None) -> None:
    """Delete secret NAME.

    \b
    Example:
      argento secret delete my-s3-credentials -n argo
    """
    settings = Settings.from_env()
    _store(settings).delete(namespace or settings.namespace, name)
    click.echo(f"secret/{name} deleted")
