"""What keeps other web pages away from a local server: one raw ASGI middleware in front of everything.

``argento server`` listens on 127.0.0.1, where every browser of the machine can reach it. Without care any
web page could drive it: a "simple" cross-site POST (``Content-Type: text/plain``, sent without a CORS
preflight) would create a workflow that runs commands, and a DNS-rebinding page could read every answer.
So, like Jupyter and the Docker API, the server refuses, before any route runs:

- a ``Host`` it does not know (:mod:`argento.hosts`): 403 — the DNS-rebinding defence, on every path (UI,
  API, streams, artifacts, ``/metrics``, the deployment gateway);
- a state-changing request (anything but GET/HEAD/OPTIONS) from another origin: its ``Origin`` header is
  not this server's own (or one of ``ARGENTO_ALLOWED_ORIGINS``): 403. Without ``Origin``, a
  ``Sec-Fetch-Site`` of ``cross-site``/``same-site`` is refused the same way;
- an API body that is not ``application/json`` (the only type the API takes): 415, so the forms and
  ``text/plain`` bodies a page may send without a preflight are never read;
- an API body over ``ARGENTO_MAX_REQUEST_BYTES``: 413, from ``Content-Length`` at once, else counted while
  the body streams in (the body is never read whole before it is known to fit).

Every error is Argo's ``{"code", "message"}``. Answers get ``X-Content-Type-Options: nosniff``,
``X-Frame-Options: DENY`` and a Content-Security-Policy: the UI's allows only its own scripts, styles and
connections and no framing; every other answer of the server (API, artifact downloads) allows nothing at all,
so a downloaded HTML artifact cannot run script in the server's origin. The gateway's answers are the
deployed service's own and keep their headers (only ``nosniff`` and no framing are added).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from argento.config import Settings
from argento.errors import ArgentoError, PayloadTooLarge, PermissionDenied, SpecError, UnsupportedMediaType
from argento.hosts import HostCheck, header, split_host
from argento.server.ui import is_ui_path
from argento.server.wire import dumps

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_PREFIX = "/api/"
GATEWAY_PREFIX = "/deployments/"

UI_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: API answers and downloads are data, never a page: nothing may run or load, even if a browser renders one.
DATA_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"

_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
_UI_HEADERS = [*_COMMON, (b"content-security-policy", UI_CSP.encode())]
_DATA_HEADERS = [*_COMMON, (b"content-security-policy", DATA_CSP.encode())]
_GATEWAY_HEADERS = _COMMON[:2]


def is_json(content_type: str) -> bool:
    """``application/json`` or a ``+json`` type, with any parameters (``; charset=utf-8``)."""
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class Guard:
    """The checks of the module docstring, around the server's ASGI app."""

    def __init__(self, app: Any, settings: Settings, bind_host: str = "127.0.0.1") -> None:
        self.app = app
        self.hosts = HostCheck(bind_host, settings.allowed_hosts)
        self.origins = frozenset(o.strip().rstrip("/").lower() for o in settings.allowed_origins)
        self.max_body = settings.max_request_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket" and not self.hosts.allows(
                header(scope.get("headers") or [], b"host")
            ):
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers") or []
        path: str = scope.get("path", "")
        try:
            host = header(headers, b"host")
            if not self.hosts.allows(host):
                name = split_host((host or b"").decode("latin-1"))
                raise PermissionDenied(
                    f"host {name!r} is not allowed: this server answers localhost, its own address and the "
                    "names in ARGENTO_ALLOWED_HOSTS"
                )
            method = scope.get("method", "GET")
            if method not in SAFE_METHODS:
                self._check_origin(headers, host)
                if path.startswith(API_PREFIX):
                    receive = self._check_body(headers, receive)
        except ArgentoError as exc:
            await _answer(send, exc)
            return
        extra = (
            _GATEWAY_HEADERS
            if path.startswith(GATEWAY_PREFIX)
            else _UI_HEADERS
            if is_ui_path(path)
            else _DATA_HEADERS
        )

        async def send_secured(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_secured)

    def _check_origin(self, headers: list[tuple[bytes, bytes]], host: bytes | None) -> None:
        origin = header(headers, b"origin")
        if origin is None:
            site = header(headers, b"sec-fetch-site")
            if site in (b"cross-site", b"same-site"):
                raise PermissionDenied("cross-site requests may not change anything on this server")
            return
        text = origin.decode("latin-1").strip().rstrip("/").lower()
        if text in self.origins:
            return
        scheme, sep, netloc = text.partition("://")
        own = (host or b"").decode("latin-1").strip().lower()
        if sep and scheme in ("http", "https") and own and netloc == own:
            return
        raise PermissionDenied(
            f"origin {text!r} may not change anything on this server (only its own origin and "
            "ARGENTO_ALLOWED_ORIGINS may)"
        )

    def _check_body(self, headers: list[tuple[bytes, bytes]], receive: Receive) -> Receive:
        length_header = header(headers, b"content-length")
        ctype = header(headers, b"content-type")
        length = 0
        if length_header is not None:
            try:
                length = int(length_header)
            except ValueError:
                raise SpecError("invalid Content-Length header") from None
        has_body = length > 0 or header(headers, b"transfer-encoding") is not None
        if (has_body or ctype is not None) and not is_json((ctype or b"").decode("latin-1")):
            shown = (ctype or b"none").decode("latin-1").partition(";")[0].strip()
            raise UnsupportedMediaType(f"Content-Type must be application/json, got {shown!r}")
        limit = self.max_body
        if length > limit:
            raise PayloadTooLarge(_too_large(length, limit))
        total = 0

        async def limited() -> dict[str, Any]:
            nonlocal total
            message = await receive()
            if message["type"] == "http.request":
                total += len(message.get("body", b""))
                if total > limit:
                    raise PayloadTooLarge(_too_large(total, limit))
            return message

        return limited


def _too_large(size: int, limit: int) -> str:
    return (
        f"request body is larger than {limit} bytes (at least {size}); the limit is ARGENTO_MAX_REQUEST_BYTES"
    )


async def _answer(send: Send, exc: ArgentoError) -> None:
    body = dumps(exc.to_dict())
    await send(
        {
            "type": "http.response.start",
            "status": exc.http_status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *_DATA_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
