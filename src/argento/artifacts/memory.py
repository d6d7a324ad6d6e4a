"""An in-memory `Repository` for unit tests (holds whole objects in memory; never used for real runs)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from argento.artifacts.base import ArtifactNotFound, ObjectInfo, check_key
from argento.artifacts.local import atomic_write


class MemoryRepository:
    """Objects in a dict. ``fail`` (if set) is called with the operation name before each operation, so a
    test can inject faults: ``MemoryRepository(fail=lambda op: raise_if(op == "put"))``."""

    def __init__(self, url: str = "memory://test", fail: Callable[[str], None] | None = None) -> None:
        self.url = url
        self.objects: dict[str, bytes] = {}
        self.fail = fail

    def _check(self, op: str) -> None:
        if self.fail is not None:
            self.fail(op)

    def put(self, key: str, src: Path) -> None:
        self._check("put")
        self.objects[check_key(key)] = Path(src).read_bytes()

    def get(self, key: str, dest: Path) -> None:
        with self.open(key) as fin:
            atomic_write(Path(dest), fin, fsync=False)

    def open(self, key: str) -> BinaryIO:
        self._check("get")
        try:
            return io.BytesIO(self.objects[check_key(key)])
        except KeyError:
            raise ArtifactNotFound(f"key {key} does not exist in {self.url}") from None

    def exists(self, key: str) -> bool:
        self._check("exists")
        return check_key(key) in self.objects

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        self._check("list")
        for key in sorted(self.objects):
            if key.startswith(prefix):
                yield ObjectInfo(key, len(self.objects[key]))

    def delete(self, key: str) -> None:
        self._check("delete")
        self.objects.pop(check_key(key), None)
