"""BentoService: the bento store over REST (``/api/v1/bentos``, SPEC §2.7/§3.5).

``GET /api/v1/bentos`` (``name`` filter), ``GET /api/v1/bentos/{tag}`` (``name`` or ``name:version``),
``DELETE /api/v1/bentos/{tag}``. Building stays on the client side (``argento build`` reads local source).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from argento.server.api import Api
from argento.server.context import ctx

api = Api()
TAG = "BentoService"


def _store(request: Request) -> Any:
    from argento.deployments.bentos import BentoStore

    return BentoStore.from_settings(ctx(request).settings)


@api.route("GET", "/api/v1/bentos", "ListBentos", tag=TAG, query=("name",))
async def list_bentos(request: Request) -> Any:
    """Every bento (of ``name``), newest first."""
    return {"items": [b.to_dict() for b in _store(request).list(request.query_params.get("name") or None)]}


@api.route("GET", "/api/v1/bentos/{tag}", "GetBento", tag=TAG)
async def get_bento(request: Request) -> Any:
    """One bento's manifest (``name`` alone: the newest version)."""
    return _store(request).get(request.path_params["tag"]).to_dict()


@api.route("DELETE", "/api/v1/bentos/{tag}", "DeleteBento", tag=TAG)
async def delete_bento(request: Request) -> Any:
    """Delete a version (or every version of a name)."""
    return {"deleted": _store(request).delete(request.path_params["tag"])}
