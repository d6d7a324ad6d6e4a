"""Array-shaped descriptors: :class:`NumpyNdarray` and :class:`PandasDataFrame`.

numpy and pandas are imported only when one of these is built, so a service without them (and
``import argento``) never pays for the import.
"""

from __future__ import annotations

import io as _io
from collections.abc import Sequence
from typing import Any

from argento.serving.errors import InvalidInput
from argento.serving.io.base import JSON_CT, BatchCodec, IODescriptor, content_type_of, dumps, loads

NPY_MEDIA = "application/x-npy"


class NdarrayCodec:
    """Batches of numpy arrays along ``axis``."""

    def __init__(self, axis: int = 0) -> None:
        import numpy

        self._np = numpy
        self.axis = axis

    def size(self, value: Any) -> int:
        if value.ndim == 0:
            raise InvalidInput("a batchable array API takes an array of rows, got a scalar")
        return int(value.shape[self.axis])

    def concat(self, values: Sequence[Any]) -> Any:
        if len(values) == 1:
            return values[0]
        try:
            return self._np.concatenate(values, axis=self.axis)
        except ValueError as exc:  # rows of different shapes cannot share a batch
            raise InvalidInput(f"rows do not fit the batch: {exc}") from None

    def slice(self, value: Any, start: int, stop: int) -> Any:
        if self.axis == 0:
            return value[start:stop]
        index = [slice(None)] * value.ndim
        index[self.axis] = slice(start, stop)
        return value[tuple(index)]


class DataFrameCodec:
    """Batches of pandas DataFrames (rows)."""

    def __init__(self) -> None:
        import pandas

        self._pd = pandas

    def size(self, value: Any) -> int:
        return len(value)

    def concat(self, values: Sequence[Any]) -> Any:
        if len(values) == 1:
            return values[0]
        return self._pd.concat(values, ignore_index=True)

    def slice(self, value: Any, start: int, stop: int) -> Any:
        return value.iloc[start:stop]


def check_shape(shape: tuple[int, ...], expected: tuple[int, ...]) -> None:
    """400 unless ``shape`` matches ``expected`` (``-1`` matches any size)."""
    if len(shape) != len(expected) or any(e not in (-1, s) for s, e in zip(shape, expected, strict=False)):
        raise InvalidInput(f"expected an array of shape {_shape_str(expected)}, got {_shape_str(shape)}")


def _shape_str(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join("*" if s == -1 else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


class NumpyNdarray(IODescriptor):
    """A numpy array sent as (nested) JSON lists, or as ``.npy`` bytes with ``Content-Type: application/x-npy``.

    ``dtype`` converts the input (400 if it cannot); with ``enforce_dtype`` the input must already be of a kind
    that casts safely (no floats into an int API). ``shape`` with ``enforce_shape`` rejects other shapes
    (``-1`` is a wildcard). Output arrays are rendered as JSON lists.
    """

    kind = "ndarray"
    media_type = "application/json"

    def __init__(
        self,
        dtype: Any = None,
        shape: tuple[int, ...] | None = None,
        enforce_dtype: bool = False,
        enforce_shape: bool = False,
    ) -> None:
        import numpy

        self._np = numpy
        self.dtype = numpy.dtype(dtype) if dtype is not None else None
        self.shape = tuple(shape) if shape is not None else None
        self.enforce_dtype = enforce_dtype
        self.enforce_shape = enforce_shape

    def parse(self, body: bytes, content_type: str) -> Any:
        np = self._np
        media = content_type_of(content_type) if content_type else ""
        if media == NPY_MEDIA or media == "application/octet-stream":
            try:
                array = np.load(_io.BytesIO(body), allow_pickle=False)
            except (ValueError, OSError, EOFError) as exc:
                raise InvalidInput(f"body is not a valid .npy array: {exc}") from None
        else:  # JSON, whatever the client called it (curl -d sends a form media type)
            array = self._from_json(loads(body))
        return self.validate(array)

    def _from_json(self, data: Any) -> Any:
        np = self._np
        try:
            array = np.asarray(data)
        except ValueError as exc:  # ragged lists
            raise InvalidInput(f"body is not a rectangular array: {exc}") from None
        kind = array.dtype.kind
        if kind == "O":
            raise InvalidInput("array elements must be numbers (got mixed values)")
        if kind in "SU" and (self.dtype is None or self.dtype.kind not in "SU"):
            raise InvalidInput("array elements must be numbers, got strings")
        return array

    def validate(self, array: Any) -> Any:
        """Apply the declared dtype and shape rules to an array (also used by type-hint inputs)."""
        np = self._np
        if self.dtype is not None and array.dtype != self.dtype:
            if self.enforce_dtype and not np.can_cast(array.dtype, self.dtype, casting="same_kind"):
                raise InvalidInput(f"expected dtype {self.dtype}, got {array.dtype}")
            try:
                array = array.astype(self.dtype)
            except (ValueError, TypeError) as exc:
                raise InvalidInput(f"cannot convert the input to {self.dtype}: {exc}") from None
        if self.shape is not None and self.enforce_shape:
            check_shape(array.shape, self.shape)
        return array

    def render(self, value: Any) -> tuple[bytes, bytes]:
        tolist = getattr(value, "tolist", None)
        return dumps(tolist() if tolist is not None else value), JSON_CT

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {}}

    def openapi_content(self) -> dict[str, Any]:
        return {
            "application/json": {"schema": self.schema()},
            NPY_MEDIA: {"schema": {"type": "string", "format": "binary"}},
        }

    def batch_codec(self, batch_dim: int = 0) -> BatchCodec | None:
        return NdarrayCodec(batch_dim)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "media_type": self.media_type,
            "dtype": str(self.dtype) if self.dtype is not None else None,
            "shape": list(self.shape) if self.shape is not None else None,
        }

    def __repr__(self) -> str:
        return f"NumpyNdarray(dtype={self.dtype}, shape={self.shape})"


class PandasDataFrame(IODescriptor):
    """A pandas DataFrame sent as JSON (``orient``: records, columns, split, index, values) or as CSV.

    ``columns`` names the expected columns: missing ones are a 400, extra ones are dropped, order is fixed.
    Output frames are rendered as JSON in the same ``orient``.
    """

    kind = "dataframe"
    media_type = "application/json"
    ORIENTS = ("records", "columns", "split", "index", "values")

    def __init__(
        self,
        orient: str = "records",
        columns: Sequence[str] | None = None,
        dtype: Any = None,
        shape: tuple[int, ...] | None = None,
        enforce_shape: bool = False,
    ) -> None:
        import pandas

        if orient not in self.ORIENTS:
            raise ValueError(f"orient must be one of {', '.join(self.ORIENTS)}, not {orient!r}")
        self._pd = pandas
        self.orient = orient
        self.columns = list(columns) if columns is not None else None
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.enforce_shape = enforce_shape

    def parse(self, body: bytes, content_type: str) -> Any:
        pd = self._pd
        media = content_type_of(content_type) if content_type else ""
        try:
            if media == "text/csv":
                frame = pd.read_csv(_io.BytesIO(body), dtype=self.dtype)
            else:  # JSON, whatever the client called it
                frame = self._from_json(loads(body))
        except (ValueError, TypeError, KeyError) as exc:
            if isinstance(exc, InvalidInput):
                raise
            raise InvalidInput(f"body is not a {self.orient!r} DataFrame: {exc}") from None
        return self.validate(frame)

    def _from_json(self, data: Any) -> Any:
        pd = self._pd
        if self.orient == "records":
            if isinstance(data, dict):
                data = [data]
            if not isinstance(data, list) or not all(isinstance(r, dict | list) for r in data):
                raise InvalidInput("expected a list of records (objects or rows)")
            if data and isinstance(data[0], list):
                return pd.DataFrame(data, columns=self.columns, dtype=self.dtype)
            return pd.DataFrame.from_records(data).astype(self.dtype) if self.dtype else pd.DataFrame.from_records(data)
        if self.orient == "values":
            return pd.DataFrame(data, columns=self.columns, dtype=self.dtype)
        if self.orient == "split":
            if not isinstance(data, dict):
                raise InvalidInput("expected an object with 'columns' and 'data'")
            return pd.DataFrame(data.get("data"), columns=data.get("columns"), index=data.get("index"), dtype=self.dtype)
        if not isinstance(data, dict):
            raise InvalidInput(f"expected an object (orient={self.orient!r})")
        frame = pd.DataFrame(data, dtype=self.dtype)
        return frame.T if self.orient == "index" else frame

    def validate(self, frame: Any) -> Any:
        """Check columns and shape; fix the column order."""
        if self.columns is not None and list(frame.columns) != self.columns:
            missing = [c for c in self.columns if c not in frame.columns]
            if missing:
                raise InvalidInput(f"missing columns: {', '.join(map(str, missing))}", path=str(missing[0]))
            frame = frame[self.columns]
        if self.shape is not None and self.enforce_shape:
            check_shape(tuple(frame.shape), self.shape)
        return frame

    def render(self, value: Any) -> tuple[bytes, bytes]:
        pd = self._pd
        if isinstance(value, pd.Series):
            value = value.to_frame()
        if isinstance(value, pd.DataFrame):
            return value.to_json(orient=self.orient).encode(), JSON_CT
        return dumps(value), JSON_CT

    def schema(self) -> dict[str, Any]:
        if self.orient == "records":
            props = {c: {} for c in self.columns} if self.columns else {}
            return {"type": "array", "items": {"type": "object", "properties": props}}
        return {"type": "object"}

    def openapi_content(self) -> dict[str, Any]:
        return {"application/json": {"schema": self.schema()}, "text/csv": {"schema": {"type": "string"}}}

    def batch_codec(self, batch_dim: int = 0) -> BatchCodec | None:
        return DataFrameCodec()

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "media_type": self.media_type, "orient": self.orient, "columns": self.columns}

    def __repr__(self) -> str:
        return f"PandasDataFrame(orient={self.orient!r}, columns={self.columns})"
