"""One page of a workflow's ``status.nodes`` (an Argento extension to Argo's API).

``GET /api/v1/workflows/{namespace}/{name}`` answers the whole workflow as Argo does, ``status.nodes`` and all;
for a workflow of 100,000 nodes that is a body of ~50 MB. ``GET …/{name}/nodes?limit=&continue=&fields=``
answers the nodes a page at a time instead, in a stable order (node ID, ascending) with a ``continue`` token,
as Kubernetes pages a list:

    {"metadata": {"continue": "<token>"}, "items": [{"id": …, "name": …, "phase": …}, …]}

The token names the workflow (its UID) and the last node ID of the page; the next page starts after that ID.
Paging through a finished workflow returns every node exactly once; paging through a running one returns every
node that existed when paging began exactly once, and nodes created meanwhile if their ID sorts after the
page being read. ``fields`` (``id,name,phase``) keeps only those fields of each node.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from argento.errors import SpecError

if TYPE_CHECKING:
    from argento.server.manager import Run, WorkflowManager

#: Nodes per page when ``limit`` is not given, and the most one page may hold.
DEFAULT_LIMIT = 500
MAX_LIMIT = 10_000


@dataclass(frozen=True)
class PageRequest:
    """The validated query of a node page."""

    limit: int
    after: str  # the last node ID of the previous page ("" for the first page)
    uid: str  # the workflow the token was issued for ("" for the first page)
    fields: tuple[str, ...]  # empty: every field


def parse_request(params: dict[str, str]) -> PageRequest:
    """``limit``, ``continue`` and ``fields`` checked; a bad one is a `SpecError` (400) naming it."""
    text = params.get("limit")
    limit = DEFAULT_LIMIT
    if text not in (None, ""):
        try:
            limit = int(text)
        except ValueError:
            raise SpecError(f"limit must be an integer, got {text!r}", path="limit") from None
        if not 1 <= limit <= MAX_LIMIT:
            raise SpecError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}", path="limit")
    uid, after = "", ""
    token = params.get("continue")
    if token:
        uid, after = decode_token(token)
    fields = tuple(f.strip() for f in (params.get("fields") or "").split(",") if f.strip())
    return PageRequest(limit=limit, after=after, uid=uid, fields=fields)


def encode_token(uid: str, after: str) -> str:
    raw = json.dumps({"uid": uid, "after": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> tuple[str, str]:
    """The (workflow UID, last node ID) of a ``continue`` token; a token not made by `encode_token` is a 400."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError):
        raise SpecError(
            "continue is not a token this server issued (pass the metadata.continue of the previous page)",
            path="continue",
        ) from None
    if not (
        isinstance(data, dict)
        and isinstance(data.get("uid"), str)
        and isinstance(data.get("after"), str)
        and data["after"]
    ):
        raise SpecError(
            "continue is not a token this server issued (pass the metadata.continue of the previous page)",
            path="continue",
        )
    return data["uid"], data["after"]


def node_page(manager: WorkflowManager, namespace: str, name: str, req: PageRequest) -> dict[str, Any]:
    """The page ``req`` asks for of the workflow's nodes (live while it runs, else from the store)."""
    run = manager.live(namespace, name)
    if run is not None:
        uid = run.uid
        _check_uid(req, uid)
        pairs, more = _live_page(run, req)
    else:
        uid, pairs, more = manager.store.workflows.page_nodes(namespace, name, req.after, req.limit)
        _check_uid(req, uid)
    items = [_only(node, req.fields) for _, node in pairs]
    meta: dict[str, Any] = {}
    if more and pairs:
        meta["continue"] = encode_token(uid, pairs[-1][0])
    return {"metadata": meta, "items": items}


def _check_uid(req: PageRequest, uid: str) -> None:
    if req.uid and req.uid != uid:
        raise SpecError(
            "continue was issued for another workflow (or an earlier one of the same name)", path="continue"
        )


def _live_page(run: Run, req: PageRequest) -> tuple[list[tuple[str, dict[str, Any]]], bool]:
    """The page from the running engine's state, without building the whole status."""
    from argento.server.runs import omit_unset

    nodes = run.runner.state.nodes
    ids = run.sorted_node_ids()
    start = bisect.bisect_right(ids, req.after) if req.after else 0
    chosen = ids[start : start + req.limit]
    pairs = [(nid, omit_unset(nodes[nid].to_dict())) for nid in chosen]
    return pairs, start + req.limit < len(ids)


def _only(node: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    if not fields:
        return node
    return {k: node[k] for k in fields if k in node}
