"""Text-shaped descriptors: :class:`JSON` (optionally validated by a pydantic model) and :class:`Text`."""

from __future__ import annotations

from typing import Any

from argento.serving.errors import InvalidInput
from argento.serving.io.base import JSON_CT, BatchCodec, IODescriptor, ItemCodec, dumps, loads


class JSON(IODescriptor):
    """A JSON body. With ``pydantic_model`` the body is validated (400 names the field) and the API receives
    the model instance; returning a model renders it with pydantic's serializer.

    >>> JSON()                                            # any JSON value
    >>> JSON(pydantic_model=IrisFeatures)                 # validated
    """

    kind = "json"
    media_type = "application/json"

    def __init__(self, pydantic_model: Any = None, *, validate_json: bool | None = None) -> None:
        self.pydantic_model = pydantic_model
        self._adapter: Any = None
        if pydantic_model is not None:
            from pydantic import TypeAdapter

            # A TypeAdapter also takes list[Model], dict[str, Model], …; built once, here.
            self._adapter = TypeAdapter(pydantic_model)
        self.validate_json = validate_json if validate_json is not None else pydantic_model is not None

    def parse(self, body: bytes, content_type: str) -> Any:
        if self._adapter is None or not self.validate_json:
            return loads(body)
        from pydantic import ValidationError

        from argento.serving.io.base import validation_error

        try:
            return self._adapter.validate_json(body)
        except ValidationError as exc:
            raise validation_error(exc) from None

    def render(self, value: Any) -> tuple[bytes, bytes]:
        if self._adapter is not None and value.__class__ is self.pydantic_model:
            return self._adapter.dump_json(value), JSON_CT
        return dumps(value), JSON_CT

    def schema(self) -> dict[str, Any]:
        if self._adapter is not None:
            return self._adapter.json_schema()
        return {}

    def batch_codec(self, batch_dim: int = 0) -> BatchCodec | None:
        return ItemCodec()

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "media_type": self.media_type}

    def __repr__(self) -> str:
        model = getattr(self.pydantic_model, "__name__", None)
        return f"JSON(pydantic_model={model})" if model else "JSON()"


class Text(IODescriptor):
    """A UTF-8 text body (``text/plain``); the API receives and may return ``str``."""

    kind = "text"
    media_type = "text/plain"

    def parse(self, body: bytes, content_type: str) -> Any:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"body is not valid UTF-8 (byte {exc.start})") from None

    def render(self, value: Any) -> tuple[bytes, bytes]:
        if isinstance(value, bytes):
            return value, b"text/plain; charset=utf-8"
        return str(value).encode(), b"text/plain; charset=utf-8"

    def schema(self) -> dict[str, Any]:
        return {"type": "string"}

    def batch_codec(self, batch_dim: int = 0) -> BatchCodec | None:
        return ItemCodec()
