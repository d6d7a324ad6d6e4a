"""The binary IO descriptors, ``File`` and ``Image`` (SPEC §3.2): parsing, rendering, HTTP and the client."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from serving_support import Running, serve_in_thread

import argento
from argento.io import File, Image
from argento.serving.errors import InvalidInput
from argento.serving.io.binary import UploadedFile
from argento.serving.io.multipart import encode_multipart


def png(mode: str = "RGB", size: tuple[int, int] = (4, 3), color: object = (200, 10, 10)) -> bytes:
    out = io.BytesIO()
    PILImage.new(mode, size, color).save(out, format="PNG")  # type: ignore[arg-type]
    return out.getvalue()


# ---- File ---------------------------------------------------------------------------------------------------


def test_file_parses_the_raw_body_with_its_content_type() -> None:
    f = File().parse(b"\x00\x01binary", "application/x-thing")
    assert isinstance(f, UploadedFile)
    assert f.read() == b"\x00\x01binary" and f.content_type == "application/x-thing" and f.filename == ""
    assert File().parse(b"x", "").content_type == "application/octet-stream"


def test_file_takes_the_first_file_part_of_a_multipart_body() -> None:
    body, ctype = encode_multipart({
        "note": (b"not the file", "text/plain", ""),
        "upload": (b"%PDF-1.7 ...", "application/pdf", "report.pdf"),
    })
    f = File().parse(body, ctype)
    assert f.read() == b"%PDF-1.7 ..." and f.filename == f.name == "report.pdf"
    assert f.content_type == "application/pdf"
    only_fields, ctype = encode_multipart({"note": (b"plain field", "text/plain", "")})
    assert File().parse(only_fields, ctype).read() == b"plain field"  # no file part: the first part


@pytest.mark.parametrize("kind", ["bytes", "bytearray", "bytesio", "path", "str-path", "open-file", "text-io"])
def test_file_renders_what_an_api_may_return(kind: str, tmp_path: Path) -> None:
    data = b"payload\n"
    path = tmp_path / "out.bin"
    path.write_bytes(data)
    value = {
        "bytes": data, "bytearray": bytearray(data), "bytesio": io.BytesIO(data), "path": path,
        "str-path": str(path), "open-file": path.open("rb"), "text-io": io.StringIO(data.decode()),
    }[kind]
    assert File(mime_type="application/x-out").render(value) == (data, b"application/x-out")
    if hasattr(value, "close"):
        value.close()


def test_file_refuses_to_render_other_values_and_documents_its_mime_type() -> None:
    with pytest.raises(TypeError, match="cannot send int as a file"):
        File().render(42)
    assert File().render(b"x")[1] == b"application/octet-stream"
    assert File(mime_type="application/pdf").openapi_content() == {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}
    }
    assert File().openapi_content() == {"*/*": {"schema": {"type": "string", "format": "binary"}}}


# ---- Image --------------------------------------------------------------------------------------------------


def test_image_decodes_and_converts_to_pilmode() -> None:
    image = Image().parse(png(), "image/png")
    assert isinstance(image, PILImage.Image) and image.size == (4, 3) and image.mode == "RGB"
    gray = Image(pilmode="L").parse(png(), "image/png")
    assert gray.mode == "L" and gray.getpixel((0, 0)) == PILImage.new("RGB", (1, 1), (200, 10, 10)).convert("L").getpixel((0, 0))
    body, ctype = encode_multipart({"img": (png(size=(2, 2)), "image/png", "a.png")})
    assert Image().parse(body, ctype).size == (2, 2)


@pytest.mark.parametrize("body", [b"", b"not an image", png()[:20]])
def test_a_corrupt_image_is_invalid_input(body: bytes) -> None:
    with pytest.raises(InvalidInput, match="not an image Pillow can read") as err:
        Image().parse(body, "image/png")
    assert err.value.http_status == 400


def test_image_renders_pil_images_arrays_and_bytes() -> None:
    data, ctype = Image().render(PILImage.new("RGBA", (3, 3), (1, 2, 3, 128)))  # JPEG has no alpha: converted
    assert ctype == b"image/jpeg" and PILImage.open(io.BytesIO(data)).format == "JPEG"
    data, ctype = Image(mime_type="image/png").render(np.zeros((5, 6, 3), dtype=np.uint8))
    decoded = PILImage.open(io.BytesIO(data))
    assert ctype == b"image/png" and decoded.format == "PNG" and decoded.size == (6, 5)
    assert Image(mime_type="image/jpg").render(b"\xff\xd8raw") == (b"\xff\xd8raw", b"image/jpg")


# ---- over HTTP and through the client ---------------------------------------------------------------------


@argento.service(traffic={"timeout": 5})
class Media:
    @argento.api(input=File(), output=File(mime_type="application/x-reversed"))
    def reverse(self, f: UploadedFile) -> bytes:
        return f.filename.encode() + b":" + f.read()[::-1]

    @argento.api(input=Image(pilmode="L"), output=Image(mime_type="image/png"))
    def grayscale(self, image: PILImage.Image) -> PILImage.Image:
        return image

    @argento.api
    def size(self, image: PILImage.Image) -> list[int]:  # type-hint style: PIL.Image.Image → Image()
        return list(image.size)

    @argento.api
    def length(self, data: bytes) -> int:  # type-hint style: bytes arrive as bytes
        return len(data)

    @argento.api
    def thumbnail(self, image: PILImage.Image, width: int, label: str = "") -> dict:
        return {"size": [width, round(image.size[1] * width / image.size[0])], "label": label, "mode": image.mode}

    @argento.api
    def stat(self, doc: Path) -> dict:  # a temporary file, deleted once the value is released
        Media.last_path = str(doc)
        return {"suffix": doc.suffix, "bytes": doc.stat().st_size, "text": doc.read_text()}

    last_path = ""


@pytest.fixture(scope="module")
def media() -> Iterator[Running]:
    with serve_in_thread(Media) as running:
        yield running


def test_files_and_images_over_http(media: Running) -> None:
    with media.client() as c:
        r = c.post("/reverse", content=b"abc", headers={"content-type": "application/octet-stream"})
        assert r.status_code == 200 and r.content == b":cba"
        assert r.headers["content-type"] == "application/x-reversed"
        body, ctype = encode_multipart({"f": (b"xyz", "text/plain", "x.txt")})
        assert c.post("/reverse", content=body, headers={"content-type": ctype}).content == b"x.txt:zyx"
        r = c.post("/grayscale", content=png(), headers={"content-type": "image/png"})
        out = PILImage.open(io.BytesIO(r.content))
        assert r.headers["content-type"] == "image/png" and out.mode == "L" and out.size == (4, 3)
        r = c.post("/grayscale", content=b"garbage", headers={"content-type": "image/png"})
        assert r.status_code == 400 and r.json()["error"] == "invalid_input"
        assert c.post("/size", content=png(size=(7, 2)), headers={"content-type": "image/png"}).json() == [7, 2]
        assert c.post("/length", content=b"12345").json() == 5


def test_type_hinted_binary_parameters_come_from_a_form(media: Running) -> None:
    with media.client() as c:
        body, ctype = encode_multipart({
            "image": (png(size=(8, 4)), "image/png", "cat.png"),
            "width": (b"4", "", ""),  # form fields are JSON when they parse, else text
            "label": (b"a cat", "text/plain", ""),
        })
        r = c.post("/thumbnail", content=body, headers={"content-type": ctype})
        assert r.json() == {"size": [4, 2], "label": "a cat", "mode": "RGB"}
        body, ctype = encode_multipart({"image": (png(), "image/png", "x.png"), "width": (b"wide", "", "")})
        r = c.post("/thumbnail", content=body, headers={"content-type": ctype})
        assert r.status_code == 400 and "width: Input should be a valid integer" in r.json()["detail"]
        body, ctype = encode_multipart({"image": (b"not a png", "image/png", "x.png"), "width": (b"1", "", "")})
        r = c.post("/thumbnail", content=body, headers={"content-type": ctype})
        assert r.status_code == 400 and r.json()["detail"].startswith("image: body is not an image")
        r = c.post("/thumbnail", json={"image": "aGk=", "width": 3})  # a file cannot come as JSON
        assert r.status_code == 400 and "image: Value error, send this parameter as a file" in r.json()["detail"]
        body, ctype = encode_multipart({"doc": (b"hello", "text/plain", "notes.txt")})
        assert c.post("/stat", content=body, headers={"content-type": ctype}).json() == {
            "suffix": ".txt", "bytes": 5, "text": "hello"}
    # The upload's temporary file goes once the request lets go of the value (just after the response).
    deadline = time.monotonic() + 5
    while Path(Media.last_path).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert Media.last_path and not Path(Media.last_path).exists()


def test_the_openapi_document_describes_binary_bodies(media: Running) -> None:
    with media.client() as c:
        doc = c.get("/docs.json").json()
    body = doc["paths"]["/reverse"]["post"]["requestBody"]["content"]
    assert body == {"*/*": {"schema": {"type": "string", "format": "binary"}}}


def test_the_client_sends_and_decodes_files_and_images(media: Running, tmp_path: Path) -> None:
    src = tmp_path / "in.bin"
    src.write_bytes(b"hello")
    with argento.SyncHTTPClient(media.url) as client:
        assert client.call("reverse", b"data") == b":atad"
        assert client.call("reverse", src) == b":olleh"  # a path is sent as its bytes
        out = client.call("grayscale", PILImage.new("RGB", (3, 2), (0, 255, 0)))
        assert isinstance(out, PILImage.Image) and out.mode == "L" and out.size == (3, 2)
        assert client.call("size", PILImage.new("RGB", (9, 1))) == [9, 1]
        assert client.call("length", b"abc") == 3
        assert client.call("thumbnail", PILImage.new("RGB", (10, 5)), 2, label="x") == {
            "size": [2, 1], "label": "x", "mode": "RGB"}
        assert client.call("stat", doc=src) == {"suffix": ".bin", "bytes": 5, "text": "hello"}
