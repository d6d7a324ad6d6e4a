"""Which repository a workflow's artifacts go to: the configured default, or ``spec.artifactRepositoryRef``.

A repository is described by Argo's ``ArtifactRepository`` dict (``archiveLogs``, ``s3: {bucket, endpoint,
insecure, region, keyFormat, accessKeySecret, …}``). Argento adds one kind Argo lacks: the local folder,
written ``local: {path: DIR}`` — or nothing at all, which means ``<ARGENTO_HOME>/artifacts``.

The default repository comes from, in order:

1. ``ARGENTO_ARTIFACT_REPOSITORY``: a folder (``/data/artifacts``, ``file:///data/artifacts``), an S3 URL
   (``s3://bucket/prefix?endpoint=127.0.0.1:9000&insecure=true&region=us-east-1&secret=NAME&archiveLogs=true``;
   ``secret`` names a local secret holding ``accessKey`` and ``secretKey``), or an ``ArtifactRepository`` as
   YAML/JSON;
2. ``artifactRepository:`` in ``<ARGENTO_HOME>/config.yaml`` (a mapping, or one of the strings above);
3. the local folder ``<ARGENTO_HOME>/artifacts``.

``artifactRepositoryRef: {configMap, key}`` is resolved from the ConfigMaps given with the workflow, in
Argo's ``artifact-repositories`` format (each data key holds an ``ArtifactRepository`` as YAML).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from argento.artifacts.base import ArtifactError, spec_identity
from argento.artifacts.keys import DEFAULT_KEY_FORMAT, key_format
from argento.artifacts.kinds import by_url, check_supported, kind_of
from argento.artifacts.local import folder
from argento.config import Settings

#: Argo's default ConfigMap name for ``artifactRepositoryRef``.
DEFAULT_CONFIGMAP = "artifact-repositories"


@dataclass(frozen=True)
class RepositoryConfig:
    """One repository: its Argo ``ArtifactRepository`` dict and how the workflow referenced it."""

    spec: dict[str, Any] = field(default_factory=dict)
    #: ``{"default": True}`` or ``{"configMap": …, "key": …, "namespace": …}`` (``status.artifactRepositoryRef``).
    ref: dict[str, Any] = field(default_factory=lambda: {"default": True})

    @property
    def kind(self) -> str:
        """The repository kind (``s3``, ``local``, …: :mod:`argento.artifacts.kinds`)."""
        return kind_of(self.spec).name

    @property
    def location(self) -> dict[str, Any]:
        """The kind's field of the spec (``spec["s3"]``; ``{}`` for a local folder given no path)."""
        value = self.spec.get(self.kind)
        return dict(value) if isinstance(value, Mapping) else {}

    @property
    def archive_logs(self) -> bool | None:
        value = self.spec.get("archiveLogs")
        return None if value is None else bool(value)

    @property
    def key_format(self) -> str:
        return key_format(self.spec) or DEFAULT_KEY_FORMAT

    def local_path(self, settings: Settings) -> Path:
        """The folder of a local repository."""
        return folder(self.spec.get("local") or {}, settings)

    def status_ref(self) -> dict[str, Any]:
        """``status.artifactRepositoryRef`` as Argo writes it; a local repository shows no location type."""
        spec = {k: v for k, v in self.spec.items() if k != "local"}
        return {**self.ref, "artifactRepository": spec}


def parse_repository(text: str, *, source: str) -> dict[str, Any]:
    """Parse one of the string forms (folder, ``file://``, ``s3://`` URL, YAML/JSON) into a spec dict."""
    text = text.strip()
    if not text:
        return {}
    kind = by_url(text)
    if kind is not None and kind.parse_url is not None:
        return kind.parse_url(text, source)
    if text.startswith("file://"):
        return {"local": {"path": unquote(urlsplit(text).path)}}
    if text.startswith(("/", "~", ".")):
        return {"local": {"path": text}}
    import yaml  # only when a repository is written as YAML (a run without one never loads it)

    from argento.yamlsafe import safe_load

    try:
        data = safe_load(text)
    except yaml.YAMLError as exc:
        raise ArtifactError(f"{source}: not a folder, an s3:// URL or a valid repository: {exc}") from None
    if not isinstance(data, dict):
        return {"local": {"path": text}}  # a relative folder name
    return validate(data.get("artifactRepository", data), source)


def validate(spec: Any, source: str) -> dict[str, Any]:
    """Check an ``ArtifactRepository`` dict names a kind Argento can use."""
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise ArtifactError(f"{source}: an artifact repository must be a mapping")
    check_supported(spec, source)
    return dict(spec)


def default_repository(settings: Settings) -> RepositoryConfig:
    """The default repository: ``ARGENTO_ARTIFACT_REPOSITORY``, then ``config.yaml``, then the local folder."""
    if settings.artifact_repository:
        return RepositoryConfig(
            parse_repository(settings.artifact_repository, source="ARGENTO_ARTIFACT_REPOSITORY")
        )
    path = settings.home / "config.yaml"
    if path.is_file():
        import yaml

        from argento.yamlsafe import safe_load

        try:
            data = safe_load(path.read_text(), str(path)) or {}
        except yaml.YAMLError as exc:
            raise ArtifactError(f"{path}: {exc}") from None
        repo = data.get("artifactRepository") if isinstance(data, dict) else None
        if isinstance(repo, str):
            return RepositoryConfig(parse_repository(repo, source=str(path)))
        if repo is not None:
            return RepositoryConfig(validate(repo, f"{path}: artifactRepository"))
    return RepositoryConfig({})


def resolve_ref(
    ref: Mapping[str, Any] | None,
    configmaps: Mapping[str, Mapping[str, str]],
    namespace: str,
    default: RepositoryConfig,
) -> RepositoryConfig:
    """``spec.artifactRepositoryRef`` → the repository it names (``default`` when there is no ref)."""
    if not ref:
        return default
    name = str(ref.get("configMap") or DEFAULT_CONFIGMAP)
    data = configmaps.get(name)
    if data is None:
        raise ArtifactError(
            f'error getting artifact repository: configmap "{name}" not found (pass it with --templates FILE)'
        )
    key = str(ref.get("key") or "")
    if not key:
        if len(data) != 1:
            raise ArtifactError(
                f'artifactRepositoryRef.key is required: configmap "{name}" has {len(data)} repositories'
            )
        key = next(iter(data))
    if key not in data:
        raise ArtifactError(f'error getting artifact repository: configmap "{name}" has no key "{key}"')
    source = f"configmap {name}[{key}]"
    import yaml

    from argento.yamlsafe import safe_load

    try:
        spec = safe_load(data[key], f"ConfigMap key {key}") if data[key].strip() else {}
    except yaml.YAMLError as exc:
        raise ArtifactError(f"{source}: {exc}") from None
    return RepositoryConfig(
        validate(spec or {}, source), {"configMap": name, "key": key, "namespace": namespace}
    )


__all__ = [
    "DEFAULT_CONFIGMAP",
    "RepositoryConfig",
    "default_repository",
    "parse_repository",
    "resolve_ref",
    "spec_identity",
    "validate",
]
