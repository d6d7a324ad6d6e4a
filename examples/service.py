"""The seed guide's ``MyMLService``, with ``argento`` in place of ``bentoml``.

    python examples/train_iris.py
    argento serve examples.service:MyMLService --port 3000
    curl -s localhost:3000/predict -H 'content-type: application/json' -d '{"features": [5.1, 3.5, 1.4, 0.2]}'
    curl -s localhost:3000/predict_batch -H 'content-type: application/json' -d '[[5.1, 3.5, 1.4, 0.2]]'
"""

from __future__ import annotations

import numpy as np

import argento
from argento.io import JSON, NumpyNdarray


@argento.service(resources={"cpu": "1", "memory": "1Gi"}, traffic={"timeout": 60})
class MyMLService:
    """Iris classifier: one prediction per request, or batched rows."""

    model_ref = argento.models.ref("iris_clf:production")  # recorded in the bento; resolved at start-up

    def __init__(self) -> None:
        self.model = argento.sklearn.load_model("iris_clf:production")

    @argento.api(input=JSON(), output=JSON())
    def predict(self, input_data: dict) -> dict:
        """Predict the class of one flower: ``{"features": [sepal_len, sepal_wid, petal_len, petal_wid]}``."""
        features = np.array(input_data["features"], dtype=float).reshape(1, -1)
        prediction = self.model.predict(features)
        return {"prediction": int(prediction[0])}

    @argento.api(
        input=NumpyNdarray(dtype="float64", shape=(-1, 4), enforce_shape=True),
        output=NumpyNdarray(),
        batchable=True,
        max_batch_size=64,
        max_latency_ms=100,
    )
    def predict_batch(self, input_array: np.ndarray) -> np.ndarray:
        """Predict classes for rows of four features; concurrent requests are batched together."""
        return self.model.predict(input_array)
