"""Ray Serve, one replica (``python ray_iris.py PORT``; run only inside a private network namespace)."""

from __future__ import annotations

import signal
import sys
import threading

import numpy as np
from iris_model import fit
from starlette.requests import Request

import ray
from ray import serve


@serve.deployment(num_replicas=1)
class Iris:
    def __init__(self) -> None:
        self.model = fit()

    async def __call__(self, request: Request) -> dict:
        data = await request.json()
        return {"prediction": int(self.model.predict(np.asarray([data["features"]]))[0])}


if __name__ == "__main__":
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    ray.init(include_dashboard=False, num_cpus=2)
    serve.start(http_options={"host": "127.0.0.1", "port": int(sys.argv[1])})
    serve.run(Iris.bind(), route_prefix="/predict")
    print("ready", flush=True)
    stop.wait()
    serve.shutdown()
    ray.shutdown()
