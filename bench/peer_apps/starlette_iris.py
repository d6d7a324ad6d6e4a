"""Bare Starlette on uvicorn, predict inline in an ``async def`` route: the floor (``uvicorn starlette_iris:app``)."""

from __future__ import annotations

import numpy as np
from iris_model import fit
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

model = fit()


async def predict(request: Request) -> JSONResponse:
    data = await request.json()
    return JSONResponse({"prediction": int(model.predict(np.asarray([data["features"]]))[0])})


async def ready(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


app = Starlette(routes=[Route("/predict", predict, methods=["POST"]), Route("/readyz", ready)])
