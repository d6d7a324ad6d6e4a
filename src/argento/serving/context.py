"""``ctx`` injection: an API that declares a ``ctx`` (or ``context``) parameter receives a :class:`Context`.

It carries the request (headers, query, client address, request id) and a response whose status and headers
the API may set. Built only for APIs that ask for it; the rest of the hot path never creates one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl


class Headers(Mapping[str, str]):
    """Case-insensitive read-only view of ASGI headers (decoded lazily)."""

    __slots__ = ("_dict", "_raw")

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self._raw = raw
        self._dict: dict[str, str] | None = None

    def _items(self) -> dict[str, str]:
        if self._dict is None:
            self._dict = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in self._raw}
        return self._dict

    def __getitem__(self, key: str) -> str:
        return self._items()[key.lower()]

    def __iter__(self) -> Any:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())


class RequestInfo:
    """The parts of the HTTP request an API may read."""

    __slots__ = ("_scope", "headers", "request_id")

    def __init__(self, scope: Mapping[str, Any], request_id: str) -> None:
        self._scope = scope
        self.headers = Headers(scope.get("headers", []))
        self.request_id = request_id

    @property
    def method(self) -> str:
        return self._scope["method"]

    @property
    def path(self) -> str:
        return self._scope["path"]

    @property
    def query_params(self) -> dict[str, str]:
        return dict(parse_qsl(self._scope.get("query_string", b"").decode("latin-1")))

    @property
    def client(self) -> tuple[str, int] | None:
        return self._scope.get("client")


@dataclass
class ResponseInfo:
    """What an API may set on its response: ``status_code`` (default 200), ``headers``, ``cookies``."""

    status_code: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def encoded_headers(self) -> list[tuple[bytes, bytes]]:
        out = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()]
        out.extend((b"set-cookie", f"{k}={v}; Path=/".encode("latin-1")) for k, v in self.cookies.items())
        return out


@dataclass
class Context:
    """Per-request context: ``ctx.request``, ``ctx.response``, ``ctx.request_id`` and the service-wide ``state``."""

    request: RequestInfo
    response: ResponseInfo
    state: dict[str, Any]

    @property
    def request_id(self) -> str:
        return self.request.request_id
