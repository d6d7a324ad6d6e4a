"""The route table: each endpoint once, from which both the ASGI routes and ``/openapi.json`` are built.

A handler takes the Starlette request and returns a JSON-able value (answered 200) or a ``Response``.
Errors are :class:`~argento.errors.ArgentoError` s and are answered with Argo's body and their own status;
anything else is a bug, logged and answered 500 without details.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from argento.errors import ArgentoError
from argento.server.wire import JSONResponse, error_response

log = logging.getLogger("argento.server")

Handler = Callable[[Request], Awaitable[Any]]
_PARAM = re.compile(r"{(\w+)}")


@dataclass
class Endpoint:
    """One operation of the API."""

    method: str
    path: str
    handler: Handler
    operation_id: str
    tag: str
    summary: str = ""
    body: dict[str, Any] | None = None
    query: tuple[str, ...] = ()
    stream: bool = False
    produces: str = "application/json"


@dataclass
class Api:
    """A list of endpoints, filled by the route modules' decorators."""

    endpoints: list[Endpoint] = field(default_factory=list)

    def route(
        self,
        method: str,
        path: str,
        operation_id: str,
        *,
        tag: str,
        body: dict[str, Any] | None = None,
        query: tuple[str, ...] = (),
        stream: bool = False,
        produces: str = "application/json",
    ) -> Callable[[Handler], Handler]:
        def decorate(fn: Handler) -> Handler:
            summary = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
            self.endpoints.append(
                Endpoint(method, path, fn, operation_id, tag, summary, body, query, stream, produces)
            )
            return fn

        return decorate


def _wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            result = await handler(request)
        except ArgentoError as exc:
            return error_response(exc)
        except Exception:
            log.exception("internal error in %s %s", request.method, request.url.path)
            return error_response(ArgentoError("internal error"))  # the trace is in the log, not the answer
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    return endpoint


def starlette_routes(endpoints: list[Endpoint]) -> list[Route]:
    """One Starlette route per path, dispatching on the method."""
    by_path: dict[str, dict[str, Handler]] = {}
    for ep in endpoints:
        by_path.setdefault(ep.path, {})[ep.method] = ep.handler
    routes = []
    for path, methods in by_path.items():
        if len(methods) == 1:
            ((method, handler),) = methods.items()
            routes.append(Route(path, _wrap(handler), methods=[method]))
            continue
        wrapped = {m: _wrap(h) for m, h in methods.items()}

        async def dispatch(request: Request, wrapped: dict[str, Any] = wrapped) -> Response:
            method = "GET" if request.method == "HEAD" else request.method
            return await wrapped[method](request)

        routes.append(Route(path, dispatch, methods=list(methods)))
    return routes


# ------------------------------------------------------------------------------------------------- OpenAPI
_ERROR = {
    "type": "object",
    "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
    "required": ["code", "message"],
}


def openapi(endpoints: list[Endpoint], *, title: str, version: str) -> dict[str, Any]:
    """An OpenAPI 3.0 document of ``endpoints``."""
    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        params: list[dict[str, Any]] = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in _PARAM.findall(ep.path)
        ]
        for q in ep.query:
            schema: dict[str, Any] = {"type": "string"}
            if q.endswith(("limit", "tailLines", "sinceSeconds", "limitBytes")):
                schema = {"type": "integer", "minimum": 0}
            elif q.endswith(
                ("follow", "previous", "timestamps", "memoized", "serverDryRun", "restartSuccessful")
            ):
                schema = {"type": "boolean"}
            params.append({"name": q, "in": "query", "required": False, "schema": schema})
        op: dict[str, Any] = {
            "operationId": ep.operation_id,
            "tags": [ep.tag],
            "summary": ep.summary,
            "parameters": params,
            "responses": {
                "200": {
                    "description": "A successful response." + (" (streamed)" if ep.stream else ""),
                    "content": {
                        ep.produces: {
                            "schema": {"type": "object"}
                            if ep.produces.endswith("json")
                            else {"type": "string"}
                        }
                    },
                },
                "default": {
                    "description": "An unexpected error response.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
            "security": [{"BearerToken": []}],
        }
        if ep.body is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": ep.body}}}
        paths.setdefault(ep.path, {})[ep.method.lower()] = op
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": {"Error": _ERROR},
            "securitySchemes": {"BearerToken": {"type": "http", "scheme": "bearer"}},
        },
    }


def obj(**properties: Any) -> dict[str, Any]:
    """A JSON schema of an object with these properties (for request bodies)."""
    return {"type": "object", "properties": properties}


STR: dict[str, Any] = {"type": "string"}
BOOL: dict[str, Any] = {"type": "boolean"}
OBJ: dict[str, Any] = {"type": "object"}
STRS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
