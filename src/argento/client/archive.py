"""Argo's ArchivedWorkflowService over REST (``/api/v1/archived-workflows``).

Archived workflows are addressed by UID (a name can be reused once the live workflow is gone);
:meth:`ArchivedWorkflowsAPI.resolve_uid` turns a name into the UID as ``argo archive`` does
(``cmd/argo/commands/archive/util.go:resolveUID``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from argento.client.http import HttpClient
from argento.errors import ArgentoError, NotFound

#: A Kubernetes UID (RFC 4122, lower-case hex), as ``util.go``'s ``uuidRegex``.
_UID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def looks_like_uid(value: str) -> bool:
    """Whether ``value`` has the shape of a Kubernetes UID."""
    return bool(_UID.match(value))


class AmbiguousName(ArgentoError):
    """Several archived workflows carry the name given; the UID must say which."""


class ArchivedWorkflowsAPI:
    """Archived-workflow endpoints; ``namespace`` is the default filter."""

    base = "/api/v1/archived-workflows"

    def __init__(self, http: HttpClient, namespace: str = "argo") -> None:
        self.http = http
        self.namespace = namespace

    def list(
        self,
        *,
        namespace: str | None = None,
        label_selector: str = "",
        field_selector: str = "",
        name_prefix: str = "",
        name_filter: str = "",
        chunk_size: int = 0,
    ) -> list[dict[str, Any]]:
        """Archived workflows of the namespace, newest first as the server orders them."""
        params: dict[str, Any] = {
            "listOptions.labelSelector": label_selector,
            "listOptions.fieldSelector": field_selector or None,
            "nameFilter": name_filter or None,
            "listOptions.limit": chunk_size or None,
            "namespace": namespace or self.namespace,
            "namePrefix": name_prefix,
        }
        items: list[dict[str, Any]] = []
        while True:
            page = self.http.get(self.base, params)
            items.extend(page.get("items") or [])
            token = (page.get("metadata") or {}).get("continue")
            if not token or not chunk_size:
                return items
            params["listOptions.continue"] = token

    def get(self, uid: str, *, namespace: str | None = None, name: str = "") -> dict[str, Any]:
        """One archived workflow by UID."""
        return self.http.get(f"{self.base}/{uid}", {"namespace": namespace, "name": name})

    def resolve_uid(
        self,
        identifier: str,
        *,
        namespace: str | None = None,
        force_uid: bool = False,
        force_name: bool = False,
    ) -> str:
        """The UID ``identifier`` means: itself when it looks like a UID (or ``force_uid``), else the UID of
        the one archived workflow of that name in the namespace; none or several is an error
        (``util.go:resolveUID``; ``force_name`` reads a UID-shaped identifier as a name)."""
        if force_uid or (not force_name and looks_like_uid(identifier)):
            return identifier
        matches = [
            w
            for w in self.list(namespace=namespace, name_prefix=identifier, name_filter="Exact")
            if (w.get("metadata") or {}).get("name") == identifier
        ]
        if not matches:
            raise NotFound(f"archived workflow '{identifier}' not found")
        if len(matches) > 1:
            lines = [f"Multiple archived workflows found with name '{identifier}':"]
            for w in matches:
                meta, status = w.get("metadata") or {}, w.get("status") or {}
                created, finished = meta.get("creationTimestamp", ""), status.get("finishedAt", "")
                lines.append(f"  {meta.get('uid', '')} (Created: {created}, Finished: {finished})")
            lines.append("Please specify the UID.")
            raise AmbiguousName("\n".join(lines))
        return str((matches[0].get("metadata") or {}).get("uid", ""))

    def find(
        self,
        identifier: str,
        *,
        namespace: str | None = None,
        force_uid: bool = False,
        force_name: bool = False,
    ) -> dict[str, Any]:
        """The archived workflow ``identifier`` names (a UID, or a name: :meth:`resolve_uid`)."""
        uid = self.resolve_uid(identifier, namespace=namespace, force_uid=force_uid, force_name=force_name)
        return self.get(uid, namespace=namespace)

    def label_keys(self) -> list[str]:
        """The label keys of the archived workflows."""
        return list(self.http.get("/api/v1/archived-workflows-label-keys").get("items") or [])

    def label_values(self, key: str) -> list[str]:
        """The values the archived workflows give label ``key`` (the selector is the bare key)."""
        page = self.http.get("/api/v1/archived-workflows-label-values", {"listOptions.labelSelector": key})
        return list(page.get("items") or [])

    def delete(self, uid: str, *, namespace: str | None = None) -> None:
        """Delete one archived workflow by UID."""
        self.http.delete(f"{self.base}/{uid}", {"namespace": namespace})

    def retry(
        self,
        uid: str,
        *,
        namespace: str | None = None,
        restart_successful: bool = False,
        node_field_selector: str = "",
        parameters: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Retry an archived workflow (a live workflow comes back; one still live is refused, 409)."""
        body: dict[str, Any] = {
            "uid": uid,
            "namespace": namespace or self.namespace,
            "restartSuccessful": restart_successful,
            "nodeFieldSelector": node_field_selector,
            "parameters": list(parameters),
        }
        return self.http.put(f"{self.base}/{uid}/retry", body)

    def resubmit(
        self,
        uid: str,
        *,
        namespace: str | None = None,
        memoized: bool = False,
        parameters: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Resubmit an archived workflow as a new workflow."""
        body: dict[str, Any] = {
            "uid": uid,
            "namespace": namespace or self.namespace,
            "memoized": memoized,
            "parameters": list(parameters),
        }
        return self.http.put(f"{self.base}/{uid}/resubmit", body)
