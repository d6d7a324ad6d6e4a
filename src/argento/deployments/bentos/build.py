"""``argento build``: package a service into a versioned bento (SPEC §3.5).

The build file (``argento.yaml``, BentoML's ``bentofile.yaml`` shape)::

    service: "service:IrisService"      # module:Class, imported from the build file's folder
    name: iris-classifier               # default: the service's name, lower-cased
    version: v1                         # default: a time-sortable auto version
    description: "Iris classifier"
    labels: {owner: ml-team}
    include: ["*.py", "data/*.json"]    # default: every file
    exclude: ["tests/", "*.ipynb"]
    python:
      packages: ["scikit-learn"]        # declared on top of what the source imports
    models: ["iris:production"]         # on top of argento.models.ref(...) found on the service class
    envs: [{name: LOG_LEVEL, value: info}]   # or a mapping {LOG_LEVEL: info}

The build imports the service and creates it once, as serving does: the models are those of the class's
``argento.models.ref(...)``, of ``models:``, and every one the service resolved through the model store while
it was created (``argento.models.get("iris:production")`` in ``__init__``). Each is recorded by the concrete
version its tag resolved to, so the bento serves exactly what was tested even after an alias moves (the runner
pins those tags, see ``runner.py``).
"""

from __future__ import annotations

import fnmatch
import logging
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from argento.config import Settings
from argento.deployments.bentos.requirements import imported_modules, lock
from argento.deployments.bentos.store import MANIFEST, Bento, BentoStore
from argento.errors import NotFound, SpecError
from argento.registry.frameworks import requirement
from argento.registry.versions import new_version, validate_name, validate_version
from argento.version import __version__
from argento.yamlsafe import safe_load

log = logging.getLogger("argento.deployments")

#: Never packaged, whatever ``include`` says.
ALWAYS_EXCLUDED = (
    ".git/",
    ".venv/",
    "venv/",
    "__pycache__/",
    "*.pyc",
    ".pytest_cache/",
    ".mypy_cache/",
    ".ruff_cache/",
    "*.egg-info/",
    ".argento/",
)
_KEYS = {
    "service",
    "name",
    "version",
    "description",
    "labels",
    "include",
    "exclude",
    "python",
    "models",
    "envs",
    "docker",
}


@dataclass
class BuildConfig:
    """A parsed build file."""

    service: str
    root: Path
    name: str | None = None
    version: str | None = None
    description: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    include: list[str] = field(default_factory=lambda: ["*"])
    exclude: list[str] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    envs: dict[str, str] = field(default_factory=dict)
    docker: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, file: str | os.PathLike[str]) -> BuildConfig:
        """Read a build file; errors name the field."""
        path = Path(file)
        if not path.exists():
            raise NotFound(f"build file {path} not found (write an argento.yaml with at least `service:`)")
        data = safe_load(path.read_text(), str(path)) or {}
        return cls.from_dict(data, path.resolve().parent, source=str(path))

    @classmethod
    def from_dict(cls, data: Any, root: Path, *, source: str = "argento.yaml") -> BuildConfig:
        """Validate a build file's content."""
        if not isinstance(data, dict):
            raise SpecError("the build file must be a mapping", location=source)
        unknown = set(data) - _KEYS
        if unknown:
            raise SpecError(f"unknown key(s) {sorted(unknown)}; known: {sorted(_KEYS)}", location=source)
        service = data.get("service")
        if not isinstance(service, str) or not service.strip():
            raise SpecError("`service: module:Class` is required", path="service", location=source)
        python = data.get("python") or {}
        if not isinstance(python, dict):
            raise SpecError("must be a mapping", path="python", location=source)
        return cls(
            service=service.strip(),
            root=root,
            name=validate_name(data["name"]) if data.get("name") else None,
            version=validate_version(str(data["version"])) if data.get("version") else None,
            description=str(data.get("description") or ""),
            labels={str(k): str(v) for k, v in (data.get("labels") or {}).items()},
            include=_strings(data.get("include"), "include", source) or ["*"],
            exclude=_strings(data.get("exclude"), "exclude", source),
            packages=_strings(python.get("packages"), "python.packages", source),
            models=_strings(data.get("models"), "models", source),
            envs=_envs(data.get("envs"), source),
            docker=dict(data.get("docker") or {}),
        )


def _strings(value: Any, path: str, source: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SpecError("must be a list of strings", path=path, location=source)
    return list(value)


def _envs(value: Any, source: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, list):
        out = {}
        for i, item in enumerate(value):
            if not isinstance(item, dict) or "name" not in item:
                raise SpecError("each env needs a `name`", path=f"envs[{i}]", location=source)
            out[str(item["name"])] = str(item.get("value", ""))
        return out
    raise SpecError("must be a list of {name, value} or a mapping", path="envs", location=source)


def _matches(rel: str, patterns: list[str], is_dir: bool) -> bool:
    for pattern in patterns:
        if pattern.endswith("/"):
            bare = pattern.rstrip("/")
            parts = rel.split("/")
            # a folder pattern matches the folder itself and everything below it
            if any(fnmatch.fnmatch(p, bare) for p in (parts if is_dir else parts[:-1])):
                return True
            if fnmatch.fnmatch(rel, bare) or fnmatch.fnmatch(rel, bare + "/*"):
                return True
        elif fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel.rsplit("/", 1)[-1], pattern):
            return True
    return False


def select_files(root: Path, include: list[str], exclude: list[str]) -> list[Path]:
    """Files under ``root`` matching ``include`` and not ``exclude`` (nor :data:`ALWAYS_EXCLUDED`)."""
    excluded = [*ALWAYS_EXCLUDED, *exclude]
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = sorted(d for d in dirnames if not _matches(rel_dir + d, excluded, True))
        for name in sorted(filenames):
            rel = rel_dir + name
            if _matches(rel, include, False) and not _matches(rel, excluded, False):
                out.append(Path(dirpath) / name)
    return out


def _service_spec(config: BuildConfig) -> Any:
    from argento.serving.decorators import get_service_spec
    from argento.serving.runtime import load_service

    cls = load_service(config.service, config.root)
    spec = get_service_spec(cls)
    assert spec is not None
    return spec


def _instantiate(spec: Any, envs: dict[str, str], root: Path) -> str:
    """Create the service once, as serving will (its ``__init__`` loads its models); ``""`` or what failed."""
    from argento.serving.decorators import create_instance
    from argento.serving.runtime import import_failure

    added = {k: v for k, v in envs.items() if k not in os.environ}
    os.environ.update(added)
    try:
        create_instance(spec.cls, {})
    except Exception as exc:  # the user's __init__: anything can go wrong (no GPU, no network, …)
        return import_failure(exc, root)
    finally:
        for key in added:
            os.environ.pop(key, None)
    return ""


def _resolve_models(refs: list[str], loaded: dict[str, str]) -> list[dict[str, str]]:
    """The models of the class's refs and the build file, then those the service loaded (``loaded``)."""
    from argento.registry.refs import ModelRef
    from argento.registry.store import default_store

    store = default_store()
    out: dict[str, dict[str, str]] = {}
    for ref in refs:
        model = ModelRef.of(ref).resolve(store)  # also `mlflow:models:/…` refs (imported on first use)
        out.setdefault(model.tag, {"tag": model.tag, "ref": ref, "framework": model.framework})
    for ref, tag in loaded.items():
        out.setdefault(tag, {"tag": tag, "ref": ref, "framework": store.get(tag).framework})
    return list(out.values())


def build(
    config: BuildConfig,
    *,
    settings: Settings | None = None,
    store: BentoStore | None = None,
    warn: Callable[[str], None] | None = None,
) -> Bento:
    """Build ``config`` into the bento store; returns the published :class:`Bento`.

    The service is imported and created once (as serving does): every model it resolves through the model
    store — ``argento.models.get(...)`` in ``__init__`` included — is packaged, at the version it resolved to.
    If it cannot be created here, ``warn`` says so and how to declare its models.
    """
    if config.root.resolve() == Path(config.root.anchor or "/"):
        raise SpecError(
            "the build context is the filesystem root: argento build would walk every file of the machine; "
            "build from the service's own folder (cd into it, or a workingDir for a pipeline step)",
            location=str(config.root),
        )
    from argento.registry.store import recording

    settings = settings or Settings.from_env()
    store = store or BentoStore.from_settings(settings)
    warn = warn or log.warning
    with recording() as loaded:
        spec = _service_spec(config)
        envs = {**{e["name"]: str(e.get("value", "")) for e in spec.envs if "name" in e}, **config.envs}
        failed = _instantiate(spec, envs, config.root)
    if failed:
        warn(
            f"could not create {spec.cls.__name__} to see which models it loads ({failed}); models it loads "
            "are packaged only if declared: `models: [name:tag]` in the build file, or "
            '`argento.models.ref("name:tag")` on the class'
        )
    name = config.name or validate_name(spec.name.lower().replace("_", "-"))
    existing = [b.version for b in store.list(name)] if name in store.names() else []
    version = config.version or new_version(after=max(existing) if existing else None)
    files = select_files(config.root, config.include, config.exclude)
    refs = [str(getattr(m, "tag", m)) for m in spec.models] + config.models
    models = _resolve_models(refs, loaded)
    frameworks = [r for m in models if (r := requirement(m["framework"]))]
    locked = lock(imported_modules(f for f in files if f.suffix == ".py"), [*config.packages, *frameworks])
    staged = store.staging.new_dir("build")
    try:
        src = staged / "src"
        for file in files:
            dst = src / file.relative_to(config.root)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, dst)
        src.mkdir(exist_ok=True)
        (staged / "env").mkdir()
        (staged / "env" / "requirements.lock.txt").write_text(locked.text())
        manifest = {
            "name": name,
            "version": version,
            "service": config.service,
            "description": config.description,
            "created_at": datetime.now(UTC).isoformat(),
            "argento_version": __version__,
            "labels": dict(config.labels),
            "models": models,
            "envs": envs,
            "apis": {a.name: {"route": a.route, "batchable": a.batchable} for a in spec.apis.values()},
            "resources": dict(spec.resources),
            "traffic": {"timeout": spec.traffic.timeout, "max_concurrency": spec.traffic.max_concurrency},
            "python": {
                "version": ".".join(map(str, sys.version_info[:2])),
                "requirements": locked.lines(),
                "editable": locked.editable,
                "declared": list(config.packages),
            },
            "docker": config.docker,
            "files": len(files),
        }
        (staged / MANIFEST).write_text(yaml.safe_dump(manifest, sort_keys=False))
        return store.publish(staged, name, version)
    finally:
        store.staging.discard(staged)
