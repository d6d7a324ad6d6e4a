"""Archive strategies, as Argo's executor applies them: tar+gzip (default), ``none``, ``zip``.

Saving (`pack`): the default and ``tar`` write ``<name>.tgz`` whose single top-level entry is the base name of
the artifact path (a file, or a folder with its tree); ``zip`` writes ``<name>.zip`` the same way; ``none``
uploads the file (or folder) as it is under the base name of its path. Loading (`unpack`): an explicit
strategy is honoured, otherwise a tarball is detected and extracted; when an archive holds a single
top-level entry, that entry becomes the artifact path, else the extracted folder does (Argo's ``untar``).
Everything streams through files: nothing is read whole into memory.
"""

from __future__ import annotations

import os
import posixpath
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argento.artifacts.base import ArtifactError, disk_error, remove_path

#: Go's ``gzip.DefaultCompression`` (Argo's default); Python's own default (9) is several times slower.
DEFAULT_LEVEL = 6


@dataclass(frozen=True)
class Packed:
    """A staged output: ``file_name`` is the last key segment, ``path`` what to upload."""

    file_name: str
    path: Path
    is_dir: bool
    #: True when ``path`` is a temporary archive to delete after the upload.
    temporary: bool


def strategy_of(art: dict[str, Any]) -> str:
    """``tar`` (the default), ``none`` or ``zip``."""
    archive = art.get("archive") or {}
    if archive.get("none") is not None:
        return "none"
    if archive.get("zip") is not None:
        return "zip"
    return "tar"


def pack(art: dict[str, Any], src: Path, staging: Path) -> Packed:
    """Stage the host path ``src`` of output artifact ``art`` for upload, archived per ``art['archive']``."""
    name = str(art.get("name"))
    base = posixpath.basename(posixpath.normpath(str(art.get("path") or name))) or name
    strategy = strategy_of(art)
    if strategy == "none":
        return Packed(base, src, src.is_dir(), temporary=False)
    try:
        staging.mkdir(parents=True, exist_ok=True)
        if strategy == "zip":
            out = staging / f"{name}.zip"
            zip_path(src, out, base)
            return Packed(out.name, out, False, temporary=True)
        level = ((art.get("archive") or {}).get("tar") or {}).get("compressionLevel")
        out = staging / f"{name}.tgz"
        tar_gz(src, out, base, DEFAULT_LEVEL if level is None else int(level))
        return Packed(out.name, out, False, temporary=True)
    except OSError as exc:
        raise disk_error(exc, staging) from None


def tar_gz(src: Path, out: Path, arcname: str, level: int = DEFAULT_LEVEL) -> None:
    """Write ``src`` (file or folder) into the gzip'd tarball ``out`` under ``arcname``."""
    level = min(max(level, 0), 9)
    with tarfile.open(out, "w:gz", compresslevel=level, format=tarfile.PAX_FORMAT) as tar:
        tar.add(src, arcname=arcname, recursive=True)  # sockets/fifos are skipped by tarfile itself


def zip_path(src: Path, out: Path, arcname: str) -> None:
    """Write ``src`` (file or folder) into the zip file ``out`` under ``arcname``."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        if src.is_file():
            zf.write(src, arcname)
            return
        for root, dirs, files in os.walk(src):
            dirs.sort()
            rel_root = Path(root).relative_to(src)
            zf.write(root, str(Path(arcname) / rel_root) + "/")
            links = [d for d in dirs if os.path.islink(os.path.join(root, d))]
            for name in sorted([*files, *links]):
                path = Path(root) / name
                if path.is_symlink():
                    # Argo's zipDir writes a link as an empty entry: its target is never read.
                    zf.writestr(str(Path(arcname) / rel_root / name), b"")
                elif path.is_file():
                    zf.write(path, str(Path(arcname) / rel_root / name))


def is_tarball(path: Path) -> bool:
    """Argo's ``isTarball``: a (possibly gzip'd) tar with at least one entry."""
    try:
        with tarfile.open(path, "r:*") as tar:
            return tar.next() is not None
    except (tarfile.TarError, OSError, EOFError):
        return False


def unpack(art: dict[str, Any], downloaded: Path, dest: Path) -> None:
    """Turn the downloaded object into the artifact at host path ``dest`` (file or folder)."""
    archive = art.get("archive") or {}
    if archive.get("none") is not None:
        kind = "none"
    elif archive.get("tar") is not None:
        kind = "tar"
    elif archive.get("zip") is not None:
        kind = "zip"
    else:
        kind = "tar" if is_tarball(downloaded) else "none"
    try:
        if kind == "none":
            os.replace(downloaded, dest)
            return
        staging = dest.with_name(dest.name + ".tmpdir")
        remove_path(staging)
        staging.mkdir(parents=True)
        try:
            if kind == "tar":
                _untar(downloaded, staging)
            else:
                _unzip(downloaded, staging)
        except (tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
            remove_path(staging)
            raise ArtifactError(f"artifact {art.get('name')} is not a valid {kind} archive: {exc}") from None
        downloaded.unlink(missing_ok=True)
        entries = list(staging.iterdir())
        if len(entries) == 1:
            os.replace(entries[0], dest)
            staging.rmdir()
        else:
            os.replace(staging, dest)
    except OSError as exc:
        raise disk_error(exc, dest) from None


def _safe_member(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
    """tarfile's ``data`` filter, except that links pointing outside the artifact are dropped, not fatal."""
    try:
        return tarfile.data_filter(member, dest)
    except tarfile.FilterError:
        if member.issym() or member.islnk():
            return None
        raise ArtifactError(
            f"refusing archive entry {member.name!r}: it would be written outside the artifact"
        ) from None


def _untar(path: Path, dest: Path) -> None:
    with tarfile.open(path, "r:*") as tar:
        tar.extractall(dest, filter=_safe_member)


def _unzip(path: Path, dest: Path) -> None:
    # zipfile strips absolute paths and '..' components from member names itself.
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            target = Path(zf.extract(info, dest))
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                target.chmod(mode)
