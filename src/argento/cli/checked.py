"""Manifests ``argento run`` (and ``argento submit``) have already checked, remembered by content.

Before every run the manifest is parsed (YAML with positions), validated against Argo's typed models
(pydantic) and linted. That costs more than a short workflow's run: the models alone take ~0.1–0.2 s to
build in a fresh process. The outcome depends only on the bytes of the files and on Argento's own code, so
once a manifest has passed, what the run needs from it is kept in ``<home>/checked/<key>.json``: the
workflow as validated (Go's case-insensitive field names already folded), the WorkflowTemplates, the
ConfigMaps and the images named with their ``file:line:col``. The next run of the same bytes reads that JSON
and imports none of YAML, pydantic, the models or lint.

The key hashes the run's files (the manifest and every file ``--templates`` finds, by path and content) with
a fingerprint of the code that decides the outcome (``argento.spec``, ``argento.expr``, the modules they use,
the installed pydantic/PyYAML), so any edit of either is a miss. Only a manifest that parsed, and was linted
without errors, is kept: every error is still produced — and worded — by the full path. Image warnings
depend on the local image table, not on the manifest, so they are checked again on every run.

``argento submit`` keeps its own entries (`SubmitCheck`): its lint also resolves ``templateRef`` against the
server's templates, so an entry remembers which templates those were and the digests of their contents with
which lint passed; each submit fetches them again (small requests) and takes the entry only when their digest
is one of those.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argento import __version__
from argento.paths import private_dir

#: format of the entries (bump when what is kept changes)
FORMAT = 1
#: entries kept; the oldest are removed beyond this
KEEP = 256

_ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # src/argento
#: the code whose behaviour decides whether a manifest passes, and what the run gets from it
_CODE = (
    "spec",
    "expr",
    "names.py",
    "yamlsafe.py",
    "errors.py",
    "engine/inputs.py",
    "cli/checked.py",
    "cli/run.py",
    "cli/workflows.py",
)
_LIBRARIES = ("pydantic", "pydantic_core", "yaml")


@dataclass
class CheckedInputs:
    """What ``argento run`` takes from its manifests (the subset of `RunInputs` a run uses)."""

    workflow: dict[str, Any]
    registry: Any  # argento.engine.resolve.TemplateRegistry
    configmaps: dict[str, dict[str, str]] = field(default_factory=dict)
    #: ``(image, field path, file:line:col, file)`` of the first use of each image (lint's ``image_uses``)
    images: list[tuple[str, str, str, str]] = field(default_factory=list)
    #: whether this came from the cache (for tests and ``--debug``)
    cached: bool = False


@functools.cache
def code_fingerprint() -> str:
    """Version, size and mtime of every source file that decides the outcome of parse + lint."""
    parts = [__version__]
    for rel in _CODE:
        path = os.path.join(_ROOT, rel)
        if os.path.isdir(path):
            _stamp_tree(path, parts)
        else:
            parts.append(_stamp(path))
    for lib in _LIBRARIES:
        spec = importlib.util.find_spec(lib)
        parts.append(_stamp(spec.origin) if spec is not None and spec.origin else f"{lib}:-")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _stamp_tree(folder: str, parts: list[str]) -> None:
    """The stamps of the ``.py`` files under ``folder``, sorted by name, sub-folders after the files."""
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        if entry.name.endswith(".py") and entry.is_file():
            parts.append(_stamp(entry.path))
    for entry in entries:
        if entry.is_dir() and entry.name != "__pycache__":
            _stamp_tree(entry.path, parts)


def _stamp(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return f"{path}:-"
    return f"{path}:{st.st_size}:{st.st_mtime_ns}"


def cache_key(file: str | Path, templates: list[str | Path]) -> str | None:
    """The key of a run's files, or None when one cannot be read (the full path then says why)."""
    from argento.spec.files import manifest_files

    return _files_key("", [Path(file), *manifest_files(templates)])


def _files_key(tag: str, paths: Sequence[Path]) -> str | None:
    """A digest of the code fingerprint and each file's path and bytes (``tag`` keeps commands apart);
    None when a file cannot be read."""
    header = f"{FORMAT}\n" + (f"{tag}\n" if tag else "") + f"{code_fingerprint()}\n"
    digest = hashlib.sha256(header.encode())
    try:
        for path in paths:
            data = path.read_bytes()
            digest.update(f"{path.resolve()}\n{len(data)}\n".encode())
            digest.update(data)
    except OSError:
        return None
    return digest.hexdigest()


def load_checked(file: str | Path, templates: list[str | Path], *, lint: bool, home: Path) -> CheckedInputs:
    """The run's inputs: from ``<home>/checked`` when these files passed before, else parsed (and linted
    unless ``lint`` is False) — raising the spec's errors exactly as :func:`load_run_inputs` and lint do."""
    key = cache_key(file, templates)
    folder = home / "checked"
    if key is not None:
        found = _read(folder / f"{key}.json")
        if found is not None:
            return found
    inputs = _check(file, templates, lint=lint)
    if key is not None and lint:  # kept only once lint has passed: a --no-lint run proves nothing
        _write(folder, key, inputs)
    return inputs


def _check(file: str | Path, templates: list[str | Path], *, lint: bool) -> CheckedInputs:
    from argento.engine.inputs import load_run_inputs
    from argento.errors import SpecError, SpecErrors
    from argento.spec.lint import lint_documents
    from argento.spec.lint.images import image_uses

    inputs = load_run_inputs(file, list(templates))
    if lint:
        report = lint_documents([inputs.document], templates=inputs.template_documents)
        if report.errors:
            raise SpecErrors([SpecError(p.message, path=p.path, location=p.location) for p in report.errors])
    return CheckedInputs(
        workflow=inputs.workflow,
        registry=inputs.registry,
        configmaps=inputs.configmaps,
        images=image_uses([inputs.document, *inputs.template_documents]),
    )


def _load(path: Path) -> dict[str, Any] | None:
    """An entry's data, or None when it is missing, unreadable or of another format."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    return data


def _read(path: Path) -> CheckedInputs | None:
    data = _load(path)
    if data is None:
        return None
    from argento.engine.resolve import TemplateRegistry

    registry = TemplateRegistry()
    for resource in data["templates"]:
        registry.add(resource)
    return CheckedInputs(
        workflow=data["workflow"],
        registry=registry,
        configmaps=data["configmaps"],
        images=[tuple(use) for use in data["images"]],  # type: ignore[misc]
        cached=True,
    )


def _write(folder: Path, key: str, inputs: CheckedInputs) -> None:
    """Keep ``inputs`` under ``key`` (atomically; a failure to write only costs the next run the check)."""
    templates = [*inputs.registry.namespaced.values(), *inputs.registry.cluster.values()]
    _store(
        folder,
        key,
        {
            "workflow": inputs.workflow,
            "templates": templates,
            "configmaps": inputs.configmaps,
            "images": [list(use) for use in inputs.images],
        },
    )


def _store(folder: Path, key: str, data: dict[str, Any]) -> None:
    """Keep ``data`` as ``<folder>/<key>.json`` atomically; not plain JSON (integer keys, dates, …) or a failure
    to write is skipped (it only costs the next command the check)."""
    data = {"format": FORMAT, **data}
    try:
        text = json.dumps(data)
        if json.loads(text) != data:
            return
        private_dir(folder)
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, folder / f"{key}.json")
        _prune(folder)
    except (OSError, TypeError, ValueError):
        return


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    for stale in entries[:-KEEP]:
        stale.unlink(missing_ok=True)


# -- argento submit ------------------------------------------------------------------------------------------
#: digests of server templates remembered per entry (the templates a manifest references may change)
KEEP_PASSED = 8


@dataclass
class SubmitCheck:
    """What ``argento submit`` keeps of files whose Workflows passed lint: the Workflows as it sends them, the
    templates they reference that the files do not hold (lint looked them up on the server), and the digests
    (`templates_digest`) of those server templates with which lint passed."""

    workflows: list[dict[str, Any]]
    refs: list[tuple[str, bool]]  # (name, cluster-scoped)
    passed: list[str]


def submit_key(files: Sequence[str]) -> str | None:
    """The key of the files ``argento submit`` reads; None for stdin or an unreadable file (the full path)."""
    if "-" in files:
        return None
    key = _files_key("submit", [Path(file) for file in files])
    return None if key is None else "submit-" + key


def templates_digest(fetched: Sequence[Any]) -> str:
    """The digest of the server templates lint saw (JSON as the server answered; None for a missing one)."""
    return hashlib.sha256(json.dumps(list(fetched), sort_keys=True).encode()).hexdigest()


def read_submit(home: Path, key: str) -> SubmitCheck | None:
    data = _load(home / "checked" / f"{key}.json")
    if data is None:
        return None
    try:
        return SubmitCheck(
            workflows=list(data["workflows"]),
            refs=[(str(name), bool(cluster)) for name, cluster in data["refs"]],
            passed=[str(d) for d in data["passed"]],
        )
    except (KeyError, TypeError, ValueError):
        return None


def write_submit(home: Path, key: str, check: SubmitCheck) -> None:
    _store(
        home / "checked",
        key,
        {
            "workflows": check.workflows,
            "refs": [list(ref) for ref in check.refs],
            "passed": check.passed[:KEEP_PASSED],
        },
    )
