"""Where an artifact lives: from an artifact dict to a `Repository` and a key, and what status records.

Argo's rules (``Artifact.Relocate``): an artifact whose ``s3`` names its own bucket is used as written; one
that only names a key (``s3: {key: my-file}``, a *key-only* artifact) or nothing at all lives in the
template's ``archiveLocation`` if that names a bucket, else in the workflow's repository
(``spec.artifactRepositoryRef`` or the default). Status records artifacts of the workflow's repository in
Argo's key-only shape ``s3: {key: …}`` — for the local folder repository too, whose keys are paths relative
to its folder — and every other artifact with its full location.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from argento.artifacts.base import ArtifactError, Repository, check_key
from argento.artifacts.config import RepositoryConfig, spec_identity
from argento.artifacts.keys import artifact_key, join_key, location_kind
from argento.artifacts.local import LocalRepository
from argento.artifacts.s3 import RetryPolicy, S3Credentials, S3Repository
from argento.config import Settings

#: S3 fields a key-only or bucket-only artifact inherits from the repository it is relocated against.
_INHERITED = ("endpoint", "region", "insecure", "accessKeySecret", "secretKeySecret", "sessionTokenSecret",
              "useSDKCreds", "caSecret", "roleARN")


@dataclass
class Location:
    """An artifact's repository and key, and the location fields to record in status."""

    repo: Repository
    key: str
    #: e.g. ``{"s3": {"key": "wf/pod/art.tgz"}}`` (key-only) or ``{"s3": {"bucket": …, "key": …}}``.
    record: dict[str, Any] = field(default_factory=dict)


class Repositories:
    """Builds and caches repositories from location dicts (secrets resolved once per location)."""

    def __init__(self, settings: Settings, secrets: Any = None, *, s3_retry: RetryPolicy | None = None) -> None:
        self.settings = settings
        self.secrets = secrets
        self.s3_retry = s3_retry
        self._cache: dict[str, Repository] = {}

    def for_config(self, config: RepositoryConfig, namespace: str) -> Repository:
        """The repository of an ``ArtifactRepository`` config."""
        if config.kind == "s3":
            return self.s3(config.spec["s3"], namespace)
        path = config.local_path(self.settings)
        ident = f"local:{path}"
        if ident not in self._cache:
            self._cache[ident] = LocalRepository(path)
        return self._cache[ident]

    def s3(self, s3: Mapping[str, Any], namespace: str) -> Repository:
        """An `S3Repository` for an Argo ``s3`` location (its ``key`` is ignored)."""
        spec = {k: v for k, v in s3.items() if k not in ("key", "keyFormat", "keyPrefix")}
        ident = f"s3:{namespace}:{spec_identity(spec)}"
        repo = self._cache.get(ident)
        if repo is None:
            repo = self._cache[ident] = self._build_s3(spec, namespace)
        return repo

    def _secret(self, namespace: str, ref: Mapping[str, Any] | None) -> str:
        if not ref:
            return ""
        if self.secrets is None:
            raise ArtifactError(f"secret '{ref.get('name')}' cannot be resolved: no secret store for this run")
        return str(self.secrets.resolve(namespace, ref))

    def _build_s3(self, spec: Mapping[str, Any], namespace: str) -> Repository:
        if not spec.get("bucket"):
            raise ArtifactError("s3 artifact location has no bucket (and the workflow's repository is not S3)")
        creds = S3Credentials()
        if not spec.get("useSDKCreds"):
            creds = S3Credentials(
                access_key=self._secret(namespace, spec.get("accessKeySecret")),
                secret_key=self._secret(namespace, spec.get("secretKeySecret")),
                session_token=self._secret(namespace, spec.get("sessionTokenSecret")),
            )
        ca_file = None
        if spec.get("caSecret"):
            fd, ca_file = tempfile.mkstemp(prefix="argento-s3-ca-", suffix=".pem")
            with os.fdopen(fd, "w") as f:
                f.write(self._secret(namespace, spec["caSecret"]))
        return S3Repository(
            str(spec["bucket"]),
            endpoint=str(spec.get("endpoint") or ""),
            region=str(spec.get("region") or ""),
            insecure=bool(spec.get("insecure")),
            credentials=creds,
            ca_file=ca_file,
            create_bucket=spec.get("createBucketIfNotPresent") is not None,
            retry=self.s3_retry,
        )


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

    def locate(self, art: Mapping[str, Any], default_key: str | None = None, *, root: bool = False) -> Location:
        """The location of ``art``; ``default_key`` is used when the artifact names no key (outputs). With
        ``root`` an artifact without a key is the repository's (bucket's) root, key ``""`` (listings)."""
        kind = location_kind(art)
        if kind not in (None, "s3"):
            raise ArtifactError(f"artifact {art.get('name')}: {kind} artifacts are not supported by Argento here")
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
