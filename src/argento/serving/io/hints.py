"""Type-hint schemas (BentoML 1.2 style): an API without descriptors takes a JSON object keyed by parameter name.

``def predict(self, features: list[float], threshold: float = 0.5) -> Result`` accepts
``{"features": [...], "threshold": 0.7}``. The parameters become one pydantic model, built once when the route
is compiled, so validation runs in pydantic's core; numpy and pandas annotations (``np.ndarray``,
``Annotated[np.ndarray, Shape((-1, 4)), DType("float32")]``, ``pd.DataFrame``) are converted from JSON lists.
The return annotation picks the output descriptor.
"""

from __future__ import annotations

import inspect
import sys
import typing
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from argento.serving.io.base import BatchCodec, IODescriptor, ListCodec, validation_error
from argento.serving.io.jsonlike import JSON, Text

#: Parameter names the runtime fills itself, never from the body.
CONTEXT_PARAMS = ("ctx", "context")


@dataclass(frozen=True)
class Shape:
    """``Annotated[np.ndarray, Shape((-1, 4))]``: the array must have this shape (``-1`` = any size)."""

    dims: tuple[int, ...]


@dataclass(frozen=True)
class DType:
    """``Annotated[np.ndarray, DType("float32")]``: the array is converted to this dtype."""

    dtype: str


def _is_numpy_array(tp: Any) -> bool:
    np = sys.modules.get("numpy")
    return np is not None and (tp is np.ndarray or typing.get_origin(tp) is np.ndarray)


def _is_frame(tp: Any) -> bool:
    pd = sys.modules.get("pandas")
    return pd is not None and tp in (pd.DataFrame, pd.Series)


def _unwrap(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    if typing.get_origin(annotation) is Annotated:
        base, *meta = typing.get_args(annotation)
        return base, tuple(meta)
    return annotation, ()


def _ndarray_descriptor(tp: Any, meta: tuple[Any, ...]) -> Any:
    from argento.serving.io.arrays import NumpyNdarray

    dtype = next((m.dtype for m in meta if isinstance(m, DType)), None)
    shape = next((m.dims for m in meta if isinstance(m, Shape)), None)
    if dtype is None and typing.get_origin(tp) is not None:  # numpy.typing.NDArray[np.float32]
        args = typing.get_args(tp)
        inner = typing.get_args(args[1]) if len(args) == 2 else ()
        if inner and inner[0] is not Any and not isinstance(inner[0], typing.TypeVar):
            dtype = inner[0]
    return NumpyNdarray(dtype=dtype, shape=shape, enforce_shape=shape is not None)


def field_type(annotation: Any) -> Any:
    """The pydantic field type for one parameter annotation (numpy/pandas become converting validators)."""
    base, meta = _unwrap(annotation)
    if _is_numpy_array(base):
        from pydantic import BeforeValidator, WithJsonSchema

        descriptor = _ndarray_descriptor(base, meta)

        def to_array(value: Any) -> Any:
            return descriptor.validate(descriptor._from_json(value))

        return Annotated[Any, BeforeValidator(to_array), WithJsonSchema({"type": "array", "items": {}})]
    if _is_frame(base):
        from pydantic import BeforeValidator, WithJsonSchema

        from argento.serving.io.arrays import PandasDataFrame

        frame = PandasDataFrame()

        def to_frame(value: Any) -> Any:
            return frame._from_json(value) if base.__name__ == "DataFrame" else frame._pd.Series(value)

        schema = {"type": "array", "items": {"type": "object"}}
        return Annotated[Any, BeforeValidator(to_frame), WithJsonSchema(schema)]
    return annotation


def api_parameters(fn: Callable[..., Any]) -> tuple[list[inspect.Parameter], str | None, dict[str, Any]]:
    """The body parameters of an API function, the name of its context parameter (if any), and its hints."""
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception:  # unresolvable forward references: fall back to raw annotations
        hints = dict(getattr(fn, "__annotations__", {}))
    params = []
    ctx_name = None
    for i, p in enumerate(inspect.signature(fn).parameters.values()):
        if i == 0 and p.name in ("self", "cls"):
            continue
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.name in CONTEXT_PARAMS or _is_context(hints.get(p.name)):
            ctx_name = p.name
            continue
        params.append(p)
    return params, ctx_name, hints


def _is_context(annotation: Any) -> bool:
    return getattr(annotation, "__name__", "") == "Context" and "argento" in getattr(annotation, "__module__", "")


class TypeHintInput(IODescriptor):
    """A JSON object keyed by parameter name, validated by a pydantic model derived from the signature."""

    kind = "object"
    media_type = "application/json"

    def __init__(self, fn: Callable[..., Any]) -> None:
        from pydantic import ConfigDict, create_model

        params, _, hints = api_parameters(fn)
        self.names = [p.name for p in params]
        self.annotations = {p.name: hints.get(p.name, Any) for p in params}
        fields: dict[str, Any] = {}
        for p in params:
            default = ... if p.default is inspect.Parameter.empty else p.default
            fields[p.name] = (field_type(self.annotations[p.name]), default)
        config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")
        self.model = create_model(f"{fn.__name__}_input", __config__=config, **fields)
        self._validate = self.model.model_validate_json

    def parse(self, body: bytes, content_type: str) -> Any:
        from pydantic import ValidationError

        try:
            instance = self._validate(body or b"{}")
        except ValidationError as exc:
            raise validation_error(exc) from None
        return dict(instance.__dict__)

    def render(self, value: Any) -> tuple[bytes, bytes]:  # pragma: no cover - input only
        raise TypeError("TypeHintInput is an input descriptor")

    def schema(self) -> dict[str, Any]:
        return self.model.model_json_schema()

    def batch_codec(self, batch_dim: int = 0) -> BatchCodec | None:
        """The codec of the single batched parameter (``list``, ``np.ndarray`` or ``pd.DataFrame``)."""
        if len(self.names) != 1:
            return None
        base, meta = _unwrap(self.annotations[self.names[0]])
        if _is_numpy_array(base):
            return _ndarray_descriptor(base, meta).batch_codec(batch_dim)
        if _is_frame(base):
            from argento.serving.io.arrays import DataFrameCodec

            return DataFrameCodec()
        if base is list or typing.get_origin(base) in (list, Sequence) or base is Any:
            return ListCodec()
        return None

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "media_type": self.media_type, "params": self.names}


def output_for(annotation: Any) -> IODescriptor:
    """The output descriptor a return annotation implies (JSON for anything without a better fit)."""
    base, _ = _unwrap(annotation)
    origin = typing.get_origin(base)
    if origin in (Generator, Iterator, AsyncGenerator, AsyncIterator):
        args = typing.get_args(base)
        return output_for(args[0]) if args else Text()
    if _is_numpy_array(base):
        from argento.serving.io.arrays import NumpyNdarray

        return NumpyNdarray()
    if _is_frame(base):
        from argento.serving.io.arrays import PandasDataFrame

        return PandasDataFrame()
    if base is str:
        return Text()
    if base is bytes or base is Path:
        from argento.serving.io.binary import File

        return File()
    if getattr(base, "__module__", "").startswith("PIL") and getattr(base, "__name__", "") == "Image":
        from argento.serving.io.binary import Image

        return Image()
    if isinstance(base, type) and hasattr(base, "model_validate_json"):
        return JSON(pydantic_model=base)
    return JSON()
