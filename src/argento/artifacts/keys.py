"""Artifact keys: Argo's key format and the key an output artifact gets.

Argo keeps each step's outputs under a *key prefix* made from the repository's ``keyFormat`` (default
``{{workflow.name}}/{{pod.name}}``; S3's deprecated ``keyPrefix`` is prepended to the default) with the
workflow's variables and ``pod.name`` substituted. An output without a key of its own is stored at
``<prefix>/<file name>`` where the file name is ``<artifact>.tgz`` (tar, the default), ``<artifact>.zip``, or
the base name of its path (``archive: none``); step logs go to ``<prefix>/<container>.log``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from argento.artifacts.base import check_key
from argento.expr.template import substitute

#: Argo's ``DefaultArchivePattern``.
DEFAULT_KEY_FORMAT = "{{workflow.name}}/{{pod.name}}"

#: Location fields of an artifact and the field holding the key in each (Argo's ``ArtifactLocation``).
KEY_FIELDS: dict[str, str] = {
    "s3": "key",
    "gcs": "key",
    "oss": "key",
    "azure": "blob",
    "hdfs": "path",
    "artifactory": "url",
    "http": "url",
    "git": "repo",
    "raw": "data",
    "plugin": "key",
}


def key_format(repository: Mapping[str, Any]) -> str:
    """The key format of an Argo ``ArtifactRepository`` dict (``s3.keyFormat``, ``s3.keyPrefix``, default)."""
    for kind in ("s3", "local", "gcs", "oss", "plugin"):
        spec = repository.get(kind)
        if isinstance(spec, Mapping):
            if spec.get("keyFormat"):
                return str(spec["keyFormat"])
            if kind == "s3" and spec.get("keyPrefix"):
                return posixpath.join(str(spec["keyPrefix"]), DEFAULT_KEY_FORMAT)
    return DEFAULT_KEY_FORMAT


def key_prefix(fmt: str, params: Mapping[str, str]) -> str:
    """Substitute workflow variables and ``pod.name`` into a key format (leading/trailing ``/`` dropped)."""
    return check_key(substitute(fmt, params).strip("/"))


def artifact_key(art: Mapping[str, Any]) -> str | None:
    """The key an artifact already names (``s3.key`` and friends), or None."""
    for kind in ("s3", "gcs", "oss", "plugin"):
        spec = art.get(kind)
        if isinstance(spec, Mapping) and spec.get("key"):
            return str(spec["key"])
    spec = art.get("azure")
    if isinstance(spec, Mapping) and spec.get("blob"):
        return str(spec["blob"])
    return None


def location_kind(art: Mapping[str, Any]) -> str | None:
    """The location field an artifact uses (``s3``, ``http``, ``raw``, …), or None."""
    for kind in KEY_FIELDS:
        if art.get(kind) is not None:
            return kind
    return None


def has_location(art: Mapping[str, Any]) -> bool:
    """Argo's ``HasLocationOrKey``: ``raw`` always counts, others need their URL/repo/key to be set."""
    kind = location_kind(art)
    if kind is None:
        return False
    if kind == "raw":
        return True
    spec = art.get(kind)
    return isinstance(spec, Mapping) and bool(spec.get(KEY_FIELDS[kind]))


def join_key(prefix: str, name: str) -> str:
    """``prefix/name`` as a valid key."""
    return check_key(posixpath.join(prefix, name) if prefix else name)
