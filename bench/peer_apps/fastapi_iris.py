"""FastAPI with a sync endpoint and a pydantic body, as its tutorial writes it (``uvicorn fastapi_iris:app``)."""

from __future__ import annotations

import numpy as np
from fastapi import FastAPI
from iris_model import fit
from pydantic import BaseModel

app = FastAPI()
model = fit()


class Features(BaseModel):
    features: list[float]


@app.post("/predict")
def predict(body: Features) -> dict:
    return {"prediction": int(model.predict(np.asarray([body.features]))[0])}


@app.get("/readyz")
def ready() -> str:
    return "ok"
