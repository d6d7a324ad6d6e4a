"""IO descriptors: how an API's request body becomes a Python value and its result becomes a response.

``JSON``, ``Text`` and the type-hint schemas need only pydantic; ``NumpyNdarray`` and ``PandasDataFrame``
import numpy/pandas when built; ``Image`` needs Pillow. Names resolve lazily so that importing this package
imports none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from argento import lazy

if TYPE_CHECKING:
    from argento.serving.io.arrays import NumpyNdarray, PandasDataFrame
    from argento.serving.io.base import IODescriptor
    from argento.serving.io.binary import File, Image, UploadedFile
    from argento.serving.io.hints import DType, Shape
    from argento.serving.io.jsonlike import JSON, Text
    from argento.serving.io.multipart import Multipart

_WHERE = {
    "IODescriptor": ".base",
    "JSON": ".jsonlike",
    "Text": ".jsonlike",
    "NumpyNdarray": ".arrays",
    "PandasDataFrame": ".arrays",
    "File": ".binary",
    "Image": ".binary",
    "UploadedFile": ".binary",
    "Multipart": ".multipart",
    "Shape": ".hints",
    "DType": ".hints",
}

__all__ = [
    "JSON",
    "DType",
    "File",
    "IODescriptor",
    "Image",
    "Multipart",
    "NumpyNdarray",
    "PandasDataFrame",
    "Shape",
    "Text",
    "UploadedFile",
]

__getattr__, __dir__ = lazy.exports(__name__, _WHERE, globals())
