"""What the store hands out: :class:`Tag` (a parsed ``name[:version|alias|latest]``) and :class:`Model` (one
immutable saved version). A lazy reference (``ModelRef``) is :mod:`argento.registry.refs`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from argento.errors import SpecError
from argento.registry.versions import LATEST, validate_name, validate_reference

if TYPE_CHECKING:
    from argento.registry.runner import ModelRunner


class Tagged(Protocol):
    """Anything naming a model by its ``tag`` (a :class:`~argento.registry.refs.ModelRef`)."""

    tag: str


class LabelStore(Protocol):
    """What a :class:`Model` asks of the store that handed it out (:class:`~argento.registry.store.ModelStore`)."""

    def set_labels(self, tag: str, labels: dict[str, Any], *, replace: bool = False) -> Model: ...


MANIFEST = "model.yaml"
CUSTOM_OBJECTS = "custom_objects.pkl"

_LABEL_KEY = re.compile(r"^[A-Za-z0-9]([-._/A-Za-z0-9]*[A-Za-z0-9])?$")
_SIGNATURE_KEYS = {"batchable", "batch_dim", "input_spec", "output_spec"}


@dataclass(frozen=True)
class Tag:
    """``name`` plus an optional reference: a version, an alias, or ``latest`` (``None`` means latest)."""

    name: str
    version: str | None = None

    @classmethod
    def parse(cls, value: str | Tag | Model | Tagged) -> Tag:
        """Parse ``iris``, ``iris:latest``, ``iris:v1.0.0`` or ``iris:production`` (BentoML's tag grammar)."""
        if isinstance(value, Tag):
            return value
        if isinstance(value, Model):
            return cls(value.name, value.version)
        if not isinstance(value, str) and isinstance(getattr(value, "tag", None), str):
            value = value.tag  # a ModelRef (argento.registry.refs)
        if not isinstance(value, str):
            raise SpecError(f"a model tag must be a string like 'iris:v1', not {type(value).__name__}")
        name, sep, ref = value.strip().partition(":")
        if sep and ":" in ref:
            raise SpecError(f"invalid model tag {value!r}: expected NAME or NAME:VERSION")
        if sep and not ref:
            raise SpecError(f"invalid model tag {value!r}: empty version after ':'")
        return cls(validate_name(name), validate_reference(ref) if sep else None)

    @property
    def is_latest(self) -> bool:
        """Whether this tag means the newest version."""
        return self.version in (None, LATEST)

    def __str__(self) -> str:
        return f"{self.name}:{self.version}" if self.version else self.name


def normalise_labels(labels: Any) -> dict[str, str]:
    """Validate labels: string keys (letters, digits, ``-._/``) and scalar values, stored as strings."""
    if labels is None:
        return {}
    if not isinstance(labels, dict):
        raise SpecError(f"labels must be a mapping of strings, not {type(labels).__name__}")
    out: dict[str, str] = {}
    for key, value in labels.items():
        if not isinstance(key, str) or not _LABEL_KEY.match(key) or len(key) > 63:
            raise SpecError(f"invalid label key {key!r}: 1-63 letters, digits, '-', '_', '.', '/'")
        if isinstance(value, bool):
            value = str(value).lower()
        if not isinstance(value, str | int | float):
            raise SpecError(f"label {key!r} must have a string value, not {type(value).__name__}")
        out[key] = str(value)
    return out


def _plain(value: Any, path: str) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return _plain(value.tolist(), path)
    raise SpecError(
        f"{path} of type {type(value).__name__} cannot be stored: use JSON-like values", path=path
    )


def normalise_metadata(metadata: Any) -> dict[str, Any]:
    """Validate metadata: a mapping of JSON-like values (numpy scalars and arrays become plain values)."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise SpecError(f"metadata must be a mapping, not {type(metadata).__name__}")
    plain = _plain(metadata, "metadata")
    json.dumps(plain)  # what cannot round-trip would already have raised
    return plain


def normalise_signatures(signatures: Any) -> dict[str, dict[str, Any]]:
    """Validate signatures: ``{method: {"batchable": bool, "batch_dim": int | [in, out], …}}``."""
    if signatures is None:
        return {}
    if not isinstance(signatures, dict):
        raise SpecError(f"signatures must be a mapping of method names, not {type(signatures).__name__}")
    out: dict[str, dict[str, Any]] = {}
    for method, options in signatures.items():
        if not isinstance(method, str) or not method.isidentifier():
            raise SpecError(f"signature name {method!r} must be a method name")
        options = {} if options is None else options
        if not isinstance(options, dict):
            raise SpecError(f"signature {method!r} must be a mapping", path=f"signatures.{method}")
        unknown = set(options) - _SIGNATURE_KEYS
        if unknown:
            raise SpecError(
                f"signature {method!r} has unknown keys {sorted(unknown)}; known: {sorted(_SIGNATURE_KEYS)}",
                path=f"signatures.{method}",
            )
        batch_dim = options.get("batch_dim", 0)
        dims = list(batch_dim) if isinstance(batch_dim, list | tuple) else [batch_dim, batch_dim]
        if len(dims) != 2 or not all(isinstance(d, int) and not isinstance(d, bool) for d in dims):
            raise SpecError(f"signature {method!r}: batch_dim must be an int or a pair of ints")
        entry: dict[str, Any] = {"batchable": bool(options.get("batchable", False))}
        entry["batch_dim"] = dims[0] if dims[0] == dims[1] else dims
        for key in ("input_spec", "output_spec"):
            if options.get(key) is not None:
                entry[key] = _plain(options[key], f"signatures.{method}.{key}")
        out[method] = entry
    return out


@dataclass(eq=False)
class Model:
    """One saved version. Artifacts, metadata and signatures are immutable; labels may change
    (:meth:`set_labels`); ``path`` is the read-only directory holding ``model.yaml`` and the artifact files.
    """

    name: str
    version: str
    path: Path
    framework: str
    created_at: datetime
    labels: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    signatures: dict[str, dict[str, Any]] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    size_bytes: int = 0
    store: LabelStore | None = field(default=None, repr=False)

    @property
    def tag(self) -> str:
        """``name:version``."""
        return f"{self.name}:{self.version}"

    @classmethod
    def from_manifest(
        cls, data: dict[str, Any], path: Path, labels: dict[str, str] | None, store: LabelStore | None
    ) -> Model:
        """Build from a parsed ``model.yaml``; ``labels`` are the current (mutable) labels if any were set."""
        return cls(
            name=data["name"],
            version=data["version"],
            path=path,
            framework=data.get("framework", "pickle"),
            created_at=datetime.fromisoformat(data["created_at"]),
            labels=dict(data.get("labels") or {}) if labels is None else dict(labels),
            metadata=dict(data.get("metadata") or {}),
            signatures=dict(data.get("signatures") or {}),
            options=dict(data.get("options") or {}),
            context=dict(data.get("context") or {}),
            size_bytes=int(data.get("size_bytes", 0)),
            store=store,
        )

    def load(self, **kwargs: Any) -> Any:
        """Load the saved object with its framework's adapter (e.g. the fitted estimator)."""
        from argento.registry.frameworks import get_framework

        return get_framework(self.framework).load(self.path, self.options, **kwargs)

    def load_runner(self, **kwargs: Any) -> ModelRunner:
        """Load the object once and wrap it as a runner: ``runner.predict.run(X)`` / ``.async_run(X)``."""
        from argento.registry.runner import ModelRunner

        return ModelRunner(self, **kwargs)

    @property
    def custom_objects(self) -> dict[str, Any]:
        """The ``custom_objects`` saved beside the model (a tokenizer, a label encoder, …); ``{}`` if none."""
        from argento.registry.frameworks import pickle as picklefw

        file = self.path / CUSTOM_OBJECTS
        if not file.exists():
            return {}
        with open(file, "rb") as fh:
            loaded: dict[str, Any] = picklefw.load(fh)
        return loaded

    def set_labels(self, labels: dict[str, Any], *, replace: bool = False) -> Model:
        """Change this version's labels in the store (merged; a ``None`` value removes a key)."""
        if self.store is None:
            raise SpecError(
                f"model {self.tag} was not handed out by a model store: set labels through the store"
            )
        updated = self.store.set_labels(self.tag, labels, replace=replace)
        self.labels = updated.labels
        return self

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly description (``argento models get -o json``)."""
        return {
            "tag": self.tag,
            "name": self.name,
            "version": self.version,
            "framework": self.framework,
            "created_at": self.created_at.isoformat(),
            "labels": dict(self.labels),
            "metadata": self.metadata,
            "signatures": self.signatures,
            "options": self.options,
            "context": self.context,
            "size_bytes": self.size_bytes,
            "path": str(self.path),
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Model) and (self.tag, self.path) == (other.tag, other.path)

    def __hash__(self) -> int:
        return hash((self.tag, str(self.path)))

    def __repr__(self) -> str:
        return f"Model(tag={self.tag!r}, framework={self.framework!r}, path={str(self.path)!r})"
