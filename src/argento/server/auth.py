"""Authentication (SPEC §2.7) and the per-response Argo headers, as one raw ASGI middleware.

``server`` mode: no token (allowed only on a loopback address). ``client`` mode: every request but
``/healthz`` carries a token created with ``argento auth token create``, as ``Authorization: Bearer <token>``
or as the UI's ``authorization`` cookie; the store keeps only its SHA-256 and compares in constant time.
Verified tokens are remembered for :data:`CACHE_SECONDS` (by digest), so a revocation takes effect within
that time and the per-request cost is one hash.

Steps reach the server too (``argento deploy`` in a pipeline, like a pod's service-account token): in
``client`` mode the server holds one random *step token*, never stored, valid only while this server process
lives, handed to every step as ``ARGENTO_TOKEN``; requests made with it have the subject ``argento-steps``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import unquote

from argento.errors import SpecError, Unauthenticated
from argento.server.ui import is_ui_path
from argento.server.wire import dumps
from argento.store import Store, TokenRecord

CACHE_SECONDS = 5.0
STEP_SUBJECT = "argento-steps"
PUBLIC_PATHS = frozenset({"/healthz"})
MODES = ("server", "client")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, mode: str) -> None:
    """Refuse to serve a non-loopback address without client authentication."""
    if mode not in MODES:
        raise SpecError(f"--auth-mode must be server or client, got {mode!r}", path="--auth-mode")
    if mode == "server" and not is_loopback(host):
        raise SpecError(
            f"refusing to bind {host} without authentication: use --auth-mode client "
            "(and `argento auth token create`) or bind 127.0.0.1",
            path="--host",
        )


def bearer_token(headers: dict[bytes, bytes]) -> str:
    """The token of ``Authorization: Bearer …`` or of the ``authorization`` cookie."""
    raw = headers.get(b"authorization")
    if raw is None and b"cookie" in headers:
        cookie = SimpleCookie()
        try:
            cookie.load(headers[b"cookie"].decode("latin-1"))
        except Exception:  # a malformed cookie header is no credential
            return ""
        morsel = cookie.get("authorization")
        raw = unquote(morsel.value).encode() if morsel is not None else None
    if not raw:
        return ""
    text = raw.decode("latin-1").strip()
    if text.lower().startswith("bearer "):
        text = text[7:].strip()
    return text


class Auth:
    """Token checks for one server."""

    def __init__(self, store: Store, mode: str = "server") -> None:
        if mode not in MODES:
            raise SpecError(f"auth mode must be server or client, got {mode!r}", path="--auth-mode")
        self.store = store
        self.mode = mode
        self._cache: dict[bytes, tuple[TokenRecord, float]] = {}
        #: What steps send back (client mode only); see the module docstring.
        self.step_token = secrets.token_urlsafe(32) if mode == "client" else ""
        self._step_record = TokenRecord(id="steps", name=STEP_SUBJECT, created_at="")

    def verify(self, token: str) -> TokenRecord | None:
        """The token's record, or None if it is unknown or revoked."""
        if not token:
            return None
        if self.step_token and hmac.compare_digest(token.encode(), self.step_token.encode()):
            return self._step_record
        digest = hashlib.sha256(token.encode()).digest()
        hit = self._cache.get(digest)
        now = time.monotonic()
        if hit is not None and hit[1] > now:
            return hit[0]
        record = self.store.tokens.verify(token)
        if record is None:
            self._cache.pop(digest, None)
            return None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (record, now + CACHE_SECONDS)
        return record


class ArgoMiddleware:
    """Authenticates requests (client mode) and adds ``Grpc-Metadata-Argo-Version`` to every response."""

    def __init__(self, app: Any, auth: Auth, version: str) -> None:
        self.app = app
        self.auth = auth
        self.version_header = (b"grpc-metadata-argo-version", version.encode())

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = self.version_header

        async def send_with_version(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        if self.auth.mode == "client" and scope["path"] not in PUBLIC_PATHS and not is_ui_path(scope["path"]):
            headers = dict(scope.get("headers") or [])
            record = self.auth.verify(bearer_token(headers))
            if record is None:
                body = dumps(Unauthenticated("token not valid (use `argento auth token create`)").to_dict())
                await send_with_version(
                    {
                        "type": "http.response.start",
                        "status": Unauthenticated.http_status,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"www-authenticate", b"Bearer"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
            scope.setdefault("state", {})["subject"] = record.name
        await self.app(scope, receive, send_with_version)
