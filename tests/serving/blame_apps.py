"""A service whose model code rejects bad input the way NumPy and scikit-learn do (``test_blame``)."""

from __future__ import annotations

import numpy as np

import argento
from argento.io import JSON, NumpyNdarray

#: A 4-feature, 3-class linear "model": ``rows @ W`` needs rows of 4 numbers.
W = np.arange(12, dtype=float).reshape(4, 3)


@argento.service
class Iris:
    """Each API form of the same model: JSON dict (the quickstart's), type hints, an array, a batch."""

    def __init__(self) -> None:
        from sklearn.linear_model import LogisticRegression

        self.model = LogisticRegression().fit(np.eye(4), [0, 1, 2, 0])

    @argento.api(input=JSON(), output=JSON())
    def predict(self, input_data: dict) -> dict:
        rows = np.atleast_2d(np.asarray(input_data["features"], dtype=float))
        return {"prediction": (rows @ W).argmax(axis=1).tolist()}

    @argento.api
    def hinted(self, features: list[float]) -> int:
        return int((np.atleast_2d(features) @ W).argmax())

    @argento.api(input=NumpyNdarray(dtype="float64"), output=JSON())
    def array(self, rows: np.ndarray) -> list[int]:
        return (np.atleast_2d(rows) @ W).argmax(axis=1).tolist()

    @argento.api(batchable=True, max_batch_size=8, max_latency_ms=5)
    def batched(self, rows: list[list[float]]) -> list[int]:
        return (np.asarray(rows, dtype=float) @ W).argmax(axis=1).tolist()

    @argento.api(input=JSON(), output=JSON())
    def sklearn(self, input_data: dict) -> dict:
        """The quickstart's service, line for line, on a scikit-learn model of 4 features."""
        rows = np.atleast_2d(np.asarray(input_data["features"], dtype=float))
        return {"prediction": [int(c) for c in self.model.predict(rows)]}

    @argento.api(input=JSON(), output=JSON())
    def buggy(self, input_data: dict) -> dict:
        return {"n": self.missing_attribute}  # type: ignore[attr-defined]  # a bug: 500

    @argento.api(input=JSON(), output=JSON())
    def miscalled(self, input_data: dict) -> dict:
        return {"n": _one(input_data, 2)}  # type: ignore[call-arg]  # a bug: TypeError of a signature, 500

    @argento.api(input=JSON(), output=JSON())
    def internal_lookup(self, input_data: dict) -> dict:
        return {"n": {"a": 1}["b"]}  # a KeyError of the service's own mapping: a bug, 500


def _one(value: object) -> object:
    return value
