"""``multipart/form-data``: a small strict parser, an encoder, and the :class:`Multipart` descriptor."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from argento.serving.errors import InvalidInput, UnsupportedMediaType
from argento.serving.io.base import IODescriptor, content_type_of, header_param

MAX_PARTS = 256


@dataclass(frozen=True)
class Part:
    """One part of a multipart body."""

    name: str
    data: bytes
    filename: str = ""
    content_type: str = ""


def parse_multipart(body: bytes, content_type: str) -> dict[str, Part]:
    """Split a ``multipart/form-data`` body into its parts, keyed by field name (400 on malformed input)."""
    if content_type_of(content_type) != "multipart/form-data":
        raise UnsupportedMediaType("expected a multipart/form-data body")
    boundary = header_param(content_type, "boundary")
    if not boundary:
        raise InvalidInput("multipart/form-data without a boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 3:
        raise InvalidInput("multipart body has no parts or no closing boundary")
    parts: dict[str, Part] = {}
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # closing delimiter
        if len(parts) >= MAX_PARTS:
            raise InvalidInput(f"more than {MAX_PARTS} parts")
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise InvalidInput("multipart part without a header block")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        headers: dict[str, str] = {}
        for line in head.decode("latin-1").split("\r\n"):
            key, colon, value = line.partition(":")
            if colon:
                headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = header_param(disposition, "name")
        if not name:
            raise InvalidInput("multipart part without a name")
        parts[name] = Part(
            name=name,
            data=data,
            filename=header_param(disposition, "filename"),
            content_type=headers.get("content-type", ""),
        )
    else:
        raise InvalidInput("multipart body has no closing boundary")
    return parts


def encode_multipart(fields: dict[str, tuple[bytes, str, str]]) -> tuple[bytes, str]:
    """Encode ``{name: (data, content_type, filename)}``; returns the body and its Content-Type."""
    boundary = os.urandom(16).hex()
    out = bytearray()
    for name, (data, ctype, filename) in fields.items():
        out += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"Content-Disposition: {disposition}\r\n".encode()
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


class Multipart(IODescriptor):
    """Several named inputs in one ``multipart/form-data`` body; the API receives them as keyword arguments.

    >>> Multipart(image=Image(), meta=JSON())     # def predict(self, image, meta): ...
    """

    kind = "multipart"
    media_type = "multipart/form-data"

    def __init__(self, **fields: IODescriptor) -> None:
        if not fields:
            raise ValueError("Multipart needs at least one field")
        self.fields = fields

    def parse(self, body: bytes, content_type: str) -> Any:
        parts = parse_multipart(body, content_type)
        values: dict[str, Any] = {}
        for name, descriptor in self.fields.items():
            part = parts.get(name)
            if part is None:
                raise InvalidInput(f"missing multipart field {name!r}", path=name)
            try:
                values[name] = descriptor.parse(part.data, part.content_type or descriptor.media_type)
            except InvalidInput as exc:
                raise InvalidInput(f"{name}: {exc.message}", path=name) from None
        return values

    def render(self, value: Any) -> tuple[bytes, bytes]:
        if not isinstance(value, dict):
            raise TypeError("a Multipart output must be a dict of field values")
        fields = {}
        for name, descriptor in self.fields.items():
            data, ctype = descriptor.render(value[name])
            fields[name] = (data, ctype.decode(), name if descriptor.kind in ("file", "image") else "")
        body, ctype = encode_multipart(fields)
        return body, ctype.encode()

    def schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {name: d.schema() for name, d in self.fields.items()},
            "required": list(self.fields),
        }

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "media_type": self.media_type,
            "fields": {name: d.describe() for name, d in self.fields.items()},
        }

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.fields.items())
        return f"Multipart({inner})"
