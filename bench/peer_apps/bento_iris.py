"""BentoML 1.4, one worker, its 1.2-style API (``bentoml serve bento_iris:IrisBento``)."""

from __future__ import annotations

import bentoml
import numpy as np
from iris_model import fit


@bentoml.service(workers=1, traffic={"timeout": 30})
class IrisBento:
    def __init__(self) -> None:
        self.model = fit()

    @bentoml.api
    def predict(self, features: list[float]) -> dict:
        return {"prediction": int(self.model.predict(np.asarray([features]))[0])}
