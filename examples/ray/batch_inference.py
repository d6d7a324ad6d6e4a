"""Distributed batch inference on Ray with a model from the model store (the seed's "distributed processing").

    python examples/ray/batch_inference.py        # ARGENTO_RAY_ADDRESS / RAY_ADDRESS, or a local Ray

The seed guide fans chunks out with ``process_batch.remote(batch)``, each task loading the model; with Argento
that is one call: ``argento.ray.batch_predict(tag, data, batch_size=…)`` resolves the tag once, runs one Ray
task per chunk (each worker loads the model once) and returns the predictions in order.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import argento
from argento.errors import NotFound
from argento.ray import batch_predict


def main() -> None:
    X, y = load_iris(return_X_y=True)
    try:
        model = argento.models.get("iris-ray:latest")
    except NotFound:
        model = argento.models.save("iris-ray", LogisticRegression(max_iter=500).fit(X, y))
    data = np.repeat(X, 20, axis=0)                          # 3,000 rows
    predictions = batch_predict(model.tag, data, batch_size=250)
    accuracy = float((predictions == np.repeat(y, 20)).mean())
    print(f"{len(predictions)} predictions from {model.tag} in {len(data) // 250} Ray tasks; accuracy {accuracy:.3f}")


if __name__ == "__main__":
    main()
