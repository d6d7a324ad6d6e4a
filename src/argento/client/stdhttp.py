"""The standard library's ``http.client`` under :class:`argento.client.http.HttpClient`.

The CLI's client commands (``submit``, ``get``, ``list``, ``delete``, ``logs``, …) are one process each, and
importing httpx (with httpcore, h11, anyio, certifi, idna and, through ``httpx._main``, rich and pygments)
cost them more than their whole request. This transport sends the same requests over one kept-alive
``http.client`` connection: the same ``Host`` (``host[:port]``), ``Accept`` and ``Authorization`` headers,
JSON bodies as ``application/json``, the same timeout for connecting and for each read, and for an ``https``
address the same certificates httpx trusts (``SSL_CERT_FILE``, ``SSL_CERT_DIR``, else certifi's bundle,
imported only then; ``verify=False`` accepts any). Failures to reach the server are ``OSError`` or
``http.client.HTTPException``; :class:`~argento.client.http.HttpClient` maps them and the answers' statuses
through :mod:`argento.client.errors`, as it does httpx's.

An address reached through a proxy (``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` set and not bypassed by
``NO_PROXY``) keeps going through httpx, which implements proxies: :func:`proxied` says when.
"""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

if TYPE_CHECKING:
    import ssl

from argento.version import __version__

#: what a request may fail with before any answer (connection refused, timeouts, TLS, a dropped connection)
TRANSPORT_ERRORS = (OSError, http.client.HTTPException)
#: a kept-alive connection the server closed meanwhile: the request is sent again once, on a new connection
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)
#: characters left as they are in a path (httpx's choice: RFC 3986's path characters, and ``%``)
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def proxied(server: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether requests to ``server`` would go through a proxy the environment configures.

    Conservative on purpose: any ``<scheme>_proxy``/``all_proxy`` counts unless ``NO_PROXY`` is ``*`` or names
    the host (with or without the port) exactly; httpx then decides the rest (domain suffixes, CIDRs, …).
    """
    env = {k.lower(): v for k, v in (os.environ if environ is None else environ).items() if v}
    parts = urlsplit(server)
    if not (env.get(f"{parts.scheme}_proxy") or env.get("all_proxy")):
        return False
    host = (parts.hostname or "").lower()
    bypass = {h.strip().lower() for h in env.get("no_proxy", "").split(",") if h.strip()}
    return not ("*" in bypass or host in bypass or parts.netloc.lower() in bypass)


def tls_context(verify: bool) -> ssl.SSLContext:
    """The TLS context httpx would use: ``SSL_CERT_FILE``/``SSL_CERT_DIR``/certifi, or no verification."""
    import ssl

    if not verify:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    try:
        import certifi
    except ImportError:  # certifi comes with httpx; without it, the system's store
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


def target(base_path: str, path: str, params: Mapping[str, Any] | None) -> str:
    """The request target: the server URL's own path, ``path`` (percent-encoded where needed) and the query
    (``params`` already cleaned: strings, or lists of strings for repeated keys)."""
    full = quote(base_path.rstrip("/") + "/" + path.lstrip("/"), safe=_PATH_SAFE)
    query = urlencode(params, doseq=True, quote_via=quote) if params else ""
    return f"{full}?{query}" if query else full


class Answer:
    """One whole answer: its status, headers and body bytes."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        """The body as text (UTF-8 unless the ``Content-Type`` names another charset)."""
        charset = self.headers.get_content_charset() or "utf-8"
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


class StdlibTransport:
    """Requests to one server over ``http.client``; one connection, kept alive between requests."""

    def __init__(
        self, server: str, *, headers: Mapping[str, str], timeout: float, verify: bool = True
    ) -> None:
        parts = urlsplit(server)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) server URL: {server!r}")
        self.server = server
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port
        self.base_path = parts.path
        self.timeout = timeout
        self.verify = verify
        self.headers = {"User-Agent": f"argento/{__version__}", **headers}
        self._conn: http.client.HTTPConnection | None = None

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """The full URL of a request (for messages)."""
        return f"{self.scheme}://{urlsplit(self.server).netloc}{target(self.base_path, path, params)}"

    def connect(self, timeout: float | None) -> http.client.HTTPConnection:
        """A new connection (not yet open: it opens with its first request)."""
        if self.scheme == "https":
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=timeout, context=tls_context(self.verify)
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(
        self, method: str, path: str, params: Mapping[str, Any] | None = None, body: Any = None
    ) -> Answer:
        """Send one request and read its whole answer (any status); transport failures raise."""
        data = None if body is None else _json_bytes(body)
        headers = dict(self.headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        where = target(self.base_path, path, params)
        reused = self._conn is not None and self._conn.sock is not None  # an open kept-alive connection
        try:
            return self._send(method, where, data, headers)
        except _STALE:
            self.close()
            if not reused:
                raise
        return self._send(method, where, data, headers)  # the kept-alive connection had been closed

    def _send(self, method: str, where: str, data: bytes | None, headers: dict[str, str]) -> Answer:
        if self._conn is None:
            self._conn = self.connect(self.timeout)
        conn = self._conn
        try:
            conn.request(method, where, body=data, headers=headers)
            response = conn.getresponse()  # an answer that closes the connection detaches it (auto-reopened)
            return Answer(response.status, response.headers, response.read())
        except BaseException:
            self.close()
            raise

    def open_stream(
        self, path: str, params: Mapping[str, Any] | None, *, idle: float | None
    ) -> http.client.HTTPConnection:
        """A connection of its own with a ``GET`` sent on it; reading its answer (``getresponse()``, then
        the lines) waits ``idle`` seconds at most (``None``: forever). The caller closes the connection."""
        conn = self.connect(self.timeout)
        try:
            conn.request("GET", target(self.base_path, path, params), headers=dict(self.headers))
            if conn.sock is not None:
                conn.sock.settimeout(idle)
        except BaseException:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        """Close the kept-alive connection, if any."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _json_bytes(body: Any) -> bytes:
    """A JSON body as httpx encodes one (compact, UTF-8, no NaN)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
