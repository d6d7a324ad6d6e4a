"""The HTTP layer of the Argo Server client: requests, error mapping and ``{"result": …}`` line streams.

Argo Server speaks JSON over HTTP (grpc-gateway). Unary calls answer one JSON object; server-streaming
calls (workflow watch, events, logs) answer one JSON object per line, ``{"result": …}`` for a message and
``{"error": …}`` for a failure in mid-stream. With ``Accept: text/event-stream`` the same messages come as
SSE ``data:`` lines; :func:`parse_stream_line` reads both so the client works against either form.

:class:`HttpClient` is synchronous (the CLI's commands are one request or one stream each) and sends over
the standard library's ``http.client`` (:mod:`argento.client.stdhttp`: a CLI command does not pay for
importing httpx); over httpx only when given an httpx ``transport`` (tests) or when a proxy is configured.
:class:`AsyncHttpClient` is its asyncio twin (httpx) for callers that follow several streams at once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from argento.client.errors import error_from_body, error_from_response, unavailable
from argento.client.stdhttp import TRANSPORT_ERRORS, Answer, StdlibTransport, proxied

if TYPE_CHECKING:
    import httpx

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


def _decode(response: httpx.Response | Answer) -> Any:
    body = response.content if not isinstance(response, Answer) else response.body
    if not body:
        return {}
    try:
        return json.loads(body)
    except ValueError:
        return response.text


class HttpClient:
    """Synchronous JSON client for one Argo-compatible server.

    ``transport`` replaces the network with an httpx transport (tests pass an ``httpx.MockTransport``);
    ``verify=False`` accepts the self-signed certificate a real Argo Server starts with.
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
        self._headers = {"Accept": "application/json", **auth_header(token)}
        self._timeout = timeout
        self._verify = verify
        self._transport = transport
        self._httpx: httpx.Client | None = None
        self._std: StdlibTransport | None = None
        if transport is None and not proxied(self.server):
            self._std = StdlibTransport(self.server, headers=self._headers, timeout=timeout, verify=verify)

    @property
    def _client(self) -> httpx.Client:
        """The httpx client, made on first use (an injected transport, a proxy)."""
        if self._httpx is None:
            import httpx

            self._httpx = httpx.Client(
                base_url=self.server,
                headers=self._headers,
                timeout=self._timeout,
                verify=self._verify,
                transport=self._transport,
            )
        return self._httpx

    def request(self, method: str, path: str, *, params: Params | None = None, json: Any = None) -> Any:
        """Send one request; the decoded JSON answer, or the mapped :class:`~argento.errors.ArgentoError`."""
        if self._std is not None:
            try:
                answer = self._std.request(method, path, clean_params(params), json)
            except TRANSPORT_ERRORS as exc:
                raise unavailable(self.server, exc) from exc
            if answer.status >= 400:
                raise error_from_body(
                    answer.status, _error_body(answer.text), url=self._std.url(path, clean_params(params))
                )
            return _decode(answer)
        import httpx

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
        lines = self._std_lines if self._std is not None else self._httpx_lines
        stream = lines(path, params, idle)
        try:
            for line, url in stream:
                parsed = parse_stream_line(line)
                if parsed is None:
                    continue
                kind, payload = parsed
                if kind == "error":
                    raise error_from_body(0, payload, url=url)
                yield payload
        finally:
            stream.close()  # the stream's connection, now rather than when collected

    def _std_lines(self, path: str, params: Params | None, idle: float | None) -> Iterator[tuple[str, str]]:
        assert self._std is not None
        query = clean_params(params)
        url = self._std.url(path, query)
        try:
            conn = self._std.open_stream(path, query, idle=idle)
        except TRANSPORT_ERRORS as exc:
            raise unavailable(self.server, exc) from exc
        try:
            try:
                response = conn.getresponse()
            except TimeoutError as exc:
                if idle is not None:
                    return  # no answer within `idle`: the stream ends, as a quiet one does
                raise unavailable(self.server, exc) from exc
            except TRANSPORT_ERRORS as exc:
                raise unavailable(self.server, exc) from exc
            if response.status >= 400:
                try:
                    text = Answer(response.status, response.headers, response.read()).text
                except TRANSPORT_ERRORS:
                    text = ""
                raise error_from_body(response.status, _error_body(text), url=url)
            while True:
                try:
                    raw = response.readline()
                except TimeoutError:
                    return  # quiet for `idle` seconds (no timeout is set without it)
                except TRANSPORT_ERRORS:
                    return  # the server closed the stream (restart, idle cut): callers reconnect if they care
                if not raw:
                    return
                yield raw.decode("utf-8", errors="replace"), url
        finally:
            conn.close()

    def _httpx_lines(self, path: str, params: Params | None, idle: float | None) -> Iterator[tuple[str, str]]:
        import httpx

        timeout = httpx.Timeout(self._client.timeout.connect, read=idle, write=None, pool=None)
        try:
            with self._client.stream("GET", path, params=clean_params(params), timeout=timeout) as response:
                if response.is_error:
                    raise error_from_response(response)
                url = str(response.request.url)
                for line in response.iter_lines():
                    yield line, url
        except httpx.TransportError as exc:
            if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
                return  # the server closed the stream (restart, idle cut): callers reconnect if they care
            if isinstance(exc, httpx.ReadTimeout) and idle is not None:
                return
            raise unavailable(self.server, exc) from exc

    def close(self) -> None:
        """Release the connections."""
        if self._std is not None:
            self._std.close()
        if self._httpx is not None:
            self._httpx.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _error_body(text: str) -> Any:
    """An error answer's body: its JSON, else (the first 500 characters of) its text."""
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text[:500]


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
        import httpx

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
        import httpx

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
        import httpx

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
