"""Authentication (SPEC §2.7) and the per-response Argo headers, as one raw ASGI middleware.

``server`` mode: no token (allowed only on a loopback address). ``client`` mode: every request but
``/healthz`` carries a token created with ``argento auth token create``, as ``Authorization: Bearer <token>``
or as the UI's ``authorization`` cookie; the store keeps only its SHA-256 and compares in constant time.
Verified tokens are remembered for :data:`CACHE_SECONDS` (by digest), so a revocation takes effect within
that time and the per-request cost is one hash.

Steps reach the server too (``argento deploy`` in a pipeline, like a pod's service-account token): in
``client`` mode the server holds one random *step token*, never stored, valid only while this server process
lives, handed to every step as ``ARGENTO_TOKEN``; requests made with it have the subject ``argento-steps``.

Cookie sessions (the UI) also need an anti-CSRF token on every state-changing request: the browser attaches
the ``authorization`` cookie to any request to this origin, so the cookie alone proves nothing about who
wrote the request. The token is an HMAC of the session token under a key of this server process, handed to
the UI in the ``argento-csrf`` cookie (readable by the UI's script, which sends it back as the
``X-CSRF-Token`` header). Another origin can neither read that cookie nor compute the HMAC, and a cookie it
plants does not match the session. Bearer-header clients (CLI, Hera, steps) need no such token: a page cannot
make a browser send an ``Authorization`` header cross-site.

A stream (logs, watches) re-checks its token every :data:`CACHE_SECONDS` (``request.state.credential``),
so a revoked token stops an open stream too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import time
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import unquote

from argento.errors import ArgentoError, PermissionDenied, SpecError, Unauthenticated
from argento.server.ui import is_ui_path
from argento.server.wire import dumps
from argento.store import Store, TokenRecord

CACHE_SECONDS = 5.0
STEP_SUBJECT = "argento-steps"
PUBLIC_PATHS = frozenset({"/healthz"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_COOKIE = "argento-csrf"
CSRF_HEADER = b"x-csrf-token"
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


def _cookies(headers: dict[bytes, bytes]) -> dict[str, str]:
    if b"cookie" not in headers:
        return {}
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(headers[b"cookie"].decode("latin-1"))
    except Exception:  # a malformed cookie header carries nothing
        return {}
    return {k: unquote(m.value) for k, m in cookie.items()}


def credential(headers: dict[bytes, bytes]) -> tuple[str, bool]:
    """The token of ``Authorization: Bearer …`` or of the ``authorization`` cookie, and whether it came
    from the cookie."""
    raw = headers.get(b"authorization")
    from_cookie = False
    if raw is None:
        value = _cookies(headers).get("authorization")
        raw = value.encode("latin-1", "replace") if value is not None else None
        from_cookie = raw is not None
    if not raw:
        return "", False
    text = raw.decode("latin-1").strip()
    if text.lower().startswith("bearer "):
        text = text[7:].strip()
    return text, from_cookie


def bearer_token(headers: dict[bytes, bytes]) -> str:
    """The token of ``Authorization: Bearer …`` or of the ``authorization`` cookie."""
    return credential(headers)[0]


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
        self._csrf_key = secrets.token_bytes(32)

    def csrf_token(self, token: str) -> str:
        """The anti-CSRF token of a cookie session (see the module docstring)."""
        mac = hmac.new(self._csrf_key, b"argento-csrf\0" + token.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

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
            token, from_cookie = credential(headers)
            record = self.auth.verify(token)
            if record is None:
                error = Unauthenticated("token not valid (use `argento auth token create`)")
                await _refuse(send_with_version, error, [(b"www-authenticate", b"Bearer")])
                return
            state = scope.setdefault("state", {})
            state["subject"] = record.name
            state["credential"] = lambda: self.auth.verify(token) is not None
            if from_cookie:
                expected = self.auth.csrf_token(token)
                set_cookie = (
                    _csrf_cookie(expected) if _cookies(headers).get(CSRF_COOKIE) != expected else None
                )
                if scope["method"] not in SAFE_METHODS and not hmac.compare_digest(
                    headers.get(CSRF_HEADER, b""), expected.encode()
                ):
                    error = PermissionDenied(
                        "missing or invalid CSRF token: send the argento-csrf cookie's value as X-CSRF-Token"
                    )
                    await _refuse(send_with_version, error, [set_cookie] if set_cookie else [])
                    return
                if set_cookie is not None:
                    send_with_version = _with_header(send_with_version, set_cookie)
        await self.app(scope, receive, send_with_version)


def _csrf_cookie(value: str) -> tuple[bytes, bytes]:
    # Not HttpOnly: the UI's script reads it to send it back as a header (that is the point).
    return b"set-cookie", f"{CSRF_COOKIE}={value}; Path=/; SameSite=Strict".encode()


def _with_header(send: Any, extra: tuple[bytes, bytes]) -> Any:
    async def sending(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), extra]
        await send(message)

    return sending


async def _refuse(send: Any, error: ArgentoError, headers: list[tuple[bytes, bytes]]) -> None:
    body = dumps(error.to_dict())
    await send(
        {
            "type": "http.response.start",
            "status": error.http_status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
