"""Request parsing and responses in Argo Server's wire format.

Every malformed input becomes a :class:`~argento.errors.SpecError` naming the field (``workflow.spec``,
``listOptions.limit``), which the app answers with 400 and Argo's ``{"code", "message"}`` body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from argento.errors import ArgentoError, PayloadTooLarge, SpecError
from argento.store import ListQuery
from argento.store.selectors import apply_name_filter, parse_field_selector, parse_label_selector

#: Largest request body accepted (Argo Server's gRPC limit is 100 MiB; manifests are far smaller).
MAX_BODY = 64 * 1024 * 1024

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dumps(value: Any) -> bytes:
    """Compact JSON, as grpc-gateway writes it."""
    return _encoder.encode(value).encode()


class JSONResponse(Response):
    """A JSON response without Starlette's per-call encoder setup."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def error_response(exc: ArgentoError) -> JSONResponse:
    """Argo's error body with the error's own HTTP status (the one mapping, in :mod:`argento.errors`)."""
    return JSONResponse(exc.to_dict(), status_code=exc.http_status)


async def read_json(request: Request, *, required: bool = True) -> Any:
    """The JSON body; an empty body is ``{}`` unless ``required``."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BODY:
        raise PayloadTooLarge(f"request body larger than {MAX_BODY} bytes")
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise PayloadTooLarge(f"request body larger than {MAX_BODY} bytes")
    if not raw.strip():
        if required:
            raise SpecError("request body is required")
        return {}
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise SpecError(f"request body is not valid JSON: {exc}") from None


def body_object(body: Any) -> dict[str, Any]:
    """The body must be a JSON object."""
    if not isinstance(body, dict):
        raise SpecError(f"request body must be a JSON object, got {type_name(body)}")
    return body


def type_name(value: Any) -> str:
    """JSON's name for a Python value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def field(
    body: Mapping[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    *,
    required: bool = False,
    path: str = "",
) -> Any:
    """``body[key]`` checked against a JSON type; a missing optional field is None."""
    where = f"{path}.{key}" if path else key
    value = body.get(key)
    if value is None:
        if required:
            raise SpecError(f"{where} is required", path=where)
        return None
    if (
        isinstance(value, bool)
        and kind is not bool
        and (kind is int or (isinstance(kind, tuple) and bool not in kind))
    ):
        raise SpecError(f"{where} must be {_kind_name(kind)}, got boolean", path=where)
    if not isinstance(value, kind):
        raise SpecError(f"{where} must be {_kind_name(kind)}, got {type_name(value)}", path=where)
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "an integer"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def string_list(body: Mapping[str, Any], key: str, path: str = "") -> list[str]:
    """An optional array of strings."""
    value = field(body, key, list, path=path) or []
    where = f"{path}.{key}" if path else key
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise SpecError(f"{where}[{i}] must be a string, got {type_name(item)}", path=f"{where}[{i}]")
    return value


def query_int(request: Request, name: str, default: int = 0) -> int:
    """An integer query parameter."""
    text = request.query_params.get(name)
    if text in (None, ""):
        return default
    try:
        value = int(text)
    except ValueError:
        raise SpecError(f"{name} must be an integer, got {text!r}", path=name) from None
    if value < 0 or value > 2**62:
        raise SpecError(f"{name} must be a non-negative integer", path=name)
    return value


def query_bool(request: Request, name: str) -> bool:
    """A boolean query parameter (``true``/``false``/``1``/``0``)."""
    text = (request.query_params.get(name) or "").lower()
    if text in ("", "false", "0"):
        return False
    if text in ("true", "1"):
        return True
    raise SpecError(f"{name} must be true or false, got {text!r}", path=name)


def list_query(request: Request, namespace: str | None) -> ListQuery:
    """Kubernetes ``ListOptions`` from ``listOptions.*`` query parameters."""
    params = request.query_params
    return ListQuery(
        namespace=namespace or None,
        labels=parse_label_selector(params.get("listOptions.labelSelector")),
        fields=apply_name_filter(
            parse_field_selector(params.get("listOptions.fieldSelector")), params.get("nameFilter")
        ),
        limit=query_int(request, "listOptions.limit"),
        continue_token=params.get("listOptions.continue") or "",
        name_prefix=params.get("namePrefix") or "",
    )


def list_body(
    items: list[dict[str, Any]],
    *,
    continue_token: str = "",
    remaining: int | None = None,
    resource_version: str = "",
) -> dict[str, Any]:
    """A Kubernetes list: ``{"metadata": {...}, "items": [...]}``.

    No items is ``[]``, where Argo's server writes ``null`` (a nil Go slice): a deliberate difference, since
    ``null`` breaks the official Python SDK (``argo_workflows``) and older Hera (hera#720), and every client
    that copes with ``null`` copes with ``[]`` (docs/conformance.md)."""
    meta: dict[str, Any] = {}
    if resource_version:
        meta["resourceVersion"] = resource_version
    if continue_token:
        meta["continue"] = continue_token
    if remaining is not None:
        meta["remainingItemCount"] = remaining
    return {"metadata": meta, "items": items}


# ---------------------------------------------------------------------------------------------- fields
def apply_fields(value: Any, fields: str | None) -> Any:
    """Argo's ``fields`` mask: ``a.b,c`` keeps only those paths; ``-a.b,c`` drops them.

    Paths go through arrays (``items.metadata.name`` applies to every item).
    """
    if not fields or not fields.strip():
        return value
    exclude = fields.strip().startswith("-")
    paths = [p.strip().lstrip("-") for p in fields.split(",") if p.strip().lstrip("-")]
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        parts = path.split(".")
        for i, part in enumerate(parts):
            if i == len(parts) - 1:
                node[part] = True
            else:
                child = node.get(part)
                if child is True:
                    break
                node = node.setdefault(part, {})
    return _go_shape(_drop(value, tree) if exclude else _keep(value, tree))


def _go_shape(value: Any) -> Any:
    """Argo re-marshals a masked answer through its Go types, whose struct fields are always written: a list
    keeps its ``metadata`` and every resource its ``metadata``, ``spec`` and ``status`` (as ``{}`` when masked
    away). Clients (Hera, the argo SDK) require them."""
    if isinstance(value, dict) and "items" in value:
        value.setdefault("metadata", {})
        for item in value.get("items") or []:
            if isinstance(item, dict):
                for key in ("metadata", "spec", "status"):
                    item.setdefault(key, {})
    elif isinstance(value, dict) and ("metadata" in value or "spec" in value or "status" in value):
        for key in ("metadata", "spec", "status"):
            value.setdefault(key, {})
    return value


def _keep(value: Any, tree: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [_keep(v, tree) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, sub in tree.items():
        if key in value:
            out[key] = value[key] if sub is True else _keep(value[key], sub)
    return out


def _drop(value: Any, tree: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [_drop(v, tree) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        sub = tree.get(key)
        if sub is True:
            continue
        out[key] = _drop(item, sub) if sub else item
    return out
