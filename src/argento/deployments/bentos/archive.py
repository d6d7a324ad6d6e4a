"""Move bentos between machines: ``export`` (with its models materialised), ``import``, ``containerize``.

An archive (``<name>-<version>.bento``) is a gzipped tar of the bento folder plus, under ``models/``, each
model it serves (the model store's own archive files, :mod:`argento.registry.archive`). Import checks every
member (no links, absolute paths or ``..``; a bounded unpacked size), imports the models into the model store (an existing version
is kept as is), and publishes the bento atomically under its original tag.

``containerize`` writes an OCI build context — the bento, its models and a Dockerfile that installs the
locked requirements and runs ``argento serve`` — without building it (no container engine is assumed).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from argento.deployments.bentos.store import MANIFEST, Bento, BentoStore, BentoTag
from argento.errors import AlreadyExists, SpecError
from argento.yamlsafe import safe_load

SUFFIX = ".bento"
#: What one import may unpack at most (the bento and its models), and how many files.
MAX_IMPORT_BYTES = 64 << 30
MAX_IMPORT_MEMBERS = 100_000
_MODELS = "models"


def _model_store():  # type: ignore[no-untyped-def]
    from argento.registry.store import default_store

    return default_store()


def export_bento(store: BentoStore, tag: str | BentoTag, destination: str | os.PathLike[str]) -> Path:
    """Write ``tag`` to a file (or ``<folder>/<name>-<version>.bento``); returns the file written."""
    from argento.registry.archive import write_archive

    bento = store.get(tag)
    dest = Path(destination)
    if dest.is_dir() or str(destination).endswith("/"):
        dest = dest / f"{bento.name}-{bento.version}{SUFFIX}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    models = _model_store()
    try:
        with open(tmp, "wb") as fh, tarfile.open(fileobj=fh, mode="w:gz", compresslevel=6) as tar:
            for child in sorted(bento.path.iterdir()):
                if child.name != _MODELS:
                    tar.add(child, arcname=f"bento/{child.name}", recursive=True)
            for model_tag in bento.models:
                buf = io.BytesIO()
                write_archive(models, model_tag, buf)
                member = tarfile.TarInfo(f"{_MODELS}/{model_tag.replace(':', '-')}.argento-model")
                member.size = buf.tell()
                member.mode = 0o644
                buf.seek(0)
                tar.addfile(member, buf)
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()
    return dest


def _check(tar: tarfile.TarFile, source: str, max_bytes: int) -> None:
    total, count = 0, 0
    for member in tar:  # streamed: a huge member list is refused before it is all in memory
        name = member.name
        if name.startswith("/") or ".." in Path(name).parts or not (member.isfile() or member.isdir()):
            raise SpecError(
                f"{source}: unsafe archive member {name!r} (links, devices, absolute paths and .. "
                "are refused)"
            )
        if not name.startswith(("bento/", f"{_MODELS}/")) and name not in ("bento", _MODELS):
            raise SpecError(f"{source}: unexpected archive member {name!r}")
        total, count = total + member.size, count + 1
        if total > max_bytes or count > MAX_IMPORT_MEMBERS:
            raise SpecError(
                f"{source}: the archive unpacks to more than {max_bytes} bytes or {MAX_IMPORT_MEMBERS} files"
            )


def import_bento(
    store: BentoStore, source: str | os.PathLike[str], *, max_bytes: int = MAX_IMPORT_BYTES
) -> Bento:
    """Import an archive made by :func:`export_bento` (its models go into the model store).

    Every member is checked before anything is unpacked: regular files and folders under ``bento/`` and
    ``models/`` only, and at most ``max_bytes`` (and :data:`MAX_IMPORT_MEMBERS` files) once unpacked."""
    from argento.registry.archive import import_model

    src = str(source)
    staged_root = store.staging.new_dir("import")
    try:
        try:
            with tarfile.open(src, mode="r:*") as tar:
                _check(tar, src, max_bytes)
                tar.extractall(staged_root, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise SpecError(f"{src}: not a readable bento archive: {exc}") from exc
        staged = staged_root / "bento"
        if not (staged / MANIFEST).exists():
            raise SpecError(f"{src}: not a bento archive (no {MANIFEST})")
        manifest = safe_load((staged / MANIFEST).read_text(), MANIFEST) or {}
        tag = BentoTag.parse(f"{manifest.get('name')}:{manifest.get('version')}")
        for archive in sorted((staged_root / _MODELS).glob("*.argento-model")):
            with contextlib.suppress(AlreadyExists):  # the same immutable version is already here
                import_model(_model_store(), archive)
        assert tag.version is not None
        return store.publish(staged, tag.name, tag.version)
    finally:
        store.staging.discard(staged_root)


_DOCKERFILE = """\
# Generated by `argento containerize {tag}`. Build with: docker build -t {image} .
FROM python:{python}-slim
ENV ARGENTO_HOME=/home/argento/.argento PYTHONUNBUFFERED=1
RUN useradd --create-home argento
WORKDIR /home/argento/bento
COPY bento/env/requirements.lock.txt env/requirements.lock.txt
RUN pip install --no-cache-dir -r env/requirements.lock.txt{runtime}
COPY --chown=argento bento/ .
COPY --chown=argento models/ /home/argento/models/
USER argento
RUN for m in /home/argento/models/*.argento-model; do [ -e "$m" ] && argento models import "$m"; done; true
{envs}EXPOSE 3000
CMD ["argento", "serve", "{service}", "--working-dir", "src", "--host", "0.0.0.0", "--port", "3000"]
"""


def containerize(
    store: BentoStore,
    tag: str | BentoTag,
    output: str | os.PathLike[str] | None = None,
    *,
    image: str | None = None,
) -> Path:
    """Write a Docker/OCI build context for ``tag`` into ``output`` (default: a new temp folder)."""
    from argento.registry.archive import write_archive

    bento = store.get(tag)
    out = Path(output) if output else Path(tempfile.mkdtemp(prefix=f"argento-{bento.name}-"))
    out.mkdir(parents=True, exist_ok=True)
    if (out / "bento").exists():
        shutil.rmtree(out / "bento")
    shutil.copytree(bento.path, out / "bento", ignore=shutil.ignore_patterns(_MODELS))
    (out / "models").mkdir(exist_ok=True)
    for model_tag in bento.models:
        with open(out / "models" / f"{model_tag.replace(':', '-')}.argento-model", "wb") as fh:
            write_archive(_model_store(), model_tag, fh)
    python = bento.manifest.get("python") or {}
    pinned = any(r.lower().startswith("argento==") for r in python.get("requirements") or [])
    runtime = (  # bentos whose lock named an editable Argento's folder instead of its version
        f" \\\n && pip install --no-cache-dir 'argento=={bento.manifest.get('argento_version')}'"
        if python.get("editable") and not pinned
        else ""
    )
    envs = "".join(f"ENV {k}={_quote(v)}\n" for k, v in (bento.manifest.get("envs") or {}).items())
    (out / "Dockerfile").write_text(
        _DOCKERFILE.format(
            tag=bento.tag,
            image=image or f"{bento.name}:{bento.version}",
            python=python.get("version", "3.11"),
            runtime=runtime,
            envs=envs,
            service=bento.service,
        )
    )
    (out / ".dockerignore").write_text("**/__pycache__\n**/*.pyc\n")
    return out


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
