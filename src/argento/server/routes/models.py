"""ModelService: the model store over REST (``/api/v1/models``, SPEC §2.7/§3.1).

``GET /api/v1/models`` lists every version (``name`` filter) with the aliases pointing at it;
``GET /api/v1/models/{name}`` one model (versions, current aliases); ``GET /api/v1/models/{name}/history`` its
append-only alias log; ``GET /api/v1/models/{name}/{version}`` one version (``version`` may be an alias or
``latest``); ``PUT``/``DELETE /api/v1/models/{name}/aliases/{alias}`` move or remove an alias. Saving stays
on the client side (``argento.models.save`` writes local files).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from argento.server.api import OBJ, STR, Api, obj
from argento.server.context import ctx
from argento.server.wire import body_object, read_json

api = Api()
TAG = "ModelService"


def _store(request: Request) -> Any:
    from argento.registry.store import ModelStore

    return ModelStore.from_settings(ctx(request).settings)


def _version(model: Any, aliases: dict[str, str]) -> dict[str, Any]:
    data = model.to_dict()
    data.pop("path", None)  # a server-side path means nothing to a client
    data["aliases"] = sorted(a for a, v in aliases.items() if v == model.version)
    return data


@api.route("GET", "/api/v1/models", "ListModels", tag=TAG, query=("name",))
async def list_models(request: Request) -> Any:
    """Every model version (of ``name``), newest first, each with the aliases that point at it."""
    store = _store(request)
    name = request.query_params.get("name") or None
    models = store.list(name)
    aliases = {n: store.aliases(n) for n in {m.name for m in models}}
    return {"items": [_version(m, aliases[m.name]) for m in models]}


@api.route("GET", "/api/v1/models/{name}", "GetModel", tag=TAG)
async def get_model(request: Request) -> Any:
    """One model: its versions (newest first) and its current aliases."""
    store = _store(request)
    name = request.path_params["name"]
    versions = store.list(name)
    if not versions:
        from argento.errors import NotFound

        raise NotFound(f'model "{name}" not found')
    aliases = store.aliases(name)
    return {"name": name, "aliases": aliases, "versions": [_version(m, aliases) for m in versions]}


@api.route("GET", "/api/v1/models/{name}/history", "GetModelAliasHistory", tag=TAG, query=("alias",))
async def alias_history(request: Request) -> Any:
    """The alias log: which version each alias pointed at, and when it moved."""
    events = _store(request).history(request.path_params["name"], request.query_params.get("alias") or None)
    return {"events": [e.to_dict() for e in events]}


@api.route("GET", "/api/v1/models/{name}/{version}", "GetModelVersion", tag=TAG)
async def get_version(request: Request) -> Any:
    """One version (a version, an alias, or ``latest``)."""
    store = _store(request)
    name = request.path_params["name"]
    model = store.get(f"{name}:{request.path_params['version']}")
    return _version(model, store.aliases(name))


@api.route(
    "PUT",
    "/api/v1/models/{name}/aliases/{alias}",
    "SetModelAlias",
    tag=TAG,
    body=obj(version=STR, labels=OBJ),
)
async def set_alias(request: Request) -> Any:
    """Point ``alias`` at ``version`` (recorded in the alias history)."""
    body = body_object(await read_json(request))
    version = body.get("version")
    if not isinstance(version, str) or not version:
        from argento.errors import SpecError

        raise SpecError("version is required", path="version")
    name = request.path_params["name"]
    event = _store(request).tag(f"{name}:{version}", request.path_params["alias"])
    return event.to_dict()


@api.route("DELETE", "/api/v1/models/{name}/aliases/{alias}", "DeleteModelAlias", tag=TAG)
async def delete_alias(request: Request) -> Any:
    """Remove ``alias`` (recorded in the alias history)."""
    return _store(request).untag(request.path_params["name"], request.path_params["alias"]).to_dict()
