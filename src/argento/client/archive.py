"""Argo's ArchivedWorkflowService over REST (``/api/v1/archived-workflows``).

Archived workflows are addressed by UID (a name can be reused once the live workflow is gone);
:meth:`ArchivedWorkflowsAPI.find` looks a name up for the CLI's convenience.
"""

from __future__ import annotations

import re
from typing import Any

from argento.client.http import HttpClient
from argento.errors import NotFound

_UID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def looks_like_uid(value: str) -> bool:
    """Whether ``value`` has the shape of a Kubernetes UID."""
    return bool(_UID.match(value))


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
        name_prefix: str = "",
        chunk_size: int = 0,
    ) -> list[dict[str, Any]]:
        """Archived workflows of the namespace, newest first as the server orders them."""
        params: dict[str, Any] = {
            "listOptions.labelSelector": label_selector,
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

    def find(self, uid_or_name: str, *, namespace: str | None = None) -> dict[str, Any]:
        """By UID, or else the newest archived workflow of that name."""
        if looks_like_uid(uid_or_name):
            return self.get(uid_or_name, namespace=namespace)
        matches = [
            w
            for w in self.list(namespace=namespace, name_prefix=uid_or_name)
            if (w.get("metadata") or {}).get("name") == uid_or_name
        ]
        if not matches:
            raise NotFound(f'archived workflow "{uid_or_name}" not found')
        newest = max(matches, key=lambda w: (w.get("metadata") or {}).get("creationTimestamp") or "")
        uid = (newest.get("metadata") or {}).get("uid", "")
        return self.get(uid, namespace=namespace) if uid else newest

    def delete(self, uid: str, *, namespace: str | None = None) -> None:
        """Delete one archived workflow by UID."""
        self.http.delete(f"{self.base}/{uid}", {"namespace": namespace})

    def retry(
        self, uid: str, *, namespace: str | None = None, restart_successful: bool = False
    ) -> dict[str, Any]:
        """Retry an archived workflow (a live workflow comes back)."""
        ns = namespace or self.namespace
        body = {"uid": uid, "namespace": ns, "restartSuccessful": restart_successful}
        return self.http.put(f"{self.base}/{uid}/retry", body)

    def resubmit(self, uid: str, *, namespace: str | None = None, memoized: bool = False) -> dict[str, Any]:
        """Resubmit an archived workflow."""
        ns = namespace or self.namespace
        return self.http.put(
            f"{self.base}/{uid}/resubmit", {"uid": uid, "namespace": ns, "memoized": memoized}
        )
