"""The HTTP layer of the Argo Server client: requests, error mapping and ``{"result": …}`` line streams.

Argo Server speaks JSON over HTTP (grpc-gateway). Unary calls answer one JSON object; server-streaming
calls (workflow watch, events, logs) answer one JSON object per line, ``{"result": …}`` for a message and
``{"error": …}`` for a failure in mid-stream. With ``Accept: text/event-stream`` the same messages come as
SSE ``data:`` lines; :func:`parse_stream_line` reads both so the client works against either form.

:class:`HttpClient` is synchronous (the CLI's commands are one request or one stream each);
:class:`AsyncHttpClient` is its asyncio twin for callers that follow several streams at once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx

from argento.client.errors import error_from_body, error_from_response, unavailable

DEFAULT_SERVER = "http://127.0.0.1:2746"
DEFAULT_TIMEOUT = 30.0

Params = Mapping[str, Any]


def normalize_server(url: str, *, default_scheme: str = "http") -> str:
    """``host:port`` or a URL → a base URL without a trailing slash (``default_scheme`` when none is given)."""
    url = (url or DEFAULT_SERVER).strip().rstrip("/")
    if "://" not in url:
        url = f"{default_scheme}://{url}"
    return url


def auth_header(token: str) -> dict[str, str]:
    """``Authorization`` for ``token``; like ``ARGO_TOKEN``, the token may already carry ``Bearer ``."""
    token = token.strip()
    if not token:
        return {}
    if not token.lower().startswith(("bearer ", "basic ")):
        token = f"Bearer {token}"
    return {"Authorization": token}


def clean_params(params: Params | None) -> dict[str, Any]:
    """Query parameters as Argo expects them: no empty values, booleans as ``true``/``false``."""
    out: dict[str, Any] = {}
    for key, value in (params or {}).items():
        if value is None or value == "" or value is False or value == [] or value == ():
            continue
        if value is True:
            value = "true"
        elif isinstance(value, list | tuple):
            value = [str(v) for v in value]
        else:
            value = str(value)
        out[key] = value
    return out


def parse_stream_line(line: str) -> tuple[str, Any] | None:
    """One line of a stream → ``("result", payload)``, ``("error", body)`` or ``None`` for keep-alives."""
    line = line.strip()
    if not line or line.startswith(":") or line.startswith(("event:", "id:", "retry:")):
        return None
    if line.startswith("data:"):
        line = line[5:].strip()
        if not line:
            return None
    try:
        message = json.loads(line)
    except ValueError:
        return ("error", {"message": f"malformed stream line: {line[:200]}"})
    if isinstance(message, dict) and "error" in message and "result" not in message:
        return ("error", message)
    if isinstance(message, dict) and "result" in message:
        return ("result", message["result"])
    return ("result", message)  # SSE data carries the message itself


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        return response.text


class HttpClient:
    """Synchronous JSON client for one Argo-compatible server.

    ``transport`` replaces the network (tests pass an ``httpx.MockTransport``); ``verify=False`` accepts the
    self-signed certificate a real Argo Server starts with.
    """

    def __init__(
        self,
        server: str = DEFAULT_SERVER,
        *,
        token: str = "",
        timeout: float = DEFAULT_TIMEOUT,
        verify: bool = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.server = normalize_server(server)
        self._client = httpx.Client(
            base_url=self.server,
            headers={"Accept": "application/json", **auth_header(token)},
            timeout=timeout,
            verify=verify,
            transport=transport,
        )

    def request(self, method: str, path: str, *, params: Params | None = None, json: Any = None) -> Any:
        """Send one request; the decoded JSON answer, or the mapped :class:`~argento.errors.ArgentoError`."""
        try:
            response = self._client.request(method, path, params=clean_params(params), json=json)
        except httpx.TransportError as exc:
            raise unavailable(self.server, exc) from exc
        if response.is_error:
            raise error_from_response(response)
        return _decode(response)

    def get(self, path: str, params: Params | None = None) -> Any:
        """``GET path``."""
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None, params: Params | None = None) -> Any:
        """``POST path`` with a JSON body."""
        return self.request("POST", path, params=params, json=body if body is not None else {})

    def put(self, path: str, body: Any = None, params: Params | None = None) -> Any:
        """``PUT path`` with a JSON body."""
        return self.request("PUT", path, params=params, json=body if body is not None else {})

    def delete(self, path: str, params: Params | None = None) -> Any:
        """``DELETE path``."""
        return self.request("DELETE", path, params=params)

    def stream(self, path: str, params: Params | None = None, *, idle: float | None = None) -> Iterator[Any]:
        """Each ``result`` of a line stream, until the server ends it; an ``error`` line raises.

        No read timeout by default: a followed log or a watch may be quiet for as long as a step runs. With
        ``idle`` the stream simply ends after that many quiet seconds (callers with a deadline re-check it).
        """
        timeout = httpx.Timeout(self._client.timeout.connect, read=idle, write=None, pool=None)
        try:
            with self._client.stream("GET", path, params=clean_params(params), timeout=timeout) as response:
                if response.is_error:
                    raise error_from_response(response)
                for line in response.iter_lines():
                    parsed = parse_stream_line(line)
                    if parsed is None:
                        continue
                    kind, payload = parsed
                    if kind == "error":
                        raise error_from_body(0, payload, url=str(response.request.url))
                    yield payload
        except httpx.TransportError as exc:
            if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
                return  # the server closed the stream (restart, idle cut): callers reconnect if they care
            if isinstance(exc, httpx.ReadTimeout) and idle is not None:
                return
            raise unavailable(self.server, exc) from exc

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncHttpClient:
    """The asyncio twin of :class:`HttpClient` (same mapping of errors and streams)."""

    def __init__(
        self,
        server: str = DEFAULT_SERVER,
        *,
        token: str = "",
        timeout: float = DEFAULT_TIMEOUT,
        verify: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.server = normalize_server(server)
        self._client = httpx.AsyncClient(
            base_url=self.server,
            headers={"Accept": "application/json", **auth_header(token)},
            timeout=timeout,
            verify=verify,
            transport=transport,
        )

    async def request(self, method: str, path: str, *, params: Params | None = None, json: Any = None) -> Any:
        """Send one request; the decoded JSON answer, or the mapped error."""
        try:
            response = await self._client.request(method, path, params=clean_params(params), json=json)
        except httpx.TransportError as exc:
            raise unavailable(self.server, exc) from exc
        if response.is_error:
            await response.aread()
            raise error_from_response(response)
        return _decode(response)

    async def stream(self, path: str, params: Params | None = None) -> AsyncIterator[Any]:
        """Each ``result`` of a line stream; an ``error`` line raises."""
        timeout = httpx.Timeout(self._client.timeout.connect, read=None, write=None, pool=None)
        try:
            async with self._client.stream(
                "GET", path, params=clean_params(params), timeout=timeout
            ) as response:
                if response.is_error:
                    await response.aread()
                    raise error_from_response(response)
                async for line in response.aiter_lines():
                    parsed = parse_stream_line(line)
                    if parsed is None:
                        continue
                    kind, payload = parsed
                    if kind == "error":
                        raise error_from_body(0, payload, url=str(response.request.url))
                    yield payload
        except httpx.TransportError as exc:
            if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
                return
            raise unavailable(self.server, exc) from exc

    async def aclose(self) -> None:
        """Release the connection pool."""
        await self._client.aclose()

    async def __aenter__(self) -> AsyncHttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
