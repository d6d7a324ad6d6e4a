"""HTTP clients of a served service, typed from its ``/docs.json`` (``argento.SyncHTTPClient``/``AsyncHTTPClient``).

>>> client = argento.SyncHTTPClient("http://127.0.0.1:3000")          # doctest: +SKIP
>>> client.predict({"features": [5.1, 3.5, 1.4, 0.2]})               # doctest: +SKIP
>>> client.call("predict_batch", np.array([[5.1, 3.5, 1.4, 0.2]]))    # doctest: +SKIP

Each API of the OpenAPI document becomes a method with the API's signature: descriptor APIs take one value
(or the fields of a ``Multipart`` as keywords); type-hint APIs take their parameters. Values are encoded by the
API's input kind (JSON, arrays, frames, text, files, images) and results decoded by its output kind. A non-2xx
answer raises the matching :mod:`argento.serving.errors` class with the server's ``detail``; a service that cannot
be reached raises :class:`ServiceUnavailable` (a read timeout, :class:`GatewayTimeout`).

A service on a Unix domain socket (``argento serve --uds PATH``) is reached with ``unix:///abs/path.sock``.
"""

from __future__ import annotations

import inspect
import io as _io
import json
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from argento.serving.errors import GatewayTimeout, ServiceUnavailable, error_from_status
from argento.serving.io.base import dumps
from argento.serving.io.binary import file_bytes
from argento.serving.io.multipart import encode_multipart

DEFAULT_TIMEOUT = 60.0


class Endpoint:
    """One API as the client sees it (from ``x-argento-api`` in ``/docs.json``)."""

    def __init__(self, route: str, operation: dict[str, Any]) -> None:
        info = operation.get("x-argento-api", {})
        self.route = route
        self.name: str = info.get("name") or operation.get("operationId") or route.strip("/")
        self.input: dict[str, Any] = info.get("input", {"kind": "json"})
        self.output: dict[str, Any] = info.get("output", {"kind": "json"})
        self.params: list[str] = list(info.get("params", []))
        self.hinted: bool = bool(info.get("hinted", False))
        self.stream: bool = bool(info.get("stream", False))
        self.doc: str = operation.get("description") or ""

    def signature(self) -> inspect.Signature:
        """The Python signature of the generated method."""
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        if self.hinted:
            return inspect.Signature([inspect.Parameter(p, kind) for p in self.params])
        if self.input.get("kind") == "multipart":
            fields = self.input.get("fields", {})
            return inspect.Signature([inspect.Parameter(f, inspect.Parameter.KEYWORD_ONLY) for f in fields])
        return inspect.Signature([inspect.Parameter("data", kind)])

    def encode(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[bytes, str]:
        """Request body and content type for a call."""
        if self.hinted:
            if len(args) > len(self.params):
                raise TypeError(f"{self.name}() takes {len(self.params)} arguments, got {len(args)}")
            body = dict(zip(self.params, args, strict=False))
            for key in kwargs:
                if key in body:
                    raise TypeError(f"{self.name}() got multiple values for {key!r}")
            body.update(kwargs)
            files = self.input.get("files")
            if files:  # binary parameters: a form whose other fields are JSON
                fields = {}
                for key, value in body.items():
                    if key in files:
                        data, ctype = _encode_value({"kind": "image" if hasattr(value, "save") else "file"}, value)
                        name = value.name if isinstance(value, Path) else getattr(value, "filename", "")
                        fields[key] = (data, ctype, name or key)
                    else:
                        fields[key] = (dumps(value), "application/json", "")
                return encode_multipart(fields)
            return dumps(body), "application/json"
        if self.input.get("kind") == "multipart":
            fields = {}
            for name, desc in self.input.get("fields", {}).items():
                if name not in kwargs:
                    raise TypeError(f"{self.name}() missing field {name!r}")
                data, ctype = _encode_value(desc, kwargs[name])
                filename = name if desc.get("kind") in ("file", "image") else ""
                fields[name] = (data, ctype, filename)
            body, ctype = encode_multipart(fields)
            return body, ctype
        if kwargs or len(args) != 1:
            if not args and kwargs and self.input.get("kind") == "json":
                return _encode_value(self.input, kwargs)
            raise TypeError(f"{self.name}() takes one input value")
        return _encode_value(self.input, args[0])

    def decode(self, response: httpx.Response) -> Any:
        """The Python value of a successful response."""
        return _decode_value(self.output, response.content, response.headers.get("content-type", ""))


def _encode_value(desc: dict[str, Any], value: Any) -> tuple[bytes, str]:
    kind = desc.get("kind", "json")
    if kind == "text":
        return (value if isinstance(value, bytes) else str(value).encode()), "text/plain; charset=utf-8"
    if kind == "file":
        return file_bytes(value), "application/octet-stream"
    if kind == "image":
        if hasattr(value, "save"):
            out = _io.BytesIO()
            value.save(out, format="PNG")
            return out.getvalue(), "image/png"
        return file_bytes(value), "application/octet-stream"
    if kind == "dataframe" and hasattr(value, "to_json"):
        return value.to_json(orient=desc.get("orient") or "records").encode(), "application/json"
    return dumps(value), "application/json"


def _decode_value(desc: dict[str, Any], content: bytes, content_type: str) -> Any:
    kind = desc.get("kind", "json")
    if kind == "text":
        return content.decode("utf-8")
    if kind == "file":
        return content
    if kind == "image":
        import PIL.Image

        return PIL.Image.open(_io.BytesIO(content))
    if not content_type.startswith("application/json"):
        return content.decode("utf-8") if content_type.startswith("text/") else content
    data = json.loads(content)
    if kind == "ndarray" and _has("numpy"):
        import numpy

        return numpy.asarray(data)
    if kind == "dataframe" and _has("pandas"):
        import pandas

        return pandas.read_json(_io.StringIO(content.decode()), orient=desc.get("orient") or "records")
    return data


def _has(module: str) -> bool:
    import importlib.util

    return module in sys.modules or importlib.util.find_spec(module) is not None


def _raise_for(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise error_from_status(response.status_code, response.content)


def _http_target(url: str) -> tuple[str, str | None]:
    """The base URL of the requests and, for ``unix:///abs/path.sock``, the socket they travel over."""
    if not url.startswith("unix://"):
        return url, None
    path = url.removeprefix("unix://")
    if not path.startswith("/"):
        raise ValueError(f"a unix URL names an absolute socket path (unix:///path/to.sock), not {url!r}")
    return "http://localhost", path


@contextmanager
def _reaching(url: str) -> Iterator[None]:
    """Turn transport failures into the runtime's errors: 504 for a read timeout, 503 for the rest."""
    try:
        yield
    except httpx.ReadTimeout as exc:
        raise GatewayTimeout(f"{url} did not answer in time") from exc
    except httpx.TransportError as exc:
        raise ServiceUnavailable(f"{url} is unreachable: {type(exc).__name__}: {exc}") from exc


def _endpoints(doc: dict[str, Any]) -> dict[str, Endpoint]:
    out = {}
    for route, item in doc.get("paths", {}).items():
        operation = item.get("post")
        if operation and "x-argento-api" in operation:
            endpoint = Endpoint(route, operation)
            out[endpoint.name] = endpoint
    return out


class _ClientBase:
    """What both clients share: the endpoint table and method generation."""

    _reserved = frozenset({"call", "stream", "close", "aclose", "endpoints", "url", "is_ready", "wait_until_ready"})

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.endpoints: dict[str, Endpoint] = {}

    def _endpoint(self, name: str) -> Endpoint:
        endpoint = self.endpoints.get(name)
        if endpoint is None:
            known = ", ".join(sorted(self.endpoints)) or "none"
            raise AttributeError(f"the service at {self.url} has no API {name!r} (APIs: {known})")
        return endpoint

    def _install(self, doc: dict[str, Any]) -> None:
        self.endpoints = _endpoints(doc)
        for name, endpoint in self.endpoints.items():
            if name in self._reserved or name.startswith("_"):
                continue  # still reachable through call()
            method = self._make_method(endpoint)
            method.__name__ = name
            method.__doc__ = endpoint.doc
            method.__signature__ = endpoint.signature()  # type: ignore[attr-defined]
            setattr(self, name, method)

    def _make_method(self, endpoint: Endpoint) -> Any:
        raise NotImplementedError


class ServiceClient(_ClientBase):
    """Blocking client of one service (``argento.SyncHTTPClient``). Use as a context manager or ``close()``."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        headers: dict[str, str] | None = None,
        wait_ready: float = 0.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(url)
        base_url, uds = _http_target(self.url)
        if transport is None and uds is not None:
            transport = httpx.HTTPTransport(uds=uds)
        self._http = httpx.Client(base_url=base_url, timeout=timeout, headers=headers, transport=transport)
        if wait_ready:
            self.wait_until_ready(wait_ready)
        with _reaching(self.url):
            response = self._http.get("/docs.json")
        _raise_for(response)
        self._install(response.json())

    def _make_method(self, endpoint: Endpoint) -> Any:
        if endpoint.stream:
            return lambda *args, **kwargs: self.stream(endpoint.name, *args, **kwargs)
        return lambda *args, **kwargs: self.call(endpoint.name, *args, **kwargs)

    def call(self, api: str, *args: Any, **kwargs: Any) -> Any:
        """Call the API named ``api``."""
        endpoint = self._endpoint(api)
        body, ctype = endpoint.encode(args, kwargs)
        with _reaching(self.url):
            response = self._http.post(endpoint.route, content=body, headers={"content-type": ctype})
        _raise_for(response)
        return endpoint.decode(response)

    def stream(self, api: str, *args: Any, **kwargs: Any) -> Iterator[Any]:
        """Iterate over the chunks of a streaming API (text chunks, or decoded JSON lines)."""
        endpoint = self._endpoint(api)
        body, ctype = endpoint.encode(args, kwargs)
        with _reaching(self.url), self._http.stream(
            "POST", endpoint.route, content=body, headers={"content-type": ctype}
        ) as response:
            if response.status_code >= 400:
                response.read()
                _raise_for(response)
            if response.headers.get("content-type", "").startswith("application/x-ndjson"):
                for line in response.iter_lines():
                    if line:
                        yield json.loads(line)
            else:
                yield from response.iter_text()

    def is_ready(self) -> bool:
        """Whether ``/readyz`` answers 200."""
        try:
            return self._http.get("/readyz").status_code == 200
        except httpx.TransportError:
            return False

    def wait_until_ready(self, timeout: float = 30.0) -> None:
        """Poll ``/readyz`` until 200; :class:`ServiceUnavailable` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not self.is_ready():
            if time.monotonic() > deadline:
                raise ServiceUnavailable(f"{self.url} was not ready within {timeout:g}s")
            time.sleep(0.05)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ServiceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


SyncHTTPClient = ServiceClient


class AsyncServiceClient(_ClientBase):
    """Asyncio client (``argento.AsyncHTTPClient``): ``async with AsyncHTTPClient(url) as c: await c.predict(x)``.

    The API table is fetched on entering the context (or by ``await client.connect()``); ``call()`` fetches it
    on first use too.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        headers: dict[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(url)
        base_url, uds = _http_target(self.url)
        if transport is None and uds is not None:
            transport = httpx.AsyncHTTPTransport(uds=uds)
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, headers=headers, transport=transport)
        self._connected = False

    async def connect(self, wait_ready: float = 0.0) -> AsyncServiceClient:
        """Fetch ``/docs.json`` (after waiting up to ``wait_ready`` seconds for readiness)."""
        if wait_ready:
            await self.wait_until_ready(wait_ready)
        with _reaching(self.url):
            response = await self._http.get("/docs.json")
        _raise_for(response)
        self._install(response.json())
        self._connected = True
        return self

    def _make_method(self, endpoint: Endpoint) -> Any:
        if endpoint.stream:
            return lambda *args, **kwargs: self.stream(endpoint.name, *args, **kwargs)

        async def method(*args: Any, **kwargs: Any) -> Any:
            return await self.call(endpoint.name, *args, **kwargs)

        return method

    async def call(self, api: str, *args: Any, **kwargs: Any) -> Any:
        """Call the API named ``api``."""
        if not self._connected:
            await self.connect()
        endpoint = self._endpoint(api)
        body, ctype = endpoint.encode(args, kwargs)
        with _reaching(self.url):
            response = await self._http.post(endpoint.route, content=body, headers={"content-type": ctype})
        _raise_for(response)
        return endpoint.decode(response)

    async def stream(self, api: str, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        """Iterate over the chunks of a streaming API."""
        if not self._connected:
            await self.connect()
        endpoint = self._endpoint(api)
        body, ctype = endpoint.encode(args, kwargs)
        with _reaching(self.url):
            async with self._http.stream("POST", endpoint.route, content=body, headers={"content-type": ctype}) as r:
                if r.status_code >= 400:
                    await r.aread()
                    _raise_for(r)
                if r.headers.get("content-type", "").startswith("application/x-ndjson"):
                    async for line in r.aiter_lines():
                        if line:
                            yield json.loads(line)
                else:
                    async for chunk in r.aiter_text():
                        yield chunk

    async def is_ready(self) -> bool:
        try:
            return (await self._http.get("/readyz")).status_code == 200
        except httpx.TransportError:
            return False

    async def wait_until_ready(self, timeout: float = 30.0) -> None:
        import asyncio

        deadline = time.monotonic() + timeout
        while not await self.is_ready():
            if time.monotonic() > deadline:
                raise ServiceUnavailable(f"{self.url} was not ready within {timeout:g}s")
            await asyncio.sleep(0.05)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncServiceClient:
        return await self.connect()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


AsyncHTTPClient = AsyncServiceClient

__all__ = ["AsyncHTTPClient", "AsyncServiceClient", "Endpoint", "ServiceClient", "SyncHTTPClient"]
