"""Argo Server's error answers back into :mod:`argento.errors` classes.

Argo Server (grpc-gateway) answers an error with an HTTP status and a body ``{"code": <gRPC code>,
"message": …}``; inside a stream the same error arrives as a line ``{"error": {"grpcCode", "httpCode",
"message", …}}``. The gRPC code is the more precise of the two (grpc-gateway maps FAILED_PRECONDITION to
400, like INVALID_ARGUMENT), so it decides when present and the HTTP status decides otherwise. The server
side uses the same classes (``ArgentoError.to_dict``), so a round trip gives back the error raised.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from argento.errors import (
    AlreadyExists,
    ArgentoError,
    Conflict,
    NotFound,
    PermissionDenied,
    SpecError,
    Unauthenticated,
    Unavailable,
)

if TYPE_CHECKING:
    import httpx

#: gRPC status code -> error class (codes from google.golang.org/grpc/codes).
BY_GRPC_CODE: dict[int, type[ArgentoError]] = {
    3: SpecError,  # INVALID_ARGUMENT
    5: NotFound,  # NOT_FOUND
    6: AlreadyExists,  # ALREADY_EXISTS
    7: PermissionDenied,  # PERMISSION_DENIED
    9: Conflict,  # FAILED_PRECONDITION
    10: Conflict,  # ABORTED
    14: Unavailable,  # UNAVAILABLE
    16: Unauthenticated,  # UNAUTHENTICATED
}

#: HTTP status -> error class, when the body carries no gRPC code.
BY_HTTP_STATUS: dict[int, type[ArgentoError]] = {
    400: SpecError,
    401: Unauthenticated,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    412: Conflict,
    422: SpecError,
    502: Unavailable,
    503: Unavailable,
    504: Unavailable,
}


def error_from_body(status: int, body: Any, *, url: str = "") -> ArgentoError:
    """The :class:`ArgentoError` for an HTTP ``status`` and a decoded error ``body`` (any shape)."""
    code: int | None = None
    message = ""
    if isinstance(body, dict):
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        raw_code = inner.get("code", inner.get("grpcCode"))
        if isinstance(raw_code, int) and not isinstance(raw_code, bool):
            code = raw_code
        message = str(
            inner.get("message") or (body.get("error") if isinstance(body.get("error"), str) else "")
        )
        if not status and isinstance(inner.get("httpCode"), int):
            status = inner["httpCode"]
    elif isinstance(body, str):
        message = body.strip()
    cls = BY_GRPC_CODE.get(code) if code is not None else None
    if cls is None:
        cls = BY_HTTP_STATUS.get(status, ArgentoError)
    if cls is Conflict and "already exists" in message:
        cls = AlreadyExists
    if not message:
        message = f"{status} {_reason(status)}".strip() + (f" from {url}" if url else "")
    if cls is Unauthenticated and "token" not in message.lower():
        message += " (pass a token with --token or ARGENTO_TOKEN)"
    return cls(message)


def error_from_response(response: httpx.Response) -> ArgentoError:
    """The error for a non-2xx httpx ``response``; reads its body (JSON or text)."""
    import httpx

    try:
        response.read()
        text = response.text
    except httpx.HTTPError:
        text = ""
    try:
        body: Any = json.loads(text) if text else None
    except ValueError:
        body = text[:500]
    return error_from_body(response.status_code, body, url=str(response.request.url))


def unavailable(server: str, exc: BaseException) -> Unavailable:
    """A one-line :class:`Unavailable` naming the server URL and how to point elsewhere (``exc``: what the
    standard library's ``http.client`` or httpx raised)."""
    why = str(exc) or type(exc).__name__
    httpx = sys.modules.get("httpx")  # an httpx error means httpx is loaded; never imported for this
    if isinstance(exc, ConnectionRefusedError) or (httpx is not None and isinstance(exc, httpx.ConnectError)):
        why = "connection refused" if "refused" in str(exc).lower() or not str(exc) else str(exc)
    elif isinstance(exc, TimeoutError) or (httpx is not None and isinstance(exc, httpx.TimeoutException)):
        why = "timed out"
    return Unavailable(
        f"cannot reach the server at {server} ({why}); start one with `argento server` "
        "or point --server / ARGENTO_SERVER at it"
    )


def _reason(status: int) -> str:
    try:
        from http import HTTPStatus

        return HTTPStatus(status).phrase
    except ValueError:
        return ""
