"""The quickstart's service: the iris classifier the pipeline trained, as a REST API (``POST /predict``).

The model is the one the alias ``production`` pointed to when the bento was built (the deploy step moves the
alias, then builds). Request: ``{"features": [5.1, 3.5, 1.4, 0.2]}`` or ``{"features": [[…], […]]}``.
"""

from __future__ import annotations

import os

import numpy as np

import argento
from argento.io import JSON

SPECIES = ["setosa", "versicolor", "virginica"]


@argento.service(name="iris-quickstart", traffic={"timeout": 30})
class IrisClassifier:
    """Iris species from four measurements (cm): sepal length, sepal width, petal length, petal width."""

    model_ref = argento.models.ref(os.environ.get("QUICKSTART_MODEL", "iris-quickstart:production"))

    def __init__(self) -> None:
        self.model = self.model_ref.load()

    @argento.api(input=JSON(), output=JSON())
    def predict(self, input_data: dict) -> dict:
        """Predict one flower (a list of four numbers) or several (a list of such lists)."""
        rows = np.atleast_2d(np.asarray(input_data["features"], dtype=float))
        classes = [int(c) for c in self.model.predict(rows)]
        result: dict = {"prediction": classes if len(classes) > 1 else classes[0]}
        result["species"] = [SPECIES[c] for c in classes] if len(classes) > 1 else SPECIES[classes[0]]
        return result
