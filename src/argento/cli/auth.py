"""``argento auth token create|list|revoke``: API tokens for ``argento server --auth-mode client``."""

from __future__ import annotations

import json

import click

from argento.config import Settings


def _store():  # type: ignore[no-untyped-def]
    from argento.store import open_store

    return open_store(Settings.from_env())


@click.group("auth")
def auth() -> None:
    """Manage API tokens.

    \b
    Example:
      export ARGENTO_TOKEN=$(argento auth token create --name ci)
    """


@auth.group("token")
def token() -> None:
    """Create, list and revoke tokens (stored hashed; a token is shown once)."""


@token.command("create")
@click.option("--name", default="default", show_default=True, help="A label for the token.")
@click.option("-o", "--output", type=click.Choice(["name", "json"]), default="name")
def create(name: str, output: str) -> None:
    """Create a token and print it (it cannot be shown again).

    \b
    Example:
      argento auth token create --name ci
    """
    store = _store()
    try:
        record, secret = store.tokens.create(name)
    finally:
        store.close()
    if output == "json":
        click.echo(
            json.dumps(
                {"id": record.id, "name": record.name, "createdAt": record.created_at, "token": secret}
            )
        )
    else:
        click.echo(secret)


@token.command("list")
@click.option("-o", "--output", type=click.Choice(["wide", "json"]), default="wide")
def list_tokens(output: str) -> None:
    """List tokens (never their secrets).

    \b
    Example:
      argento auth token list -o json
    """
    store = _store()
    try:
        records = store.tokens.list()
    finally:
        store.close()
    if output == "json":
        click.echo(
            json.dumps(
                [
                    {"id": r.id, "name": r.name, "createdAt": r.created_at, "revokedAt": r.revoked_at}
                    for r in records
                ],
                indent=2,
            )
        )
        return
    click.echo(f"{'ID':<14}{'NAME':<20}{'CREATED':<22}REVOKED")
    for r in records:
        click.echo(f"{r.id:<14}{r.name:<20}{r.created_at:<22}{r.revoked_at or ''}")


@token.command("revoke")
@click.argument("token_id")
def revoke(token_id: str) -> None:
    """Revoke a token by its ID (see `argento auth token list`).

    \b
    Example:
      argento auth token revoke 3f2a9c1b7e0d
    """
    store = _store()
    try:
        store.tokens.revoke(token_id)
    finally:
        store.close()
    click.echo(f"revoked {token_id}")
