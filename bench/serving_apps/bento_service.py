"""P6/P8 baseline: BentoML 1.4 serving the same pickled iris model (run in BentoML's own virtualenv)."""

from __future__ import annotations

import os
import pickle

import bentoml
import numpy as np

MODEL_PATH = os.environ.get("BENCH_MODEL", "/tmp/argento-bench/iris.pkl")


@bentoml.service(workers=1, traffic={"timeout": 30})
class IrisBento:
    def __init__(self) -> None:
        with open(MODEL_PATH, "rb") as f:
            self.model = pickle.load(f)

    @bentoml.api
    def predict(self, features: list[float]) -> int:
        return int(self.model.predict(np.asarray([features]))[0])

    @bentoml.api(batchable=True, max_batch_size=64, max_latency_ms=50)
    def predict_batched(self, features: np.ndarray) -> np.ndarray:
        return self.model.predict(features)


@bentoml.service(workers=1, traffic={"timeout": 30})
class NoopBento:
    @bentoml.api
    async def echo(self, data: dict) -> dict:
        return data
