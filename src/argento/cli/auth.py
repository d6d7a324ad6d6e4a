"""``argento auth token create|list|revoke``: API tokens for ``argento server --auth-mode client``.

Tokens live hashed in the store of ``ARGENTO_HOME`` / ``ARGENTO_DATABASE_URL`` (the server's own store), so
these commands run on the server's machine; the secret is printed once, at creation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

import click

from argento.cli.remote import echo_lines, table
from argento.config import Settings


@contextmanager
def _store() -> Iterator[Any]:
    from argento.store import open_store

    store = open_store(Settings.from_env())
    try:
        yield store
    finally:
        store.close()


@click.group("auth")
def auth() -> None:
    """Manage API tokens of the local server.

    \b
    Example:
      export ARGENTO_TOKEN=$(argento auth token create ci)
    """


@auth.group("token")
def token() -> None:
    """Create, list and revoke API tokens.

    \b
    Example:
      argento auth token list
    """


@token.command("create")
@click.argument("name", default="default")
@click.option("-o", "--output", type=click.Choice(["json"]), default=None, help="Output format: json.")
def create(name: str, output: str | None) -> None:
    """Create a token and print it (only now: the store keeps a hash).

    \b
    Example:
      argento auth token create ci
      curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:2746/api/v1/workflows/argo
    """
    with _store() as store:
        record, secret = store.tokens.create(name)
    if output == "json":
        click.echo(json.dumps({**asdict(record), "token": secret}, indent=2))
    else:
        click.echo(secret)


@token.command("list")
@click.option("-o", "--output", type=click.Choice(["json"]), default=None, help="Output format: json.")
def list_(output: str | None) -> None:
    """List tokens (IDs and names, never secrets).

    \b
    Example:
      argento auth token list -o json
    """
    with _store() as store:
        records = store.tokens.list()
    if output == "json":
        click.echo(json.dumps([asdict(r) for r in records], indent=2))
    elif not records:
        click.echo("No tokens")
    else:
        rows = [[r.id, r.name, r.created_at, r.revoked_at or ""] for r in records]
        echo_lines(table(["ID", "NAME", "CREATED", "REVOKED"], rows))


@token.command("revoke")
@click.argument("token_ids", nargs=-1, required=True)
def revoke(token_ids: tuple[str, ...]) -> None:
    """Revoke tokens by ID; requests with them get 401 from then on.

    \b
    Example:
      argento auth token revoke 3f9a1c2b7d4e
    """
    with _store() as store:
        for token_id in token_ids:
            store.tokens.revoke(token_id)  # NotFound (exit 2) for an unknown or already revoked ID
            click.echo(f"token {token_id} revoked")
