"""The local-folder repository (the default: ``<ARGENTO_HOME>/artifacts``).

An object is a file at ``<root>/<key>``. Writes go to a temporary file in the same folder, are fsynced and
then renamed over the target, so a reader never sees half an artifact and a crash (or a full disk) leaves
the previous object intact. A directory artifact is a real folder of files (``key/…``), the same layout
`put_tree` produces on S3.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from argento.artifacts.base import (
    ArtifactError,
    ArtifactNotFound,
    ObjectInfo,
    Repository,
    RepositoryContext,
    RepositoryKind,
    check_key,
    copy_stream,
    disk_error,
)
from argento.config import Settings
from argento.errors import SpecError
from argento.paths import safe_key


class LocalRepository:
    """Artifacts stored as files under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser()
        self.url = str(self.root)

    def __repr__(self) -> str:
        return f"LocalRepository({self.url!r})"

    def path(self, key: str) -> Path:
        """The host path of ``key`` (validated so it cannot leave ``root``, symbolic links included)."""
        try:
            return safe_key(self.root, check_key(key), what="artifact key")
        except SpecError as exc:
            raise ArtifactError(str(exc)) from None

    # -- writes ------------------------------------------------------------------------------------------
    def put(self, key: str, src: Path) -> None:
        """Copy ``src`` to ``key`` atomically (temp file + fsync + rename)."""
        target = self.path(key)
        try:
            with open(src, "rb") as fin:
                atomic_write(target, fin)
        except FileNotFoundError as exc:
            raise ArtifactError(f"cannot read {src}: no such file or directory") from exc

    def delete(self, key: str) -> None:
        target = self.path(key)
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            target.unlink()
        # Drop folders left empty, up to the root (keeps `ls` of the repository tidy).
        parent = target.parent
        while parent != self.root and parent.is_relative_to(self.root):
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    # -- reads -------------------------------------------------------------------------------------------
    def get(self, key: str, dest: Path) -> None:
        with self.open(key) as fin:
            atomic_write(Path(dest), fin, fsync=False)  # a scratch copy: atomic, durability not needed

    def open(self, key: str) -> BinaryIO:
        target = self.path(key)
        try:
            if target.is_dir():
                raise ArtifactNotFound(f"artifact {self.url}/{key} is a directory, not a file")
            return open(target, "rb")
        except FileNotFoundError:
            raise ArtifactNotFound(f"key {key} does not exist in {self.url}") from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """Files whose key starts with ``prefix`` (a folder prefix ``a/b/`` or any string prefix)."""
        if not self.root.is_dir():
            return
        head, _, _ = prefix.rpartition("/")
        start = self.path(head) if head else self.root
        if not start.is_dir():
            return
        found: list[ObjectInfo] = []
        for root, dirs, files in os.walk(start):
            dirs[:] = [d for d in dirs if not d.startswith(".argento-tmp")]
            for name in files:
                if name.startswith(".argento-tmp"):
                    continue  # a write in progress
                path = Path(root) / name
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    with contextlib.suppress(FileNotFoundError):
                        found.append(ObjectInfo(key, path.stat().st_size))
        yield from sorted(found, key=lambda o: o.key)


def atomic_write(target: Path, src: BinaryIO, *, fsync: bool = True) -> int:
    """Stream ``src`` into ``target`` via a temp file in the same folder; returns the byte count.

    On any failure (disk full included) the temp file is removed and the previous ``target`` is untouched.
    ``fsync`` makes the content durable before the rename (repository writes); scratch copies skip it.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".argento-tmp-", dir=target.parent)
    except OSError as exc:
        raise disk_error(exc, target) from None
    try:
        with os.fdopen(fd, "wb") as fout:
            size = copy_stream(src, fout)
            fout.flush()
            if fsync:
                os.fsync(fout.fileno())
        os.replace(tmp, target)
        return size
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise disk_error(exc, target) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _build(ctx: RepositoryContext, local: Mapping[str, Any], namespace: str) -> Repository:
    path = folder(local, ctx.settings)
    return ctx.cached(f"local:{path}", lambda: LocalRepository(path))


def folder(local: Mapping[str, Any], settings: Settings) -> Path:
    """The folder of a ``local: {path}`` repository (none: ``<ARGENTO_HOME>/artifacts``)."""
    return Path(str(local.get("path"))).expanduser() if local.get("path") else settings.home / "artifacts"


def _mlflow_destination(local: Mapping[str, Any], settings: Settings) -> str:
    path = folder(local, settings) / "mlflow"
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


#: Argento's local folder (``local: {path}``, or no location at all): folders and ``file://`` URLs in
#: ``ARGENTO_ARTIFACT_REPOSITORY`` (argento.artifacts.config); no endpoint a client could reach.
KIND = RepositoryKind("local", _build, mlflow_destination=_mlflow_destination)
