"""Argento services of bench/serving.py (served with `argento serve argento_apps:<Class>`)."""

from __future__ import annotations

import os
import pickle
import time

import numpy as np

import argento
from argento.io import JSON

MODEL_PATH = os.environ.get("BENCH_MODEL", "/tmp/argento-bench/iris.pkl")


@argento.service(traffic={"timeout": 30})
class Noop:
    """P5: a no-op JSON API, async and sync."""

    @argento.api(input=JSON(), output=JSON())
    async def echo(self, data: object) -> object:
        return data

    @argento.api(input=JSON(), output=JSON())
    def echo_sync(self, input_data: dict) -> dict:
        """The seed's style: a sync method on a JSON descriptor."""
        return input_data


def _load() -> object:
    # BENCH_MODEL_TAG set: load through the model store (the product path); else the pickle BentoML also loads.
    tag = os.environ.get("BENCH_MODEL_TAG")
    if tag:
        return argento.sklearn.load_model(tag)
    with open(MODEL_PATH, "rb") as f:
        return pickle.load(f)


@argento.service(traffic={"timeout": 30})
class Iris:
    """P6/P7: sklearn iris, one row per request; batched and unbatched."""

    def __init__(self) -> None:
        self.model = _load()

    @argento.api
    def predict(self, features: list[float]) -> int:
        return int(self.model.predict(np.asarray([features]))[0])

    @argento.api
    def predict_rows(self, features: np.ndarray) -> np.ndarray:
        return self.model.predict(features)

    @argento.api(batchable=True, max_batch_size=64, max_latency_ms=50)
    def predict_batched(self, features: np.ndarray) -> np.ndarray:
        return self.model.predict(features)


@argento.service(traffic={"timeout": 2, "max_concurrency": 4})
class Capacity:
    """R3: four slots of 20 ms each, i.e. a capacity of ~200 requests/s (time.sleep stands in for a model)."""

    @argento.api
    def work(self, ms: float) -> float:
        time.sleep(ms / 1000)
        return ms
