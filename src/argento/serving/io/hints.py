"""Type-hint schemas (BentoML 1.2 style): an API without descriptors takes a JSON object keyed by parameter name.

``def predict(self, features: list[float], threshold: float = 0.5) -> Result`` accepts
``{"features": [...], "threshold": 0.7}``. The parameters become one pydantic model, built once when the route
is compiled, so validation runs in pydantic's core; numpy and pandas annotations (``np.ndarray``,
``Annotated[np.ndarray, Shape((-1, 4)), DType("float32")]``, ``pd.DataFrame``) are converted from JSON lists.
Binary parameters (``bytes``, ``pathlib.Path``, ``PIL.Image.Image``) arrive as the file parts of a
``multipart/form-data`` body whose other parts are the remaining parameters (JSON, or plain text); an API whose
only required parameter is binary also takes the raw body. A ``Path`` parameter is a temporary file that is
deleted when the value is released. The return annotation picks the output descriptor.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import sys
import tempfile
import typing
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from argento.serving.errors import InvalidInput
from argento.serving.io.base import BatchCodec, IODescriptor, ListCodec, content_type_of, validation_error
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


def _is_pil_image(tp: Any) -> bool:
    return getattr(tp, "__module__", "").startswith("PIL") and getattr(tp, "__name__", "") == "Image"


def _binary_kind(tp: Any) -> str | None:
    """``"bytes"``, ``"path"`` or ``"image"`` for the annotations that take a file; else ``None``."""
    if tp is bytes:
        return "bytes"
    if isinstance(tp, type) and issubclass(tp, Path):
        return "path"
    if _is_pil_image(tp):
        return "image"
    return None


class UploadedPath(type(Path())):  # type: ignore[misc]
    """A ``Path`` parameter's value: a temporary file holding the upload, deleted when the value is released."""

    filename: str = ""
    content_type: str = ""


def _to_path(data: bytes, filename: str, content_type: str) -> Path:
    suffix = Path(filename).suffix if filename else ""
    fd, name = tempfile.mkstemp(prefix="argento-upload-", suffix=suffix[:16])
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    path = UploadedPath(name)
    path.filename, path.content_type = filename, content_type
    weakref.finalize(path, _unlink, name)
    return path


def _unlink(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)


def _binary_decoder(kind: str) -> Callable[[bytes, str, str], Any]:
    if kind == "bytes":
        return lambda data, filename, content_type: data
    if kind == "path":
        return _to_path
    from argento.serving.io.binary import Image

    image = Image()
    return lambda data, filename, content_type: image.parse(data, content_type or "application/octet-stream")


def _binary_field(tp: Any) -> Any:
    """A pydantic field for a binary parameter: the value is decoded before validation; JSON cannot give it."""
    from pydantic import BeforeValidator, WithJsonSchema

    def check(value: Any) -> Any:
        if isinstance(value, tp):
            return value
        raise ValueError("send this parameter as a file part of a multipart/form-data body")

    return Annotated[Any, BeforeValidator(check), WithJsonSchema({"type": "string", "format": "binary"})]


def _form_value(data: bytes) -> Any:
    """A non-file part of a form: JSON when it parses, else its text (``3`` → 3, ``[1,2]`` → list, ``hi`` → "hi")."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("a form field is not valid UTF-8") from None
    try:
        return json.loads(text)
    except ValueError:
        return text


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
        #: Binary parameters, name → decoder of (data, filename, content_type).
        self.files: dict[str, Callable[[bytes, str, str], Any]] = {}
        required: list[str] = []
        for p in params:
            default = ... if p.default is inspect.Parameter.empty else p.default
            if default is ...:
                required.append(p.name)
            base, _ = _unwrap(self.annotations[p.name])
            kind = _binary_kind(base)
            if kind is not None:
                self.files[p.name] = _binary_decoder(kind)
                fields[p.name] = (_binary_field(base), default)
            else:
                fields[p.name] = (field_type(self.annotations[p.name]), default)
        # The one binary parameter a raw (non-JSON, non-multipart) body fills, when nothing else is required.
        self.raw_param = next(iter(self.files)) if len(self.files) == 1 and set(required) <= set(self.files) else None
        config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")
        self.model = create_model(f"{fn.__name__}_input", __config__=config, **fields)
        self._validate = self.model.model_validate_json

    def parse(self, body: bytes, content_type: str) -> Any:
        from pydantic import ValidationError

        try:
            if self.files:
                media = content_type_of(content_type) if content_type else ""
                if media == "multipart/form-data":
                    return dict(self.model.model_validate(self._form(body, content_type)).__dict__)
                if self.raw_param is not None and media != "application/json":
                    value = self.files[self.raw_param](body, "", media)
                    return dict(self.model.model_validate({self.raw_param: value}).__dict__)
            instance = self._validate(body or b"{}")
        except ValidationError as exc:
            raise validation_error(exc) from None
        return dict(instance.__dict__)

    def _form(self, body: bytes, content_type: str) -> dict[str, Any]:
        from argento.serving.io.multipart import parse_multipart

        values: dict[str, Any] = {}
        for name, part in parse_multipart(body, content_type).items():
            decode = self.files.get(name)
            if decode is None:
                values[name] = _form_value(part.data)
                continue
            try:
                values[name] = decode(part.data, part.filename, part.content_type)
            except InvalidInput as exc:
                raise InvalidInput(f"{name}: {exc.message}", path=name) from None
        return values

    def openapi_content(self) -> dict[str, Any]:
        if not self.files:
            return super().openapi_content()
        content = {"multipart/form-data": {"schema": self.schema()}}
        if self.raw_param is not None:
            content["application/octet-stream"] = {"schema": {"type": "string", "format": "binary"}}
        return content

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
        described = {"kind": self.kind, "media_type": self.media_type, "params": self.names}
        if self.files:
            described["files"] = list(self.files)
        return described


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
    if _is_pil_image(base):
        from argento.serving.io.binary import Image

        return Image()
    if isinstance(base, type) and hasattr(base, "model_validate_json"):
        return JSON(pydantic_model=base)
    return JSON()
