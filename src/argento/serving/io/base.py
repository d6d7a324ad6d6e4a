"""The IO descriptor protocol and the pieces every descriptor shares.

An :class:`IODescriptor` turns a request body into the Python value the API receives (:meth:`parse`) and the
API's return value into a response body (:meth:`render`). Descriptors are built once, when the service is
declared; the runtime keeps their bound methods per route, so nothing about a schema is built per request.
A descriptor that can be batched also offers a :class:`BatchCodec` (concatenate requests, split results).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol

from argento.serving.errors import InvalidInput

JSON_CT = b"application/json"


class BatchCodec(Protocol):
    """How requests of one batchable API combine: every value is a run of ``size(value)`` rows."""

    def size(self, value: Any) -> int:
        """Number of rows in one value."""
        ...

    def concat(self, values: Sequence[Any]) -> Any:
        """One batch holding every row of ``values``, in order."""
        ...

    def slice(self, value: Any, start: int, stop: int) -> Any:
        """Rows ``start:stop`` of a value (to split oversized requests and results)."""
        ...


class ListCodec:
    """Values are lists (or tuples); a batch is their concatenation."""

    def size(self, value: Any) -> int:
        if not isinstance(value, list | tuple):
            raise InvalidInput("a batchable API takes a list of rows")
        return len(value)

    def concat(self, values: Sequence[Any]) -> Any:
        out: list[Any] = []
        for v in values:
            out.extend(v)
        return out

    def slice(self, value: Any, start: int, stop: int) -> Any:
        return value[start:stop]


class ItemCodec:
    """Each request is one row (the BentoML 1.0 ``JSON`` batching rule); the batch is the list of them."""

    def size(self, value: Any) -> int:
        return 1

    def concat(self, values: Sequence[Any]) -> Any:
        return list(values)

    def slice(self, value: Any, start: int, stop: int) -> Any:
        # Inputs are single items (never split); outputs are the batch's result list.
        return value[start] if stop - start == 1 and isinstance(value, list) else value[start:stop]


class IODescriptor:
    """Base class of IO descriptors. Subclasses set ``kind`` and ``media_type`` and implement parse/render."""

    #: Short name the OpenAPI document and the client use (``json``, ``ndarray``, ``text``, …).
    kind: ClassVar[str] = "json"
    media_type: ClassVar[str] = "application/json"

    def parse(self, body: bytes, content_type: str) -> Any:
        """Decode a request body; raise :class:`InvalidInput` for anything the API cannot take."""
        raise NotImplementedError

    def render(self, value: Any) -> tuple[bytes, bytes]:
        """Encode a return value as ``(body, content-type header)``."""
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        """JSON Schema of the value (for ``/docs.json``)."""
        return {}

    def openapi_content(self) -> dict[str, Any]:
        """The OpenAPI ``content`` object of a request or response body."""
        return {self.media_type: {"schema": self.schema()}}

    def batch_codec(self, batch_dim: int = 0) -> BatchCodec | None:
        """The codec used when the API is batchable; ``None`` if this descriptor cannot batch."""
        return None

    def describe(self) -> dict[str, Any]:
        """What the client needs to encode inputs and decode outputs (``x-argento-io`` in the OpenAPI doc)."""
        return {"kind": self.kind, "media_type": self.media_type}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def json_default(obj: Any) -> Any:
    """``json.dumps`` fallback for the values models return: numpy, pandas, pydantic, dataclasses, dates."""
    dump = getattr(obj, "model_dump", None)
    if dump is not None:
        return dump(mode="json")
    to_dict = getattr(obj, "to_dict", None)
    if to_dict is not None and type(obj).__module__.startswith("pandas"):
        return to_dict(orient="records") if hasattr(obj, "columns") else obj.tolist()
    tolist = getattr(obj, "tolist", None)  # numpy arrays and scalars
    if tolist is not None:
        return tolist()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, set | frozenset):
        return list(obj)
    if isinstance(obj, datetime.date | datetime.datetime | datetime.time):
        return obj.isoformat()
    if isinstance(obj, bytes):
        return obj.decode("utf-8", "replace")
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=json_default, allow_nan=True)


def dumps(value: Any) -> bytes:
    """Compact JSON bytes (the runtime's one encoder)."""
    return _encoder.encode(value).encode()


def loads(body: bytes) -> Any:
    """Parse a JSON body, turning every failure into a 400 that says where the JSON broke."""
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except UnicodeDecodeError:
        raise InvalidInput("body is not valid UTF-8") from None
    except RecursionError:
        raise InvalidInput("body is nested too deeply") from None


def validation_error(exc: Any, prefix: str = "") -> InvalidInput:
    """A pydantic ``ValidationError`` as one 400 naming the first offending fields."""
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    if errors and errors[0]["type"] == "json_invalid":
        reason = errors[0]["msg"].removeprefix("Invalid JSON: ")
        return InvalidInput(f"body is not valid JSON: {reason}")
    parts = []
    for err in errors[:5]:
        loc = ".".join(str(p) for p in (*((prefix,) if prefix else ()), *err["loc"]))
        parts.append(f"{loc or 'body'}: {err['msg']}")
    if len(errors) > 5:
        parts.append(f"… and {len(errors) - 5} more")
    first = errors[0]["loc"] if errors else ()
    path = ".".join(str(p) for p in (*((prefix,) if prefix else ()), *first))
    return InvalidInput("; ".join(parts) or "invalid input", path=path)


def content_type_of(header: str) -> str:
    """The bare media type of a Content-Type header (``application/json; charset=utf-8`` → ``application/json``)."""
    return header.split(";", 1)[0].strip().lower()


def header_param(header: str, name: str) -> str:
    """A parameter of a header value (``boundary`` of ``multipart/form-data; boundary=…``)."""
    for piece in header.split(";")[1:]:
        key, _, value = piece.strip().partition("=")
        if key.strip().lower() == name:
            return value.strip().strip('"')
    return ""


__all__ = [
    "JSON_CT",
    "BatchCodec",
    "IODescriptor",
    "ItemCodec",
    "ListCodec",
    "content_type_of",
    "dumps",
    "header_param",
    "json_default",
    "loads",
    "validation_error",
]
