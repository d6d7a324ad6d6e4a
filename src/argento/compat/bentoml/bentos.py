"""``bentoml.build`` / ``get`` / ``list`` / ``delete`` / ``export_bento`` / ``import_bento`` on Argento's bento store,
and the bentos Argento makes for deploying a bare model (``bentoml.deploy("my-model")``).

``bentoml.build`` takes what BentoML takes — ``"module:Class"``, a service class, or nothing (the build file of
the build context: ``bentofile.yaml`` or ``argento.yaml``) — and one more form scripts write:
``bentoml.build("my-ml-service:latest")``, a bento *tag*, which builds the service the script declared with
``@bentoml.service`` into bento ``my-ml-service`` (a new version; ``latest`` always means the newest).
"""

from __future__ import annotations

import ast
import builtins
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from argento.config import Settings
from argento.deployments.bentos import Bento, BentoStore, BentoTag, BuildConfig
from argento.deployments.bentos import build as _build
from argento.errors import NotFound, SpecError
from argento.registry.model import Model
from argento.serving.decorators import get_service_spec

BUILD_FILES = ("bentofile.yaml", "argento.yaml")
_SKIPPED_DIRS = frozenset({"__pycache__", "venv", "site-packages", "node_modules", "build", "dist"})
_IMPORT_PATH = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*(:[A-Za-z_][\w.]*)?$")


def _store() -> BentoStore:
    return BentoStore.from_settings()


#: Set while a build imports its service module: a ``bentoml.build(...)`` at that module's top level is the
#: outer build being run again, not a second build.
_BUILDING = False


def build(
    service: str | type | None = None,
    *,
    name: str | None = None,
    version: str | None = None,
    labels: dict[str, str] | None = None,
    description: str | None = None,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    python: dict[str, Any] | None = None,
    models: list[str] | None = None,
    envs: list[dict[str, str]] | dict[str, str] | None = None,
    build_ctx: str | os.PathLike[str] | None = None,
    bentofile: str | None = None,
    **_docker: Any,
) -> Bento:
    """Build a bento into the store of ``ARGENTO_HOME``; returns it (``.tag``, ``.path``)."""
    root = Path(build_ctx or ".").resolve()
    data: dict[str, Any] = {}
    if service is None:
        file = (
            Path(bentofile)
            if bentofile
            else next((root / f for f in BUILD_FILES if (root / f).is_file()), None)
        )
        if file is None or not file.is_file():
            raise NotFound(
                f"nothing to build in {root}: pass bentoml.build('module:Class') or write a bentofile.yaml"
            )
        config = BuildConfig.load(file)
    else:
        target, tag = _target(service, root)
        data["service"] = target
        if tag is not None:
            data["name"], data["version"] = tag.name, tag.version
        config = None
    overrides = {
        "name": name,
        "version": version,
        "labels": labels,
        "description": description,
        "include": include,
        "exclude": exclude,
        "python": python,
        "models": models,
        "envs": envs,
    }
    data.update({k: v for k, v in overrides.items() if v is not None})
    if config is None:
        data.setdefault("include", ["*.py"] if include is None else include)
        home = Settings.from_env().home.resolve()
        if home.is_relative_to(root) and home != root:  # never package the stores themselves
            data["exclude"] = [*(data.get("exclude") or []), f"{home.relative_to(root).as_posix()}/"]
        config = BuildConfig.from_dict(data, root, source="bentoml.build")
    elif data:
        config = BuildConfig.from_dict({**_config_dict(config), **data}, config.root, source="bentoml.build")
    global _BUILDING
    if _BUILDING:
        raise SpecError(
            "bentoml.build() ran while its own service module was imported for the build: keep the "
            "build call out of the service's module (e.g. in build_bento.py)"
        )
    _BUILDING = True
    try:
        return _build(config)
    finally:
        _BUILDING = False


def _config_dict(config: BuildConfig) -> dict[str, Any]:
    return {
        "service": config.service,
        "name": config.name,
        "version": config.version,
        "description": config.description,
        "labels": config.labels,
        "include": config.include,
        "exclude": config.exclude,
        "python": {"packages": config.packages},
        "models": config.models,
        "envs": config.envs,
    }


def _target(service: str | type, root: Path) -> tuple[str, BentoTag | None]:
    """``(module:Class, bento tag or None)`` for what ``bentoml.build`` was given."""
    if isinstance(service, type):
        return _import_path(service, root), None
    text = str(service).strip()
    if _IMPORT_PATH.match(text) and (":" not in text or not _looks_like_tag(text, root)):
        return text, None
    tag = BentoTag.parse(text)
    from argento.compat.bentoml.service import declared

    classes = declared(tag.name) or declared()
    if len(classes) != 1:
        names = ", ".join(c.__name__ for c in declared()) or "none"
        raise SpecError(
            f"bentoml.build({text!r}): cannot tell which service to build (services declared here: {names}); "
            "pass bentoml.build('module:Class', name=...) instead"
        )
    return _import_path(classes[0], root), tag


def _looks_like_tag(text: str, root: Path) -> bool:
    """``service:MyService`` imports a module of the build context; ``my-model:v1`` does not."""
    module = text.partition(":")[0]
    return not (
        (root / f"{module.replace('.', '/')}.py").is_file() or (root / module / "__init__.py").is_file()
    )


def _import_path(cls: type, root: Path) -> str:
    """``module:Class`` of a service class, importable from ``root`` (a class of ``__main__`` is found by its
    definition in the build context's files)."""
    if get_service_spec(cls) is None:
        raise SpecError(f"{cls.__name__} is not a @bentoml.service class")
    module = sys.modules.get(cls.__module__)
    file = getattr(module, "__file__", None)
    if cls.__module__ != "__main__" and file and Path(file).resolve().is_relative_to(root):
        return f"{cls.__module__}:{cls.__qualname__}"
    # A class of the running script: its definition in another file of the build context (the script itself
    # would run its build again when the bento imports it).
    script = getattr(sys.modules.get("__main__"), "__file__", None)
    running = Path(script).resolve() if script else None
    home = Settings.from_env().home.resolve()
    candidates = sorted(root.rglob("*.py"), key=lambda p: (len(p.relative_to(root).parts), str(p)))
    for (
        path
    ) in candidates:  # the shallowest first; never a bento's copy under ARGENTO_HOME, a venv or a cache
        parts = path.relative_to(root).parts[:-1]
        if any(p.startswith(".") or p in _SKIPPED_DIRS for p in parts) or path.resolve().is_relative_to(home):
            continue
        if path.resolve() == running:
            continue
        if _defines_service(path, cls.__name__):
            rel = path.relative_to(root).with_suffix("")
            return f"{'.'.join(rel.parts)}:{cls.__name__}"
    raise NotFound(
        f"service {cls.__name__} is not defined in a module of the build context {root}: put it in its own module "
        "(service.py) and import it, then build from that folder (or pass build_ctx=)"
    )


def _defines_service(path: Path, class_name: str) -> bool:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, OSError):
        return False
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name and node.decorator_list:
            return True
    return False


def get(tag: str) -> Bento:
    """The bento ``tag`` means (``name`` or ``name:latest``: the newest)."""
    return _store().get(tag)


def list(tag: str | None = None) -> builtins.list[Bento]:
    """Every bento (of the name ``tag`` names), newest first."""
    return _store().list(BentoTag.parse(tag).name if tag else None)


def delete(tag: str) -> None:
    """Delete a bento version (or every version of a name)."""
    _store().delete(tag)


def export_bento(tag: str, path: str, *_: Any, **__: Any) -> str:
    """Export a bento with its models to a file or folder; returns the file."""
    from argento.deployments.bentos import export_bento as _export

    return str(_export(_store(), tag, path))


def import_bento(path: str, *_: Any, **__: Any) -> Bento:
    """Import a bento archive (its models go into the model store)."""
    from argento.deployments.bentos import import_bento as _import

    return _import(_store(), path)


# -- deploying a model that has no bento -----------------------------------------------------------------------

_MODEL_SERVICE = '''"""Serves model {tag}; generated by Argento's `bentoml deploy` for a model without a bento."""
import argento
from argento.io import JSON
from argento.tracking.service import predict_payload


@argento.service(name={bento!r})
class ModelService:
    model_ref = argento.models.ref({tag!r})

    def __init__(self):
        self.model = self.model_ref.load()

    @argento.api(input=JSON(), output=JSON())
    def predict(self, input_data):
        """Rows as {{"features": [...]}}, {{"inputs": [[...], ...]}}, {{"instances": ...}}, {{"dataframe_split": ...}}
        or {{"dataframe_records": ...}}; answers {{"predictions": [...]}}."""
        return predict_payload(self.model, input_data)
'''


def model_bento(model: Model) -> Bento:
    """A bento named like ``model`` whose service answers ``POST /predict`` with the model's predictions."""
    with tempfile.TemporaryDirectory(prefix="argento-model-bento-") as tmp:
        root = Path(tmp)
        (root / "service.py").write_text(_MODEL_SERVICE.format(tag=model.tag, bento=model.name))
        config = BuildConfig.from_dict(
            {
                "service": "service:ModelService",
                "name": model.name,
                "include": ["service.py"],
                "description": f"serves model {model.tag}",
                "labels": {"source": "bentoml.deploy", "model": model.tag},
            },
            root,
            source="bentoml deploy",
        )
        return _build(config)


def deployable(target: str | Bento | Model) -> Bento:
    """The bento to deploy for ``target``: a bento (tag or object), a model (tag or object: served by a generated
    bento), or a folder with a build file (built first)."""
    from argento import models as _models

    if isinstance(target, Bento):
        return target
    if isinstance(target, Model):
        return model_bento(target)
    text = str(target).strip()
    if text in (".", "..") or "/" in text or os.sep in text:
        return build(build_ctx=text)
    store = _store()
    tag = BentoTag.parse(text)
    if tag.name in store.names():
        return store.get(tag)
    try:
        model = _models.get(text)
    except NotFound:
        raise NotFound(
            f"{text} is neither a bento nor a model here (argento bentos list, argento models list)"
        ) from None
    return model_bento(model)


__all__ = ["build", "delete", "deployable", "export_bento", "get", "import_bento", "list", "model_bento"]
