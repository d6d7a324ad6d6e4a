"""Binary descriptors: :class:`File` (raw bytes or one multipart file) and :class:`Image` (Pillow)."""

from __future__ import annotations

import io as _io
from pathlib import Path
from typing import Any

from argento.serving.errors import InvalidInput
from argento.serving.io.base import IODescriptor, content_type_of


class UploadedFile(_io.BytesIO):
    """The value a :class:`File` API receives: a readable file object with ``filename`` and ``content_type``."""

    def __init__(self, data: bytes, *, filename: str = "", content_type: str = "application/octet-stream") -> None:
        super().__init__(data)
        self.filename = filename
        self.content_type = content_type

    @property
    def name(self) -> str:
        return self.filename


def file_bytes(value: Any) -> bytes:
    """The bytes of whatever an API returns as a file: bytes, a file object, a path."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, _io.BytesIO):
        return value.getvalue()
    if isinstance(value, str | Path):
        return Path(value).read_bytes()
    read = getattr(value, "read", None)
    if read is not None:
        data = read()
        return data.encode() if isinstance(data, str) else data
    raise TypeError(f"cannot send {type(value).__name__} as a file")


def _first_file_part(body: bytes, content_type: str) -> tuple[bytes, str, str]:
    from argento.serving.io.multipart import parse_multipart

    parts = parse_multipart(body, content_type)
    if not parts:
        raise InvalidInput("the multipart body holds no part")
    part = next((p for p in parts.values() if p.filename), next(iter(parts.values())))
    return part.data, part.filename, part.content_type


class File(IODescriptor):
    """A file: the raw body, or the first file of a ``multipart/form-data`` body. Returns bytes or file objects."""

    kind = "file"
    media_type = "application/octet-stream"

    def __init__(self, mime_type: str | None = None) -> None:
        self.mime_type = mime_type
        self._out_ct = (mime_type or self.media_type).encode()

    def parse(self, body: bytes, content_type: str) -> Any:
        media = content_type_of(content_type) if content_type else ""
        if media == "multipart/form-data":
            data, name, ctype = _first_file_part(body, content_type)
            return UploadedFile(data, filename=name, content_type=ctype or self.media_type)
        return UploadedFile(body, content_type=media or self.media_type)

    def render(self, value: Any) -> tuple[bytes, bytes]:
        return file_bytes(value), self._out_ct

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "binary"}

    def openapi_content(self) -> dict[str, Any]:
        return {(self.mime_type or "*/*"): {"schema": self.schema()}}


class Image(IODescriptor):
    """An image decoded with Pillow (the API receives a ``PIL.Image.Image``; ``pilmode`` converts it).

    Returned images (or arrays) are encoded as ``mime_type`` (JPEG by default).
    """

    kind = "image"
    media_type = "image/*"

    def __init__(self, pilmode: str | None = None, mime_type: str = "image/jpeg") -> None:
        try:
            import PIL.Image
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("argento.io.Image needs Pillow: pip install pillow") from exc
        self._pil = PIL.Image
        self.pilmode = pilmode
        self.mime_type = mime_type
        fmt = mime_type.split("/", 1)[-1].upper()
        self._format = {"JPG": "JPEG"}.get(fmt, fmt)

    def parse(self, body: bytes, content_type: str) -> Any:
        media = content_type_of(content_type) if content_type else ""
        if media == "multipart/form-data":
            body = _first_file_part(body, content_type)[0]
        try:
            image = self._pil.open(_io.BytesIO(body))
            image.load()
        except Exception as exc:  # Pillow raises many types for corrupt input
            raise InvalidInput(f"body is not an image Pillow can read: {type(exc).__name__}") from None
        if self.pilmode is not None and image.mode != self.pilmode:
            image = image.convert(self.pilmode)
        return image

    def render(self, value: Any) -> tuple[bytes, bytes]:
        if not isinstance(value, self._pil.Image):
            if isinstance(value, bytes | bytearray):
                return bytes(value), self.mime_type.encode()
            value = self._pil.fromarray(value)
        if self._format == "JPEG" and value.mode not in ("RGB", "L"):
            value = value.convert("RGB")
        out = _io.BytesIO()
        value.save(out, format=self._format)
        return out.getvalue(), self.mime_type.encode()

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "binary"}
