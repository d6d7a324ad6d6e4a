"""Admission of resources sent to the API: shape, Argo's lint rules, server-set metadata.

``admit`` turns a request body's resource into a stored one: defaults ``apiVersion``/``kind``, checks the
namespace and labels, parses it with :mod:`argento.spec` (errors carry the field path, prefixed with the
body key, e.g. ``workflow.spec.templates[0].name``), lints it against the templates of its namespace and
stamps ``name`` (from ``generateName``), ``uid`` and ``creationTimestamp``.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from argento.engine.resolve import TemplateRegistry
from argento.errors import AlreadyExists, SpecError, SpecErrors
from argento.names import GENERATE_NAME_KEEP, object_name_errors
from argento.server.wire import type_name
from argento.spec import Document, SourceMap, parse_resource
from argento.store import Store
from argento.store.base import now_rfc3339
from argento.store.selectors import validate_labels

API_VERSION = "argoproj.io/v1alpha1"
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
#: Kubernetes >= 1.31 retries a generated name that collides instead of answering 409: 8 attempts in all
#: (``maxNameGenerationCreateAttempts``, k8s.io/apiserver/pkg/registry/generic/registry/store.go).
GENERATE_NAME_ATTEMPTS = 8

T = TypeVar("T")


def _prefixed(exc: SpecError, key: str) -> SpecError:
    def one(e: SpecError) -> SpecError:
        path = f"{key}.{e.path}" if e.path else key
        return SpecError(e.message, path=path)

    if isinstance(exc, SpecErrors):
        return SpecErrors([one(e) for e in exc.errors])
    return one(exc)


class Catalog:
    """The (Cluster)WorkflowTemplates of each namespace, as the engine's registry and as lint documents.

    Built from the store on first use and dropped whenever a template changes, so a create does not read
    every template again.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._registry: dict[str, TemplateRegistry] = {}
        self._docs: dict[str, list[Document]] = {}

    def invalidate(self) -> None:
        self._registry.clear()
        self._docs.clear()

    def registry(self, namespace: str) -> TemplateRegistry:
        """The engine's template registry for a workflow in ``namespace``."""
        found = self._registry.get(namespace)
        if found is None:
            found = TemplateRegistry()
            for res in self.store.resources.list("ClusterWorkflowTemplate", None):
                found.add(res)
            for res in self.store.resources.list("WorkflowTemplate", namespace):
                found.add(res)
            self._registry[namespace] = found
        return found

    def documents(self, namespace: str) -> list[Document]:
        """Lint documents of the templates visible from ``namespace``."""
        found = self._docs.get(namespace)
        if found is None:
            reg = self.registry(namespace)
            found = []
            for raw in [*reg.cluster.values(), *reg.namespaced.values()]:
                try:
                    found.append(Document(parse_resource(raw), raw, SourceMap("")))
                except SpecError:
                    continue  # a stored template that no longer parses is simply not resolvable
            self._docs[namespace] = found
        return found


def admit(
    body: dict[str, Any],
    key: str,
    kind: str,
    namespace: str,
    *,
    catalog: Catalog | None = None,
    lint: bool = True,
    stamp: bool = True,
) -> dict[str, Any]:
    """Validate ``body[key]`` as a ``kind`` in ``namespace`` (``""`` for cluster-scoped) and return it."""
    raw = body.get(key)
    if raw is None:
        raise SpecError(f"{key} is required", path=key)
    if not isinstance(raw, dict):
        raise SpecError(f"{key} must be an object, got {type_name(raw)}", path=key)
    raw.setdefault("apiVersion", API_VERSION)
    raw.setdefault("kind", kind)
    if raw.get("kind") != kind:
        raise SpecError(f"kind must be {kind}, got {raw.get('kind')!r}", path=f"{key}.kind")
    meta = raw.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise SpecError(f"metadata must be an object, got {type_name(meta)}", path=f"{key}.metadata")
    given_ns = meta.get("namespace")
    if namespace:
        if given_ns not in (None, "", namespace):
            raise SpecError(
                f"the namespace of the object ({given_ns!r}) does not match the namespace of the request "
                f"({namespace!r})",
                path=f"{key}.metadata.namespace",
            )
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    validate_labels(meta.get("labels"), f"{key}.metadata.labels")
    if not meta.get("name") and not meta.get("generateName"):
        raise SpecError("metadata.name or metadata.generateName is required", path=f"{key}.metadata.name")
    # The Kubernetes API server's ValidateObjectMeta: names become folders and URLs (argento.names).
    name_errors = object_name_errors(meta, f"{key}.metadata")
    if name_errors:
        raise name_errors[0] if len(name_errors) == 1 else SpecErrors(name_errors)
    try:
        resource = parse_resource(raw)
    except SpecError as exc:
        raise _prefixed(exc, key) from None
    if lint:
        _lint(raw, resource, key, namespace, catalog)
    if stamp:
        stamp_metadata(meta)
    return raw


def _lint(raw: dict[str, Any], resource: Any, key: str, namespace: str, catalog: Catalog | None) -> None:
    from argento.spec.lint import lint_documents

    doc = Document(resource, raw, SourceMap(""))
    templates = catalog.documents(namespace) if catalog is not None else []
    report = lint_documents([doc], templates=templates, linted_files=False)
    if report.errors:
        errors = [SpecError(p.message, path=f"{key}.{p.path}" if p.path else key) for p in report.errors]
        raise errors[0] if len(errors) == 1 else SpecErrors(errors)


def random_suffix() -> str:
    """Five characters of Kubernetes' ``generateName`` alphabet (``k8s.io/apimachinery/pkg/util/rand``)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(5))


def generate_name(prefix: str) -> str:
    """``SimpleNameGenerator.GenerateName``: at most 58 characters of the prefix, then 5 random ones."""
    return prefix[:GENERATE_NAME_KEEP] + random_suffix()


def is_generated(meta: dict[str, Any]) -> bool:
    """Whether ``name`` was made from ``generateName`` (so a collision may be retried with another)."""
    prefix = str(meta.get("generateName") or "")[:GENERATE_NAME_KEEP]
    name = str(meta.get("name") or "")
    return bool(prefix) and len(name) == len(prefix) + 5 and name.startswith(prefix)


def create_named(meta: dict[str, Any], create: Callable[[], T], *, retry: bool = True) -> T:
    """``create()``, and when it raises `AlreadyExists` for a name made from ``generateName``, again with a new
    name (up to :data:`GENERATE_NAME_ATTEMPTS` in all), as the Kubernetes API server does; a name the user
    chose (or ``retry=False``) is tried once."""
    attempts = GENERATE_NAME_ATTEMPTS if retry and is_generated(meta) else 1
    for attempt in range(attempts):
        try:
            return create()
        except AlreadyExists:
            if attempt == attempts - 1:
                raise
            meta["name"] = generate_name(str(meta["generateName"]))
    raise AssertionError("unreachable")


def stamp_metadata(meta: dict[str, Any]) -> None:
    """Server-set metadata: ``name`` from ``generateName``, ``uid``, ``creationTimestamp``."""
    if not meta.get("name"):
        meta["name"] = generate_name(str(meta["generateName"]))
    meta["uid"] = str(uuid.uuid4())
    meta["creationTimestamp"] = now_rfc3339()
    meta.pop("resourceVersion", None)
