"""Argento: the seed's style (a sync ``def predict(self, input_data: dict)`` on a JSON descriptor), and the
same API as ``async def``. Served with ``argento serve argento_iris:IrisSync`` (project virtualenv)."""

from __future__ import annotations

import numpy as np
from iris_model import fit

import argento
from argento.io import JSON


@argento.service(traffic={"timeout": 30})
class IrisSync:
    def __init__(self) -> None:
        self.model = fit()

    @argento.api(input=JSON(), output=JSON())
    def predict(self, input_data: dict) -> dict:
        return {"prediction": int(self.model.predict(np.asarray([input_data["features"]]))[0])}


@argento.service(traffic={"timeout": 30})
class IrisAsync:
    def __init__(self) -> None:
        self.model = fit()

    @argento.api(input=JSON(), output=JSON())
    async def predict(self, input_data: dict) -> dict:
        return {"prediction": int(self.model.predict(np.asarray([input_data["features"]]))[0])}


@argento.service(traffic={"timeout": 30})
class IrisSyncThreads:
    """The sync API kept in worker threads (``run_inline=False``): how every sync call ran before issue 18."""

    def __init__(self) -> None:
        self.model = fit()

    @argento.api(input=JSON(), output=JSON(), run_inline=False)
    def predict(self, input_data: dict) -> dict:
        return {"prediction": int(self.model.predict(np.asarray([input_data["features"]]))[0])}


@argento.service(traffic={"timeout": 30})
class IrisAll:
    """The three ways side by side in one process (bench/serving.py P5AB alternates between them)."""

    def __init__(self) -> None:
        self.model = fit()

    def _predict(self, input_data: dict) -> dict:
        return {"prediction": int(self.model.predict(np.asarray([input_data["features"]]))[0])}

    @argento.api(input=JSON(), output=JSON())
    def predict(self, input_data: dict) -> dict:
        return self._predict(input_data)

    @argento.api(input=JSON(), output=JSON(), run_inline=False)
    def predict_threads(self, input_data: dict) -> dict:
        return self._predict(input_data)

    @argento.api(input=JSON(), output=JSON())
    async def predict_async(self, input_data: dict) -> dict:
        return self._predict(input_data)
