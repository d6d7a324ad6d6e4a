"""Where an artifact lives: from an artifact dict to a `Repository` and a key, and what status records.

Argo's rules (``Artifact.Relocate``): an artifact whose ``s3`` names its own bucket is used as written; one
that only names a key (``s3: {key: my-file}``, a *key-only* artifact) or nothing at all lives in the
template's ``archiveLocation`` if that names a bucket, else in the workflow's repository
(``spec.artifactRepositoryRef`` or the default). Status records artifacts of the workflow's repository in
Argo's key-only shape ``s3: {key: …}`` — for the local folder repository too, whose keys are paths relative
to its folder — and every other artifact with its full location.

An ``s3.endpoint`` that is an in-cluster address of the service-alias table (``minio.data-services:9000``, see
`argento.cluster`) means the configured artifact repository: the local folder by default (objects under
``<folder>/<bucket>/<key>``; the location's credentials are not needed), or the configured S3 (its endpoint and
credentials, the artifact's bucket). The location is recorded as written, so downloads resolve the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from argento.artifacts import s3_kind
from argento.artifacts.base import ArtifactError, Repository, check_key
from argento.artifacts.config import RepositoryConfig
from argento.artifacts.keys import artifact_key, join_key, location_kind
from argento.artifacts.kinds import kind_of
from argento.artifacts.local import LocalRepository
from argento.config import Settings

if TYPE_CHECKING:
    from argento.artifacts.s3 import RetryPolicy

#: S3 fields a key-only or bucket-only artifact inherits from the repository it is relocated against.
_INHERITED = (
    "endpoint",
    "region",
    "insecure",
    "accessKeySecret",
    "secretKeySecret",
    "sessionTokenSecret",
    "useSDKCreds",
    "caSecret",
    "roleARN",
)


@dataclass
class Location:
    """An artifact's repository and key, and the location fields to record in status."""

    repo: Repository
    key: str
    #: e.g. ``{"s3": {"key": "wf/pod/art.tgz"}}`` (key-only) or ``{"s3": {"bucket": …, "key": …}}``.
    record: dict[str, Any] = field(default_factory=dict)


class Repositories:
    """Builds and caches repositories from location dicts (secrets resolved once per location)."""

    def __init__(
        self, settings: Settings, secrets: Any = None, *, s3_retry: RetryPolicy | None = None
    ) -> None:
        self.settings = settings
        self.secrets = secrets
        self.s3_retry = s3_retry
        self._cache: dict[str, Repository] = {}
        self._aliases: Any = None

    def for_config(self, config: RepositoryConfig, namespace: str) -> Repository:
        """The repository of an ``ArtifactRepository`` config (built by its kind, :mod:`argento.artifacts.kinds`)."""
        return kind_of(config.spec).build(self, config.location, namespace)

    def s3(self, s3: Mapping[str, Any], namespace: str) -> Repository:
        """The repository of an Argo ``s3`` location (its ``key`` is ignored); an in-cluster endpoint of the
        service-alias table: the repository it stands for."""
        return s3_kind.build(self, s3, namespace)

    def cached(self, ident: str, make: Callable[[], Repository]) -> Repository:
        """The repository cached under ``ident``, made once."""
        repo = self._cache.get(ident)
        if repo is None:
            repo = self._cache[ident] = make()
        return repo

    def aliased(self, spec: dict[str, Any], namespace: str) -> Repository | dict[str, Any] | None:
        """The repository an aliased endpoint means (or ``spec`` with the endpoint an entry's URL gives);
        ``None`` when the endpoint is a real one."""
        from argento.cluster import AliasTable
        from argento.cluster.aliases import is_cluster_name, split_address

        endpoint = str(spec["endpoint"])
        if self._aliases is None:
            self._aliases = AliasTable.from_settings(self.settings)
        host, port = split_address(endpoint)
        entry = self._aliases.lookup(host, port)
        if entry is None:
            if is_cluster_name(host):
                raise ArtifactError(f"s3.endpoint: {self._aliases.unmapped(endpoint)}")
            return None
        if entry.service is None:  # a URL of the user's own (their MinIO on this machine)
            scheme, _, rest = entry.target.rpartition("://")
            return {
                **spec,
                "endpoint": rest.split("/", 1)[0],
                "insecure": scheme == "http" or spec.get("insecure"),
            }
        if entry.service != "artifacts":
            raise ArtifactError(
                f"s3.endpoint {endpoint} maps to {entry.service} in the service-alias table, not to an S3 store"
            )
        bucket = str(spec.get("bucket") or "")
        if not bucket or "/" in bucket or bucket.startswith("."):
            raise ArtifactError(f"s3.bucket {bucket!r} is not a bucket name")
        from argento.artifacts.config import default_repository

        repo = default_repository(self.settings)
        if repo.kind == "s3":  # the configured S3: its endpoint and credentials, the artifact's bucket
            return s3_kind.repository(self, {**repo.location, "bucket": bucket}, namespace)
        if repo.kind != "local":  # an S3 endpoint cannot stand for a store of another kind
            raise ArtifactError(
                f"s3.endpoint {endpoint} maps to the artifact repository, which is {repo.kind}, not S3-compatible"
            )
        path = repo.local_path(self.settings) / bucket
        return self.cached(f"local:{path}", lambda: LocalRepository(path))

    def secret(self, namespace: str, ref: Mapping[str, Any] | None) -> str:
        """The value of a secret reference (``""`` for none), from the run's secret store."""
        if not ref:
            return ""
        if self.secrets is None:
            raise ArtifactError(
                f"secret '{ref.get('name')}' cannot be resolved: no secret store for this run"
            )
        return str(self.secrets.resolve(namespace, ref))


class Locator:
    """Resolves artifact locations for one template of one workflow."""

    def __init__(
        self,
        repos: Repositories,
        workflow_repo: RepositoryConfig,
        namespace: str,
        archive_location: Mapping[str, Any] | None = None,
    ) -> None:
        self.repos = repos
        self.workflow_repo = workflow_repo
        self.namespace = namespace
        archive = archive_location or {}
        s3 = archive.get("s3") if isinstance(archive.get("s3"), Mapping) else None
        for kind in ("gcs", "azure", "oss", "hdfs", "artifactory", "plugin"):
            if archive.get(kind) is not None:
                raise ArtifactError(f"archiveLocation.{kind} is not supported by Argento (use s3)")
        #: The template's own archive bucket (a full location), if any.
        self.archive_s3: dict[str, Any] | None = dict(s3) if s3 and s3.get("bucket") else None
        #: A key prefix from ``archiveLocation.s3.key`` (already substituted by the engine), if any.
        self.archive_key: str | None = str(s3["key"]).strip("/") if s3 and s3.get("key") else None

    def _base_s3(self) -> dict[str, Any] | None:
        if self.archive_s3 is not None:
            return self.archive_s3
        if self.workflow_repo.kind == "s3":
            return dict(self.workflow_repo.spec["s3"])
        return None

    def locate(
        self, art: Mapping[str, Any], default_key: str | None = None, *, root: bool = False
    ) -> Location:
        """The location of ``art``; ``default_key`` is used when the artifact names no key (outputs). With
        ``root`` an artifact without a key is the repository's (bucket's) root, key ``""`` (listings)."""
        kind = location_kind(art)
        if kind not in (None, "s3"):
            raise ArtifactError(
                f"artifact {art.get('name')}: {kind} artifacts are not supported by Argento here"
            )
        own = dict(art.get("s3") or {})
        key = artifact_key(art) or default_key
        if key:
            key = check_key(key)
        elif root:
            key = ""
        else:
            raise ArtifactError(f"artifact {art.get('name')} has no key")
        if own.get("bucket"):
            base = self._base_s3() or {}
            same_endpoint = not own.get("endpoint") or own.get("endpoint") == base.get("endpoint")
            merged = dict(own)
            if same_endpoint:
                for name in _INHERITED:
                    if name not in merged and name in base:
                        merged[name] = base[name]
            record = {**own, "key": key}
            return Location(self.repos.s3(merged, self.namespace), key, {"s3": record})
        if self.archive_s3 is not None:
            merged = {**self.archive_s3, **own, "key": key}
            return Location(self.repos.s3(merged, self.namespace), key, {"s3": merged})
        repo = self.repos.for_config(self.workflow_repo, self.namespace)
        return Location(repo, key, {"s3": {**own, "key": key}})

    def output_key(self, file_name: str, prefix: str) -> str:
        """``<prefix>/<file name>``; the prefix of ``archiveLocation.s3.key`` wins over the key format's."""
        return join_key(self.archive_key or prefix, file_name)
