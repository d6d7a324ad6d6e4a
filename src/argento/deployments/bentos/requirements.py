"""Lock a bento's Python requirements from the current environment (``pip freeze``, filtered).

What a service needs is (1) the distributions its source files import (found statically with ``ast`` and
mapped to distributions with ``importlib.metadata.packages_distributions``), (2) the packages the build
file declares, and (3) Argento itself (the runtime). The lock is the closure of those over ``Requires-Dist``
(markers evaluated for this interpreter, extras followed), each pinned to the version installed here — the
``pip freeze`` of exactly what the service can reach, nothing else of the build machine.

A distribution installed in editable (development) mode is pinned by its version like any other — never by
its source folder, which exists only on this machine — and named in ``editable`` for the record. The machine
that serves the bento installs that version: from its own environment when it has it (an editable install
there brings its own checkout, see ``env.py``), else from the index.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from argento.errors import SpecError

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?")


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Lock:
    """Pinned requirements, and which of them were editable installs here."""

    pins: dict[str, str] = field(default_factory=dict)  # canonical name -> "Name==version"
    editable: list[str] = field(default_factory=list)  # canonical names (pinned like the others)
    missing: list[str] = field(default_factory=list)  # declared but not installed here (installed unpinned)

    def lines(self) -> list[str]:
        """The ``requirements.lock.txt`` lines (sorted, one pin per line)."""
        return sorted(self.pins.values(), key=str.lower) + sorted(self.missing, key=str.lower)

    def text(self) -> str:
        """The lock file's content."""
        header = f"# locked by argento build from Python {sys.version.split()[0]}\n"
        return header + "".join(f"{line}\n" for line in self.lines())


def imported_modules(files: Iterable[Path]) -> set[str]:
    """Top-level module names imported by these Python files (absolute imports only)."""
    found: set[str] = set()
    for file in files:
        try:
            tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def _editable_location(dist: metadata.Distribution) -> str | None:
    raw = dist.read_text("direct_url.json")
    if not raw:
        return None
    try:
        info = json.loads(raw)
    except ValueError:
        return None
    if not (info.get("dir_info") or {}).get("editable"):
        return None
    url = str(info.get("url", ""))
    return url[len("file://") :] if url.startswith("file://") else None


def _requires(dist: metadata.Distribution, extras: set[str]) -> list[tuple[str, set[str]]]:
    """Requirements of ``dist`` that apply here (markers evaluated, ``extras`` requested)."""
    try:
        from packaging.requirements import InvalidRequirement, Requirement
    except ImportError:  # pragma: no cover - packaging ships with pip/setuptools almost everywhere
        Requirement = None  # type: ignore[assignment,misc]
    out: list[tuple[str, set[str]]] = []
    for raw in dist.requires or []:
        if Requirement is None:
            if ";" in raw:
                continue
            m = _NAME.match(raw)
            if m:
                out.append((m.group(1), set()))
            continue
        try:
            req = Requirement(raw)
        except InvalidRequirement:
            continue
        if req.marker is not None:
            envs = [{"extra": e} for e in extras] or [{"extra": ""}]
            if not any(req.marker.evaluate(env) for env in envs):
                continue
        out.append((req.name, set(req.extras)))
    return out


def lock(modules: Iterable[str], declared: Iterable[str] = (), *, runtime: str = "argento") -> Lock:
    """Pin the closure of the distributions providing ``modules``, the ``declared`` packages and ``runtime``."""
    by_module = metadata.packages_distributions()
    roots: list[tuple[str, set[str]]] = []
    stdlib = set(sys.stdlib_module_names)
    for module in sorted(set(modules)):
        if module in stdlib or module.startswith("_"):
            continue
        roots.extend((dist, set()) for dist in by_module.get(module, []))
    result = Lock()
    for spec in declared:
        m = _NAME.match(spec)
        if not m:
            raise SpecError(f"invalid python package {spec!r}", path="python.packages")
        extras = {e.strip() for e in (m.group(2) or "[]")[1:-1].split(",") if e.strip()}
        roots.append((m.group(1), extras))
    roots.append((runtime, set()))
    declared_keys = {canonical(m.group(1)): spec.strip() for spec in declared if (m := _NAME.match(spec))}
    seen: dict[str, set[str]] = {}
    stack = list(roots)
    while stack:
        name, extras = stack.pop()
        key = canonical(name)
        if key in seen and extras <= seen[key]:
            continue
        seen.setdefault(key, set()).update(extras)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            if key in declared_keys:  # declared but not installed here: install it as declared
                result.missing.append(declared_keys[key])
            continue
        if _editable_location(dist) is not None and key not in result.editable:
            result.editable.append(key)
        result.pins[key] = f"{dist.metadata['Name']}=={dist.version}"
        stack.extend(_requires(dist, seen[key]))
    result.missing = sorted(set(result.missing))
    result.editable.sort()
    return result
