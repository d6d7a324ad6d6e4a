"""LitServe, one worker on the CPU (``python litserve_iris.py PORT``)."""

from __future__ import annotations

import sys

import litserve as ls
import numpy as np
from iris_model import fit


class IrisAPI(ls.LitAPI):
    def setup(self, device: str) -> None:
        self.model = fit()

    def decode_request(self, request: dict) -> list[float]:
        return request["features"]

    def predict(self, x: list[float]) -> int:
        return int(self.model.predict(np.asarray([x]))[0])

    def encode_response(self, output: int) -> dict:
        return {"prediction": output}


if __name__ == "__main__":
    ls.LitServer(IrisAPI(), accelerator="cpu", workers_per_device=1).run(
        host="127.0.0.1", port=int(sys.argv[1])
    )
