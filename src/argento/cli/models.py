"""``argento models``: list, inspect, alias, label, delete, export and import stored models."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from argento.errors import SpecError


def _store() -> Any:
    from argento.registry.store import default_store

    return default_store()


def _when(dt: datetime) -> str:
    return dt.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def _table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    for row in [headers, *rows]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _parse_time(value: str) -> datetime:
    text = value.strip()
    if text.lower() == "now":
        return datetime.now().astimezone()
    try:
        return datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        raise SpecError(f"invalid time {value!r}: use ISO 8601, e.g. 2026-11-26T15:30:00Z") from None


def _dump(data: Any, output: str) -> None:
    if output == "json":
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        import yaml

        click.echo(yaml.safe_dump(data, sort_keys=False).rstrip())


@click.group("models")
def models() -> None:
    """Manage the model store (<ARGENTO_HOME>/models): versions, aliases, labels, archives.

    Tags are NAME:VERSION, NAME:ALIAS, NAME or NAME:latest (newest by creation).

    \b
    Examples:
      argento models list
      argento models get iris:production -o json
      argento models tag iris:latest production
      argento models history iris --alias production --at 2026-11-01T12:00:00Z
    """


@models.command("list")
@click.argument("name", required=False)
@click.option(
    "-o", "--output", type=click.Choice(["table", "json", "yaml"]), default="table", show_default=True
)
def list_models(name: str | None, output: str) -> None:
    """List stored versions (of NAME if given), newest first.

    \b
    Example:
      argento models list iris -o json
    """
    store = _store()
    found = store.list(name)
    aliases = {n: store.aliases(n) for n in {m.name for m in found}}

    def alias_names(m: Any) -> list[str]:
        return sorted(a for a, v in aliases[m.name].items() if v == m.version)

    if output != "table":
        _dump([{**m.to_dict(), "aliases": alias_names(m)} for m in found], output)
        return
    rows = [
        [m.tag, m.framework, _size(m.size_bytes), ",".join(alias_names(m)), _when(m.created_at)]
        for m in found
    ]
    _table(["TAG", "FRAMEWORK", "SIZE", "ALIASES", "CREATED"], rows)


@models.command("get")
@click.argument("tag")
@click.option("-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
def get_model(tag: str, output: str) -> None:
    """Show one version: manifest, current labels and the aliases pointing to it.

    \b
    Example:
      argento models get iris:production -o json
    """
    store = _store()
    model = store.get(tag)
    data = model.to_dict()
    data["aliases"] = sorted(a for a, v in store.aliases(model.name).items() if v == model.version)
    _dump(data, output)


@models.command("tag")
@click.argument("tag")
@click.argument("alias")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--mirror-mlflow", is_flag=True, help="Also point the MLflow registry's alias at this version.")
def tag_model(tag: str, alias: str, output: str, mirror_mlflow: bool) -> None:
    """Point ALIAS at the version TAG means (moving it if it pointed elsewhere).

    \b
    Examples:
      argento models tag iris:20261126-153012-4f9c production
      argento models tag iris:staging production      # promote what staging points to
      argento models tag iris:v3 champion --mirror-mlflow   # and models:/iris@champion in MLflow
    """
    event = _store().tag(tag, alias)
    if mirror_mlflow:
        from argento.tracking.aliases import mirror_alias

        mirrored = mirror_alias(f"{tag.partition(':')[0]}:{event.to_version}", alias)
        click.echo(f"mlflow: models:/{mirrored[0]}@{alias} → version {mirrored[1]}", err=True)
    if output == "json":
        click.echo(json.dumps(event.to_dict(), indent=2))
        return
    name = tag.partition(":")[0].strip().lower()
    before = f"{name}:{event.from_version}" if event.from_version else "(none)"
    click.echo(f"{name}:{event.alias}: {before} → {name}:{event.to_version}")


@models.command("untag")
@click.argument("name")
@click.argument("alias")
def untag_model(name: str, alias: str) -> None:
    """Remove ALIAS from model NAME (recorded in its history).

    \b
    Example:
      argento models untag iris canary
    """
    event = _store().untag(name, alias)
    click.echo(f"{name}:{event.alias}: removed (was {name}:{event.from_version})")


@models.command("history")
@click.argument("name")
@click.option("--alias", "alias", default=None, help="Only this alias.")
@click.option("--at", "at", default=None, help="Show where the aliases pointed at this time (ISO 8601).")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
def history(name: str, alias: str | None, at: str | None, output: str) -> None:
    """Alias history of NAME: who moved which alias from which version to which, and when.

    With --at, print which version each alias (or --alias) pointed to at that time.

    \b
    Examples:
      argento models history iris
      argento models history iris --alias production --at 2026-11-01T12:00:00Z -o json
    """
    store = _store()
    if at is not None:
        when = _parse_time(at)
        if alias is not None:
            state = {alias: store.resolve_at(f"{name}:{alias}", when)}
        else:
            state = store.aliases(name, at=when)
        if output == "json":
            click.echo(json.dumps({"time": when.isoformat(), "aliases": state}, indent=2))
        else:
            _table(["ALIAS", "VERSION"], [[a, v] for a, v in state.items()])
        return
    events = store.history(name, alias)
    if output == "json":
        click.echo(json.dumps([e.to_dict() for e in events], indent=2))
        return
    rows = [
        [_when(e.time), e.alias, e.from_version or "-", e.to_version or "-", e.action, e.user] for e in events
    ]
    _table(["TIME", "ALIAS", "FROM", "TO", "ACTION", "USER"], rows)


@models.command("delete")
@click.argument("tag")
@click.option("--force", is_flag=True, help="Also remove aliases that point to the deleted version(s).")
def delete_model(tag: str, force: bool) -> None:
    """Delete a version (NAME:VERSION, NAME:ALIAS) or every version of NAME.

    Refused while an alias points to a version being deleted, unless --force.

    \b
    Examples:
      argento models delete iris:v1
      argento models delete iris:v3 --force
    """
    for deleted in _store().delete(tag, force=force):
        click.echo(f"deleted {deleted}")


@models.command("export")
@click.argument("tag")
@click.argument("path")
def export_model(tag: str, path: str) -> None:
    """Export one version to an archive file, a folder, or s3://BUCKET/KEY.

    \b
    Examples:
      argento models export iris:production ./iris.argento-model
      argento models export iris:v3 s3://models/iris/
    """
    from argento.registry.archive import export_model as export

    click.echo(export(_store(), tag, path))


@models.command("import")
@click.argument("path")
def import_model(path: str) -> None:
    """Import an archive made by `argento models export` (a file or s3://BUCKET/KEY).

    \b
    Example:
      argento models import ./iris-v3.argento-model
    """
    from argento.registry.archive import import_model as do_import

    click.echo(do_import(_store(), path).tag)


@models.command("import-mlflow")
@click.argument("uri")
@click.option("--name", default=None, help="Store name (default: the MLflow registered model's name).")
@click.option("--alias", default=None, help="Also point this alias at the imported version.")
@click.option("--mirror-alias", is_flag=True, help="For models:/NAME@ALIAS: move the same alias here too.")
@click.option("--tracking-uri", default=None, help="MLflow server [default: MLFLOW_TRACKING_URI, or `argento up`'s].")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def import_mlflow(
    uri: str, name: str | None, alias: str | None, mirror_alias: bool, tracking_uri: str | None, output: str
) -> None:
    """Copy an MLflow model into the store, with its run id, metrics and params as metadata.

    URI: models:/NAME@ALIAS, models:/NAME/STAGE, models:/NAME/VERSION, models:/m-ID or runs:/RUN_ID/PATH.
    Importing the same MLflow version again prints the version already stored.

    \b
    Examples:
      argento models import-mlflow models:/iris@champion
      argento models import-mlflow models:/iris/Production --alias production
      argento models import-mlflow runs:/0b5e…/model --name iris -o json
    """
    from argento.tracking.bridge import import_mlflow as do_import
    from argento.tracking.uris import MlflowURI

    parsed = MlflowURI.parse(uri)
    if mirror_alias:
        if parsed.kind != "alias":
            raise SpecError("--mirror-alias needs a models:/NAME@ALIAS URI")
        alias = alias or parsed.ref
    model = do_import(uri, name=name, alias=alias, tracking_uri=tracking_uri, store=_store())
    if output == "json":
        click.echo(json.dumps(model.to_dict(), indent=2, default=str))
        return
    lineage = model.metadata.get("mlflow") or {}
    click.echo(f"{model.tag}  (framework {model.framework}, from {lineage.get('uri', uri)}, run {lineage.get('run_id') or '-'})")
    if alias:
        click.echo(f"{model.name}:{alias} → {model.tag}")


@models.command("labels")
@click.argument("tag")
@click.argument("changes", nargs=-1)
@click.option("--replace", is_flag=True, help="Replace all labels instead of merging.")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def labels(tag: str, changes: tuple[str, ...], replace: bool, output: str) -> None:
    """Show or change the labels of a version: KEY=VALUE sets, KEY- removes.

    \b
    Examples:
      argento models labels iris:v3
      argento models labels iris:v3 stage=prod owner=ana old-
    """
    updates: dict[str, Any] = {}
    for change in changes:
        if "=" in change:
            key, value = change.split("=", 1)
            updates[key] = value
        elif change.endswith("-") and len(change) > 1:
            updates[change[:-1]] = None
        else:
            raise SpecError(f"label change {change!r} must be KEY=VALUE or KEY-")
    store = _store()
    model = store.set_labels(tag, updates, replace=replace) if changes or replace else store.get(tag)
    if output == "json":
        click.echo(json.dumps(model.labels, indent=2))
        return
    for key, value in sorted(model.labels.items()):
        click.echo(f"{key}={value}")
