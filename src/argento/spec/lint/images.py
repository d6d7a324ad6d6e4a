"""The images a manifest names, checked against the local image table (SPEC §2.4).

Argo has no such rule — a cluster pulls any image — but locally an image runs through a mapping
(`argento.executors.images`), and one without a mapping runs its command on the host. Lint says so once per
image (at its first use), as a warning: the workflow is valid. ``spec`` knows nothing of running, so the
check itself is a callable the caller passes (``image -> message``, ``""`` when the image is fine); the
CLI passes the image table's ``check``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from argento.spec.lint.context import Holder, raw_at
from argento.spec.lint.report import Problem
from argento.spec.load import Document
from argento.spec.source_map import Path, format_path

#: ``image -> warning`` ("" when the image runs as its own runtime).
ImageCheck = Callable[[str], str]

_CONTAINER_LISTS = ("sidecars", "initContainers")


def template_images(spec: Any, base: Path) -> Iterator[tuple[Path, str]]:
    """``(field path, image)`` for every container of a workflow spec (templates and ``templateDefaults``)."""
    if not isinstance(spec, dict):
        return
    for key in ("container", "script"):
        image = raw_at(spec, ("templateDefaults", key, "image"))
        if isinstance(image, str) and image:
            yield (*base, "templateDefaults", key, "image"), image
    for i, tmpl in enumerate(spec.get("templates") or []):
        if not isinstance(tmpl, dict):
            continue
        path = (*base, "templates", i)
        for key in ("container", "script"):
            image = raw_at(tmpl, (key, "image"))
            if isinstance(image, str) and image:
                yield (*path, key, "image"), image
        groups = [("containerSet", "containers"), *((name,) for name in _CONTAINER_LISTS)]
        for group in groups:
            containers = raw_at(tmpl, group)
            for j, container in enumerate(containers if isinstance(containers, list) else []):
                image = container.get("image") if isinstance(container, dict) else None
                if isinstance(image, str) and image:
                    yield (*path, *group, j, "image"), image


#: One image named by a manifest: ``(image, field path, file:line:col, file)`` (JSON-friendly: ``argento run``
#: keeps them with the manifests it has checked, see :mod:`argento.cli.checked`).
ImageUse = tuple[str, str, str, str]


def image_uses(docs: Iterable[Document]) -> list[ImageUse]:
    """The first use of every image ``docs`` name, in order (``{{…}}`` images are only known at run time,
    where the executor checks them)."""
    uses: list[ImageUse] = []
    seen: set[str] = set()
    for doc in docs:
        holder = Holder.of(doc)
        if holder is None:
            continue
        for path, image in template_images(raw_at(doc.raw, holder.path), holder.path):
            if image in seen or "{{" in image:
                continue
            seen.add(image)
            uses.append((image, format_path(path), doc.locate(path), doc.filename))
    return uses


def check_images(docs: Iterable[Document], check: ImageCheck) -> list[Problem]:
    """One warning per image that will not run as its own runtime, at its first use."""
    problems: list[Problem] = []
    for image, path, location, filename in image_uses(docs):
        message = check(image)
        if message:
            problems.append(Problem("warning", message, path, location, filename))
    return problems
