"""P5 baseline: a plain Starlette app doing the same work (served with `uvicorn plain_app:app`)."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route


async def echo(request: Request) -> JSONResponse:
    return JSONResponse(await request.json())


async def ready(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


app = Starlette(routes=[Route("/echo", echo, methods=["POST"]), Route("/readyz", ready)])
