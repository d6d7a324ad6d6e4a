"""The `Repository` protocol every artifact store implements, its errors, and tree helpers built on it.

A repository stores objects by key (``my-wf/my-wf-gen-123/hello-art.tgz``). Everything streams: ``put`` reads
a host file in chunks, ``get`` writes a host file atomically, ``open`` returns a binary stream. A *directory*
artifact (``archive: {none: {}}`` on a folder) is the set of objects under ``key/`` — S3's convention, which
`put_tree`/`get_tree` implement once for every repository.
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, runtime_checkable

from argento import errors
from argento.errors import ArgentoError, NotFound, Unavailable

if TYPE_CHECKING:
    from argento.config import Settings

#: Copy buffer: big enough for throughput, small enough that memory stays flat for any artifact size.
CHUNK = 1 << 20
#: Parallel transfers for folder artifacts.
TREE_WORKERS = 8


class ArtifactError(ArgentoError):
    """An artifact could not be loaded or saved (the engine marks the node ``Error`` with this message)."""


class PartialSaveError(ArtifactError):
    """Some output artifacts could not be saved; ``saved`` holds the records of those that were (Argo's
    ``SaveArtifacts`` goes on past a failure and ``postmain.go`` reports what it saved alongside the error)."""

    def __init__(self, message: str, saved: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.saved = saved


class ArtifactNotFound(NotFound):
    """The key (or URL) holds no artifact; an ``optional`` input is skipped on this error."""


class RepositoryUnavailable(Unavailable):
    """The repository cannot be used (a TLS handshake that fails, …); trying again will not help."""


class RepositoryUnreachable(RepositoryUnavailable):
    """The repository cannot be reached right now (endpoint down, timeout, a 5xx): trying again may succeed."""

    transient = True


class DiskFull(ArtifactError, errors.DiskFull):
    """No space left while writing an artifact (the core :class:`~argento.errors.DiskFull`: 507)."""


@dataclass(frozen=True)
class ObjectInfo:
    """One stored object."""

    key: str
    size: int


@runtime_checkable
class Repository(Protocol):
    """An object store for artifacts. Keys are ``/``-separated and relative (no leading ``/``, no ``..``)."""

    #: Where the repository is, for messages and listings (``s3://bucket``, ``/home/me/.argento/artifacts``).
    url: str

    def put(self, key: str, src: Path) -> None:
        """Store the host file ``src`` at ``key`` (replacing it), streaming."""
        ...

    def get(self, key: str, dest: Path) -> None:
        """Write the object at ``key`` to the host file ``dest`` (atomically); `ArtifactNotFound` if absent."""
        ...

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the object at ``key``; `ArtifactNotFound` if absent."""
        ...

    def exists(self, key: str) -> bool:
        """Whether an object is stored exactly at ``key``."""
        ...

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """Objects whose key starts with ``prefix``, in key order."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object at ``key`` (no error if it is absent)."""
        ...


class RepositoryContext(Protocol):
    """What building a repository may use (:class:`argento.artifacts.locate.Repositories` gives it)."""

    settings: Settings

    def secret(self, namespace: str, ref: Mapping[str, Any] | None) -> str:
        """The value of a secret reference (``""`` for none)."""
        ...

    def cached(self, ident: str, make: Callable[[], Repository]) -> Repository:
        """The repository cached under ``ident``, made once."""
        ...

    def aliased(self, spec: dict[str, Any], namespace: str) -> Repository | dict[str, Any] | None:
        """What an ``endpoint`` of the service-alias table stands for: a repository, ``spec`` with the endpoint
        rewritten, or ``None`` (a real endpoint)."""
        ...


@dataclass(frozen=True)
class RepositoryKind:
    """One kind of artifact repository, declared once (:mod:`argento.artifacts.kinds`); every table that names
    repository kinds reads these. ``name`` is Argo's ``ArtifactRepository`` field (``s3``; ``local`` is
    Argento's folder). The functions take the kind's field of the ``ArtifactRepository`` dict."""

    name: str
    #: (context, field, namespace) -> the repository
    build: Callable[[RepositoryContext, Mapping[str, Any], str], Repository]
    #: ``ARGENTO_ARTIFACT_REPOSITORY``'s URL form: its scheme (``s3``) and parser (url, source) -> repository dict
    url_scheme: str | None = None
    parse_url: Callable[[str, str], dict[str, Any]] | None = None
    #: (field, source) -> raise ArtifactError naming what is wrong
    validate: Callable[[Mapping[str, Any], str], None] | None = None
    #: the URL a client in a step reaches the store at (the service alias ``artifacts``); None: it has none
    endpoint_url: Callable[[Mapping[str, Any]], str | None] | None = None
    #: where MLflow keeps its artifacts in this repository: (field, settings) -> destination URI or folder
    mlflow_destination: Callable[[Mapping[str, Any], Settings], str] | None = None
    #: the non-secret variables MLflow clients need to reach it (``MLFLOW_S3_ENDPOINT_URL``, …)
    client_env: Callable[[Mapping[str, Any]], dict[str, str]] | None = None
    #: variable -> secret reference, for the credentials MLflow's server needs (``AWS_ACCESS_KEY_ID``, …)
    client_secrets: Callable[[Mapping[str, Any]], dict[str, Mapping[str, Any]]] | None = None


def spec_identity(spec: Mapping[str, Any]) -> str:
    """A stable string for caching repositories built from the same location."""
    return json.dumps(spec, sort_keys=True, default=str)


def check_key(key: str) -> str:
    """Normalize a key and refuse ones that could escape a repository (``..``, absolute, empty)."""
    key = key.strip()
    if not key or key.startswith("/") or "\\" in key:
        raise ArtifactError(f"invalid artifact key {key!r}: keys are relative, /-separated paths")
    norm = posixpath.normpath(key)
    if norm in (".", "..") or norm.startswith("../") or "/../" in f"/{norm}/":
        raise ArtifactError(f"invalid artifact key {key!r}: '..' is not allowed")
    return norm


def is_dir(repo: Repository, key: str) -> bool:
    """Whether ``key`` names a directory artifact (objects stored under ``key/``)."""
    return next(iter(repo.list(key.rstrip("/") + "/")), None) is not None


def put_tree(
    repo: Repository, key: str, src: Path, resolve: Callable[[str], Path | None] | None = None
) -> int:
    """Upload every regular file under the host dir ``src`` to ``key/<relative path>``; returns the count.

    Symlinks to files are followed (Argo's S3 driver uploads what a path resolves to) — through ``resolve``
    when given (relative path -> host file as the step that wrote the tree sees it, or None for a link that
    leads outside the step's files, which is left out), else on the host. Broken links, sockets and fifos are
    skipped. Files go up `TREE_WORKERS` at a time (one request each on S3).
    """
    base = key.rstrip("/")
    jobs: list[tuple[str, Path]] = []
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            rel = path.relative_to(src).as_posix()
            if resolve is not None and path.is_symlink():
                target = resolve(rel)
                if target is None:
                    continue
                path = target
            if path.is_file():
                jobs.append((f"{base}/{rel}", path))
    _parallel(lambda job: repo.put(*job), jobs)
    return len(jobs)


def get_tree(repo: Repository, key: str, dest: Path) -> int:
    """Download every object under ``key/`` into the host dir ``dest``; returns the count."""
    prefix = key.rstrip("/") + "/"
    dest.mkdir(parents=True, exist_ok=True)
    jobs: list[tuple[str, Path]] = []
    for obj in repo.list(prefix):
        rel = obj.key[len(prefix) :]
        if not rel or rel.endswith("/"):
            continue  # folder markers some S3 clients write
        target = dest / check_key(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        jobs.append((obj.key, target))
    _parallel(lambda job: repo.get(*job), jobs)
    return len(jobs)


def _parallel(fn: Callable[[tuple[str, Path]], None], jobs: list[tuple[str, Path]]) -> None:
    """Run ``fn`` over ``jobs`` on a few threads; the first error is raised after the rest finished."""
    if len(jobs) <= 1:
        for job in jobs:
            fn(job)
        return
    with ThreadPoolExecutor(max_workers=min(TREE_WORKERS, len(jobs))) as pool:
        for future in [pool.submit(fn, job) for job in jobs]:
            future.result()


def delete_tree(repo: Repository, key: str) -> int:
    """Delete the object at ``key`` and every object under ``key/``; returns the count."""
    count = 0
    if repo.exists(key):
        repo.delete(key)
        count += 1
    for obj in list(repo.list(key.rstrip("/") + "/")):
        repo.delete(obj.key)
        count += 1
    return count


def copy_stream(src: BinaryIO, dst: BinaryIO) -> int:
    """Copy in `CHUNK` pieces; returns the byte count."""
    total = 0
    while True:
        chunk = src.read(CHUNK)
        if not chunk:
            return total
        dst.write(chunk)
        total += len(chunk)


def disk_error(exc: OSError, where: Path | str) -> ArtifactError:
    """A clear error for a failed local write: disk full gets its own wording."""
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(f"no space left on device while writing {where}")
    return ArtifactError(f"cannot write {where}: {exc.strerror or exc}")


def remove_path(path: Path) -> None:
    """Remove a file, symlink or folder if present."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
