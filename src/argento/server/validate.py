"""Admission of resources sent to the API: shape, Argo's lint rules, server-set metadata.

``admit`` turns a request body's resource into a stored one: defaults ``apiVersion``/``kind``, checks the
namespace and labels, parses it with :mod:`argento.spec` (errors carry the field path, prefixed with the
body key, e.g. ``workflow.spec.templates[0].name``), lints it against the templates of its namespace and
stamps ``name`` (from ``generateName``), ``uid`` and ``creationTimestamp``.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from argento.engine.resolve import TemplateRegistry
from argento.errors import SpecError, SpecErrors
from argento.server.wire import type_name
from argento.spec import Document, SourceMap, parse_resource
from argento.store import Store
from argento.store.base import now_rfc3339
from argento.store.selectors import validate_labels

API_VERSION = "argoproj.io/v1alpha1"
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


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
    report = lint_documents([doc], templates=templates)
    if report.errors:
        errors = [SpecError(p.message, path=f"{key}.{p.path}" if p.path else key) for p in report.errors]
        raise errors[0] if len(errors) == 1 else SpecErrors(errors)


def stamp_metadata(meta: dict[str, Any]) -> None:
    """Server-set metadata: ``name`` from ``generateName``, ``uid``, ``creationTimestamp``."""
    if not meta.get("name"):
        meta["name"] = str(meta["generateName"]) + "".join(secrets.choice(_ALPHABET) for _ in range(5))
    meta["uid"] = str(uuid.uuid4())
    meta["creationTimestamp"] = now_rfc3339()
    meta.pop("resourceVersion", None)
