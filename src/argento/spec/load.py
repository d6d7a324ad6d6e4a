"""Reading manifests: YAML (multi-document) and JSON text → typed Argo resources with source positions.

Argo reads YAML by converting it to JSON (``sigs.k8s.io/yaml``), so we load YAML the same way: scalars that
YAML 1.1 would turn into timestamps stay strings, and every problem becomes a :class:`SpecError` that names
the field path and ``file:line:col``. Nothing here raises anything else.

Kinds (and what ``argo`` does with them): the five ``argoproj.io/v1alpha1`` kinds are parsed; other Kubernetes
objects (a ConfigMap next to a Workflow, a PVC) are *foreign* — ``argo submit``/``argo lint`` ignore
them, so :func:`load_documents` skips them and :func:`scan_documents` lists them; an ``argoproj.io`` object of
an unknown kind, or a document that is not a Kubernetes object at all, is an error.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from argento.errors import SpecError, SpecErrors
from argento.spec.files import manifest_files
from argento.spec.models import RESOURCE_KINDS, ObjectMeta, Resource, workflow_spec
from argento.spec.models.base import FOLDED_FIELDS
from argento.spec.models.workflow import API_VERSION, CronWorkflow
from argento.spec.source_map import PathPart, SourceMap, format_path
from argento.spec.validation_errors import errors_from_validation
from argento.yamlsafe import check_aliases

#: Kubernetes' ``generateName`` alphabet (``k8s.io/apimachinery/pkg/util/rand``): no vowels, no confusables.
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader with JSON-like scalars: no timestamps, no ``=`` value tag, no base-60 numbers."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value")
    ]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
for _tag, _rx, _first in (
    (
        "tag:yaml.org,2002:int",
        r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$",
        "-+0123456789",
    ),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
):
    for _ch in _first:
        _Loader.yaml_implicit_resolvers[_ch] = [
            (t, r) for t, r in _Loader.yaml_implicit_resolvers.get(_ch, []) if t != _tag
        ] + [(_tag, re.compile(_rx))]


@dataclass(frozen=True)
class Document:
    """One Argo resource read from a file: the typed model, the raw dict and where each field is."""

    resource: Resource
    raw: dict[str, Any]
    source: SourceMap
    index: int = 0
    #: field names that matched Argo's only case-insensitively: (model, as written, Argo's spelling)
    folded: tuple[tuple[str, str, str], ...] = ()

    @property
    def filename(self) -> str:
        """The file (or ``<string>``) the document came from."""
        return self.source.filename

    @property
    def kind(self) -> str:
        """``Workflow``, ``WorkflowTemplate``, …"""
        return self.resource.kind

    def locate(self, path: str | Iterable[PathPart] = "") -> str:
        """``file:line:col`` of a field path in this document."""
        return self.source.locate(path if isinstance(path, str) else tuple(path))


@dataclass(frozen=True)
class Skipped:
    """A document that is not an Argo resource (a ConfigMap, a dashboard JSON, …) and why it was skipped."""

    filename: str
    index: int
    kind: str | None
    api_version: str | None
    location: str
    reason: str
    raw: Any = None


@dataclass
class Scan:
    """Everything found in one file: Argo documents, skipped documents, and errors (never raised)."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[SpecError] = field(default_factory=list)


def _yaml_error(exc: yaml.YAMLError, filename: str) -> SpecError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    location = f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark is not None else filename
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    detail = problem or str(exc).splitlines()[0]
    if context:
        started = f" started at line {context_mark.line + 1}" if context_mark is not None else ""
        detail = f"{detail} ({context}{started})"
    return SpecError(f"malformed YAML: {detail}", location=location)


def _parse_raw(text: str, filename: str) -> tuple[list[tuple[Any, SourceMap]], SpecError | None]:
    """Split ``text`` into documents with their source maps; stop at the first syntax error."""
    docs: list[tuple[Any, SourceMap]] = []
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            check_aliases(node, filename)  # before anything walks the expanded tree (alias bombs)
            data = loader.construct_document(node)
            docs.append((data, SourceMap.from_node(filename, node)))
    except SpecError as exc:
        return docs, exc
    except yaml.YAMLError as exc:
        # JSON that YAML cannot read (tabs, some escapes): fall back to the JSON parser, without positions.
        if not docs and text.lstrip().startswith(("{", "[")):
            try:
                return [(json.loads(text), SourceMap(filename))], None
            except ValueError as json_exc:
                return [], SpecError(f"malformed JSON: {json_exc}", location=filename)
        return docs, _yaml_error(exc, filename)
    finally:
        loader.dispose()
    return docs, None


def _check_names(resource: Resource, spec_path: tuple[PathPart, ...], source: SourceMap) -> list[SpecError]:
    """A top-level template without a name cannot be referenced or run: the resource is malformed."""
    spec = workflow_spec(resource)
    errors: list[SpecError] = []
    for i, tmpl in enumerate(spec.templates or () if spec else ()):
        if not tmpl.name:
            path = (*spec_path, "templates", i)
            errors.append(
                SpecError(
                    "template name is required",
                    path=format_path((*path, "name")),
                    location=source.locate(path),
                )
            )
    return errors


def _parse_one(raw: Any, source: SourceMap, index: int, default_kind: str | None, scan: Scan) -> None:
    filename = source.filename
    if raw is None:
        return  # an empty document (`---` alone, comments only)
    if not isinstance(raw, dict):
        scan.errors.append(
            SpecError(f"a manifest must be an object, got {_json_type(raw)}", location=source.locate())
        )
        return
    api_version, kind = raw.get("apiVersion"), raw.get("kind")
    if kind is None and api_version is None:
        if default_kind is None:
            scan.skipped.append(
                Skipped(
                    filename,
                    index,
                    None,
                    None,
                    source.locate(),
                    "not a Kubernetes object (no apiVersion/kind)",
                    raw,
                )
            )
            return
        kind = default_kind
    elif api_version is None and kind in RESOURCE_KINDS:
        pass  # Argo's Go client decodes straight into the type; lint warns about the missing apiVersion
    elif not isinstance(api_version, str) or not api_version.startswith("argoproj.io/"):
        if kind in RESOURCE_KINDS:
            scan.errors.append(
                SpecError(
                    f"apiVersion must be {API_VERSION}, got {api_version!r}",
                    path="apiVersion",
                    location=source.locate("apiVersion" if api_version is not None else ""),
                )
            )
        else:
            scan.skipped.append(
                Skipped(
                    filename,
                    index,
                    str(kind),
                    api_version,
                    source.locate(),
                    "not an Argo resource",
                    raw,
                )
            )
        return
    folded: list[tuple[str, str, str]] = []
    token = FOLDED_FIELDS.set(folded)
    try:
        resource = _validate(raw, kind, api_version)
    except SpecErrors as exc:
        for err in exc.errors:
            err.location = source.locate(err.path)
        scan.errors.extend(exc.errors)
        return
    finally:
        FOLDED_FIELDS.reset(token)
    spec_path: tuple[PathPart, ...] = (
        ("spec", "workflowSpec") if isinstance(resource, CronWorkflow) else ("spec",)
    )
    name_errors = _check_names(resource, spec_path, source)
    if name_errors:
        scan.errors.extend(name_errors)
        return
    scan.documents.append(Document(resource, raw, source, index, tuple(dict.fromkeys(folded))))


def _validate(raw: dict[str, Any], kind: Any, api_version: Any) -> Resource:
    if api_version is not None and api_version != API_VERSION:
        raise SpecErrors(
            [SpecError(f"apiVersion must be {API_VERSION}, got {api_version!r}", path="apiVersion")]
        )
    cls = RESOURCE_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        known = ", ".join(RESOURCE_KINDS)
        raise SpecErrors([SpecError(f"unknown kind {kind!r} (expected one of: {known})", path="kind")])
    try:
        return cls.model_validate(raw)  # type: ignore[return-value]
    except ValidationError as exc:
        raise SpecErrors(errors_from_validation(exc, raw)) from None


def _json_type(value: Any) -> str:
    return {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
    }.get(type(value), "null")


def scan_documents(text: str, *, filename: str = "<string>", default_kind: str | None = None) -> Scan:
    """Read every document of ``text``; problems are collected in :attr:`Scan.errors`, never raised.

    ``default_kind`` is used for documents with neither ``apiVersion`` nor ``kind`` (Argo's controller test
    fixtures are written that way); without it such documents are skipped.
    """
    scan = Scan()
    raws, error = _parse_raw(text, filename)
    for index, (raw, source) in enumerate(raws):
        _parse_one(raw, source, index, default_kind, scan)
    if error is not None:
        scan.errors.append(error)
    return scan


def _raise(errors: list[SpecError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise SpecErrors(errors)


def load_documents(
    text: str, *, filename: str = "<string>", default_kind: str | None = None
) -> list[Document]:
    """Parse multi-document YAML or JSON into Argo :class:`Document` s.

    Empty documents and foreign Kubernetes objects are skipped; anything else that is not a valid Argo
    resource raises :class:`SpecError` (several problems together as :class:`SpecErrors`).
    """
    scan = scan_documents(text, filename=filename, default_kind=default_kind)
    errors = list(scan.errors)
    for skipped in scan.skipped:
        if skipped.kind is None:
            errors.append(SpecError(skipped.reason, location=skipped.location))
    _raise(errors)
    return scan.documents


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"cannot read {path}: not UTF-8 text ({exc.reason})") from None


def scan_file(path: str | Path, *, default_kind: str | None = None) -> Scan:
    """:func:`scan_documents` of a file (an unreadable file is one error in the scan)."""
    try:
        text = _read(Path(path))
    except SpecError as exc:
        exc.location = exc.location or str(path)
        return Scan(errors=[exc])
    return scan_documents(text, filename=str(path), default_kind=default_kind)


def load_file(path: str | Path, *, default_kind: str | None = None) -> list[Document]:
    """:func:`load_documents` of a file."""
    return load_documents(_read(Path(path)), filename=str(path), default_kind=default_kind)


def load_paths(paths: Iterable[str | Path], *, default_kind: str | None = None) -> list[Document]:
    """Every Argo document in the given files and directories; problems of all files are raised together."""
    documents: list[Document] = []
    errors: list[SpecError] = []
    for path in manifest_files(paths):
        try:
            documents.extend(load_file(path, default_kind=default_kind))
        except SpecErrors as exc:
            errors.extend(exc.errors)
        except SpecError as exc:
            errors.append(exc)
    _raise(errors)
    return documents


def parse_resource(raw: dict[str, Any]) -> Resource:
    """A typed resource from a dict (e.g. a request body); ``apiVersion`` must be ``argoproj.io/v1alpha1``.

    Errors carry field paths but no locations.
    """
    if not isinstance(raw, dict):
        raise SpecError(f"a manifest must be an object, got {_json_type(raw)}")
    if "apiVersion" not in raw:
        raise SpecError(f"apiVersion must be {API_VERSION}", path="apiVersion")
    try:
        resource = _validate(raw, raw.get("kind"), raw.get("apiVersion"))
    except SpecErrors as exc:
        _raise(exc.errors)
        raise
    spec_path: tuple[PathPart, ...] = (
        ("spec", "workflowSpec") if isinstance(resource, CronWorkflow) else ("spec",)
    )
    _raise(_check_names(resource, spec_path, SourceMap("")))
    return resource


def dump(resource: Resource) -> dict[str, Any]:
    """The resource as Argo's JSON dict (lossless: ``dump(parse_resource(d)) == d``)."""
    return resource.dump()


def materialize_name(meta: ObjectMeta, *, suffix: str | None = None) -> str:
    """Give ``meta`` a name: keep ``name``, else ``generateName`` + 5 random characters (Kubernetes' rule).

    The name is stored in ``meta.name`` and returned. ``suffix`` replaces the random part (for tests).
    """
    if meta.name:
        return meta.name
    if not meta.generate_name:
        raise SpecError("metadata.name or metadata.generateName is required", path="metadata.name")
    meta.name = meta.generate_name + (
        suffix if suffix is not None else "".join(secrets.choice(NAME_ALPHABET) for _ in range(5))
    )
    return meta.name
