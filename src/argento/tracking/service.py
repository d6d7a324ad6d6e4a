"""Prediction for models deployed from MLflow: the request shapes of MLflow's scoring server, and plain rows.

Accepted JSON bodies (what ``mlflow models serve`` clients send, plus the seed guide's ``features``):

- ``{"inputs": [[5.1, 3.5, 1.4, 0.2], …]}`` or ``{"instances": …}``: rows (a single row is fine);
- ``{"features": [5.1, 3.5, 1.4, 0.2]}``: one row, or a list of rows;
- ``{"dataframe_split": {"columns": […], "data": [[…]]}}`` and ``{"dataframe_records": [{…}, …]}``: a
  pandas DataFrame (for pyfunc models with a column signature);
- a bare list of rows.

The answer is ``{"predictions": [...]}`` (MLflow's shape), numpy values made plain.
"""

from __future__ import annotations

from typing import Any

from argento.errors import SpecError

_ROW_KEYS = ("inputs", "instances", "features")


def to_input(payload: Any) -> Any:
    """The model input a request body means: a 2-D numpy array or a pandas DataFrame."""
    import numpy as np

    if isinstance(payload, dict):
        if "dataframe_split" in payload or "dataframe_records" in payload:
            import pandas as pd

            if "dataframe_records" in payload:
                return pd.DataFrame.from_records(payload["dataframe_records"])
            split = payload["dataframe_split"]
            return pd.DataFrame(split.get("data"), columns=split.get("columns"), index=split.get("index"))
        key = next((k for k in _ROW_KEYS if k in payload), None)
        if key is None:
            raise SpecError(
                f"the body needs one of {', '.join(_ROW_KEYS)}, dataframe_split or dataframe_records"
            )
        payload = payload[key]
    try:
        return np.atleast_2d(np.asarray(payload, dtype=float))
    except (TypeError, ValueError):
        return np.atleast_2d(np.asarray(payload, dtype=object))


def plain(value: Any) -> Any:
    """numpy arrays and scalars, pandas objects → JSON-ready Python values."""
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # DataFrame
        return value.to_dict(orient="records")
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def predict_payload(model: Any, payload: Any) -> dict[str, Any]:
    """``model.predict`` on the input ``payload`` means, as ``{"predictions": [...]}``."""
    return {"predictions": plain(model.predict(to_input(payload)))}


__all__ = ["plain", "predict_payload", "to_input"]
