"""Export a model version to one archive file, and import it into a store — locally or via ``s3://``.

An archive (``<name>-<version>.argento-model``) is a gzipped tar::

    argento-model.json     {"format": 1, "tag": "iris:v3", "labels": {...current labels...}}
    model/model.yaml       the version's manifest (name, version, created_at … kept as they were)
    model/...              the artifact files

Import checks every member (regular files and folders under ``model/`` only: no links, devices, absolute
paths or ``..``), unpacks into the store's staging area and publishes the version atomically; it keeps the
version and creation time, so an imported ``iris:v3`` is the same ``iris:v3``. An existing version is never
overwritten (:class:`AlreadyExists`).

``s3://bucket/key`` destinations and sources use boto3 (extra ``argento[s3]``) with its usual configuration:
credentials and region from the environment or ``~/.aws``, a custom endpoint (MinIO, …) from
``AWS_ENDPOINT_URL`` or ``AWS_ENDPOINT_URL_S3``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from argento.errors import ArgentoError, NotFound, SpecError, Unavailable
from argento.registry.model import MANIFEST, Model, Tag, normalise_labels
from argento.registry.store import ModelStore
from argento.registry.versions import validate_name, validate_version
from argento.yamlsafe import safe_load

SUFFIX = ".argento-model"
FORMAT = 1
_INFO = "argento-model.json"
_PREFIX = "model"


def default_filename(tag: Tag) -> str:
    """``iris-v3.argento-model``."""
    return f"{tag.name}-{tag.version}{SUFFIX}"


def _is_s3(location: str | os.PathLike[str]) -> bool:
    return isinstance(location, str) and location.startswith("s3://")


def _split_s3(url: str) -> tuple[str, str]:
    bucket, _, key = url[len("s3://") :].partition("/")
    if not bucket:
        raise SpecError(f"invalid S3 URL {url!r}: expected s3://BUCKET/KEY")
    return bucket, key


def _s3_client() -> Any:
    try:
        import boto3
    except ImportError as exc:
        raise SpecError("s3:// needs boto3: pip install 'argento[s3]'") from exc
    return boto3.client("s3")


def _s3_error(exc: Exception, url: str) -> ArgentoError:
    """Map a boto3 failure to our error tree, naming the URL and never the credentials."""
    response = getattr(exc, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    if code in ("404", "NoSuchKey", "NoSuchBucket", "NotFound"):
        return NotFound(f"{url} not found ({code})")
    if code:
        return ArgentoError(f"S3 request for {url} failed: {code}")
    if "Credentials" in type(exc).__name__:
        return ArgentoError(
            f"no S3 credentials for {url}: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile"
        )
    return Unavailable(f"S3 unreachable for {url}: {type(exc).__name__}: {exc}")


def write_archive(store: ModelStore, tag: str | Tag, fh: Any) -> Tag:
    """Write the archive of ``tag`` into the binary file object ``fh``; returns the concrete tag."""
    model = store.get(tag)
    info = {"format": FORMAT, "tag": model.tag, "labels": model.labels}
    with tarfile.open(fileobj=fh, mode="w:gz", compresslevel=6) as tar:
        data = json.dumps(info, indent=2).encode()
        member = tarfile.TarInfo(_INFO)
        member.size = len(data)
        member.mode = 0o644
        tar.addfile(member, io.BytesIO(data))
        tar.add(model.path, arcname=_PREFIX, recursive=True)
    return Tag(model.name, model.version)


def export_model(store: ModelStore, tag: str | Tag, destination: str | os.PathLike[str]) -> str:
    """Export one version to a file path, a folder (``<folder>/<name>-<version>.argento-model``) or
    ``s3://bucket/key`` (a key ending in ``/`` is a folder). Returns where it was written."""
    resolved = store.resolve(tag)
    if _is_s3(destination):
        url = str(destination)
        bucket, key = _split_s3(url)
        if not key or key.endswith("/"):
            key += default_filename(resolved)
        url = f"s3://{bucket}/{key}"
        with tempfile.TemporaryFile() as fh:
            write_archive(store, resolved, fh)
            fh.seek(0)
            try:
                _s3_client().upload_fileobj(fh, bucket, key)
            except ArgentoError:
                raise
            except Exception as exc:
                raise _s3_error(exc, url) from exc
        return url
    path = Path(destination).expanduser()
    if path.is_dir() or str(destination).endswith(os.sep):
        path = path / default_filename(resolved)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as fh:
            write_archive(store, resolved, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return str(path)


def _check_members(tar: tarfile.TarFile, source: str) -> None:
    for member in tar.getmembers():
        parts = Path(member.name).parts
        if member.name.startswith("/") or ".." in parts:
            raise SpecError(f"{source}: unsafe path {member.name!r} in model archive")
        if member.name != _INFO and (not parts or parts[0] != _PREFIX):
            raise SpecError(f"{source}: unexpected member {member.name!r}: not an Argento model archive")
        if not (member.isfile() or member.isdir()):
            raise SpecError(f"{source}: {member.name!r} is a link or device; model archives hold files only")


def read_archive(store: ModelStore, fh: Any, source: str) -> Model:
    """Unpack an archive from the binary file object ``fh`` and publish it in ``store``; returns the Model."""
    staged_root = store.staging.new_dir("import")
    try:
        try:
            with tarfile.open(fileobj=fh, mode="r:*") as tar:
                _check_members(tar, source)
                names = tar.getnames()
                if _INFO not in names or f"{_PREFIX}/{MANIFEST}" not in names:
                    raise SpecError(f"{source}: not an Argento model archive (no {_INFO} / {MANIFEST})")
                tar.extractall(staged_root, filter="data")
        except tarfile.TarError as exc:
            raise SpecError(f"{source}: not a readable model archive: {exc}") from exc
        info = json.loads((staged_root / _INFO).read_text())
        if info.get("format") != FORMAT:
            raise SpecError(f"{source}: unsupported model archive format {info.get('format')!r}")
        staged = staged_root / _PREFIX
        manifest = safe_load((staged / MANIFEST).read_text(), MANIFEST)
        (staged / MANIFEST).unlink()  # the store writes the manifest it publishes
        if not isinstance(manifest, dict) or not manifest.get("created_at"):
            raise SpecError(f"{source}: {MANIFEST} is incomplete")
        manifest["name"] = validate_name(manifest.get("name"))
        manifest["version"] = validate_version(manifest.get("version"))
        return store.commit(staged, manifest, labels=normalise_labels(info.get("labels")) or None)
    finally:
        store.staging.discard(staged_root)


@contextlib.contextmanager
def _open_source(source: str | os.PathLike[str]) -> Iterator[Any]:
    if _is_s3(source):
        url = str(source)
        bucket, key = _split_s3(url)
        with tempfile.TemporaryFile() as fh:
            try:
                _s3_client().download_fileobj(bucket, key, fh)
            except ArgentoError:
                raise
            except Exception as exc:
                raise _s3_error(exc, url) from exc
            fh.seek(0)
            yield fh
        return
    path = Path(source).expanduser()
    if not path.is_file():
        raise NotFound(f"model archive {path} not found")
    with open(path, "rb") as fh:
        yield fh


def import_model(store: ModelStore, source: str | os.PathLike[str]) -> Model:
    """Import an archive from a file path or ``s3://bucket/key``; returns the imported Model."""
    with _open_source(source) as fh:
        return read_archive(store, fh, str(source))
