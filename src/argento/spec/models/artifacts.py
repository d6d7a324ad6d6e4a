"""Artifacts and the places they live (Argo's ``Artifact`` and its ``ArtifactLocation`` members).

Every location type Argo defines is modelled so ``argento lint`` knows its fields; which of them Argento can
actually fetch or store is the artifacts package's business.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from argento.spec.models.base import ArgoModel, KubeDict
from argento.spec.models.meta import Metadata

#: ``SecretKeySelector`` / ``ConfigMapKeySelector``: ``{"name": …, "key": …, "optional": …}``.
KeySelector = KubeDict


class S3EncryptionOptions(ArgoModel):
    """Server-side encryption of an S3 artifact."""

    enable_encryption: bool | None = None
    kms_encryption_context: str | None = None
    kms_key_id: str | None = None
    server_side_customer_key_secret: KeySelector | None = None


class CreateS3BucketOptions(ArgoModel):
    """Options for creating the bucket when it is missing."""

    object_locking: bool | None = None


class S3Artifact(ArgoModel):
    """An object (or prefix) in an S3-compatible store."""

    access_key_secret: KeySelector | None = None
    bucket: str | None = None
    ca_secret: KeySelector | None = None
    create_bucket_if_not_present: CreateS3BucketOptions | None = None
    encryption_options: S3EncryptionOptions | None = None
    endpoint: str | None = None
    insecure: bool | None = None
    key: str | None = None
    region: str | None = None
    role_arn: str | None = Field(default=None, alias="roleARN")
    secret_key_secret: KeySelector | None = None
    session_token_secret: KeySelector | None = None
    use_sdk_creds: bool | None = Field(default=None, alias="useSDKCreds")


class Header(ArgoModel):
    """An HTTP header sent when fetching an HTTP artifact."""

    name: str = ""
    value: str = ""


class BasicAuth(ArgoModel):
    """HTTP basic authentication from secrets."""

    password_secret: KeySelector | None = None
    username_secret: KeySelector | None = None


class ClientCertAuth(ArgoModel):
    """TLS client certificate authentication from secrets."""

    client_cert_secret: KeySelector | None = None
    client_key_secret: KeySelector | None = None


class OAuth2EndpointParam(ArgoModel):
    """An extra parameter sent to the OAuth2 token endpoint."""

    key: str = ""
    value: str | None = None


class OAuth2Auth(ArgoModel):
    """OAuth2 client-credentials authentication."""

    client_id_secret: KeySelector | None = Field(default=None, alias="clientIDSecret")
    client_secret_secret: KeySelector | None = None
    endpoint_params: list[OAuth2EndpointParam] | None = None
    scopes: list[str] | None = None
    token_url_secret: KeySelector | None = Field(default=None, alias="tokenURLSecret")


class HTTPAuth(ArgoModel):
    """Authentication for an HTTP artifact."""

    basic_auth: BasicAuth | None = None
    client_cert: ClientCertAuth | None = None
    oauth2: OAuth2Auth | None = None


class HTTPArtifact(ArgoModel):
    """A file fetched over HTTP(S)."""

    auth: HTTPAuth | None = None
    headers: list[Header] | None = None
    url: str = ""


class GitArtifact(ArgoModel):
    """A git repository checked out at a revision."""

    branch: str | None = None
    depth: int | None = None
    disable_submodules: bool | None = None
    fetch: list[str] | None = None
    insecure_ignore_host_key: bool | None = None
    insecure_skip_tls: bool | None = Field(default=None, alias="insecureSkipTLS")
    password_secret: KeySelector | None = None
    repo: str = ""
    revision: str | None = None
    single_branch: bool | None = None
    ssh_private_key_secret: KeySelector | None = None
    username_secret: KeySelector | None = None


class RawArtifact(ArgoModel):
    """An artifact whose content is given inline."""

    data: str = ""


class GCSArtifact(ArgoModel):
    """An object in Google Cloud Storage."""

    bucket: str | None = None
    key: str = ""
    service_account_key_secret: KeySelector | None = None


class OSSLifecycleRule(ArgoModel):
    """Alibaba OSS lifecycle rule."""

    mark_deletion_after_days: int | None = None
    mark_infrequent_access_after_days: int | None = None


class OSSArtifact(ArgoModel):
    """An object in Alibaba Cloud OSS."""

    access_key_secret: KeySelector | None = None
    bucket: str | None = None
    create_bucket_if_not_present: bool | None = None
    endpoint: str | None = None
    key: str = ""
    lifecycle_rule: OSSLifecycleRule | None = None
    secret_key_secret: KeySelector | None = None
    security_token: str | None = None
    use_sdk_creds: bool | None = Field(default=None, alias="useSDKCreds")


class AzureArtifact(ArgoModel):
    """A blob in Azure Blob Storage."""

    account_key_secret: KeySelector | None = None
    blob: str = ""
    container: str = ""
    endpoint: str = ""
    use_sdk_creds: bool | None = Field(default=None, alias="useSDKCreds")


class HDFSArtifact(ArgoModel):
    """A file in HDFS."""

    addresses: list[str] | None = None
    data_transfer_protection: str | None = None
    force: bool | None = None
    hdfs_user: str | None = Field(default=None, alias="hdfsUser")
    krb_c_cache_secret: KeySelector | None = Field(default=None, alias="krbCCacheSecret")
    krb_config_config_map: KeySelector | None = None
    krb_keytab_secret: KeySelector | None = None
    krb_realm: str | None = None
    krb_service_principal_name: str | None = None
    krb_username: str | None = None
    path: str = ""


class ArtifactoryArtifact(ArgoModel):
    """A file in JFrog Artifactory."""

    password_secret: KeySelector | None = None
    url: str = ""
    username_secret: KeySelector | None = None


class PluginArtifact(ArgoModel):
    """An artifact handled by an artifact-driver plugin."""

    configuration: str | None = None
    connection_timeout_seconds: int | None = None
    key: str = ""
    name: str | None = None


class TarStrategy(ArgoModel):
    """Archive as a gzipped tarball."""

    compression_level: int | None = None


class NoneStrategy(ArgoModel):
    """Do not archive (store the file or directory as is)."""


class ZipStrategy(ArgoModel):
    """Archive as a zip file."""


class ArchiveStrategy(ArgoModel):
    """How an output artifact is packed before upload."""

    none: NoneStrategy | None = None
    tar: TarStrategy | None = None
    zip: ZipStrategy | None = None


class ArtifactGC(ArgoModel):
    """When an artifact is deleted from its repository."""

    pod_metadata: Metadata | None = None
    service_account_name: str | None = None
    strategy: str | None = None


class ArtifactLocation(ArgoModel):
    """Exactly one place an artifact lives (``archiveLocation``, and the location part of ``Artifact``)."""

    archive_logs: bool | None = None
    artifactory: ArtifactoryArtifact | None = None
    azure: AzureArtifact | None = None
    gcs: GCSArtifact | None = None
    git: GitArtifact | None = None
    hdfs: HDFSArtifact | None = None
    http: HTTPArtifact | None = None
    oss: OSSArtifact | None = None
    plugin: PluginArtifact | None = None
    raw: RawArtifact | None = None
    s3: S3Artifact | None = None

    #: The location keys, in Argo's order of precedence.
    LOCATION_TYPES: ClassVar[tuple[str, ...]] = (
        "s3",
        "git",
        "http",
        "artifactory",
        "hdfs",
        "raw",
        "oss",
        "gcs",
        "azure",
        "plugin",
    )

    @property
    def location_type(self) -> str | None:
        """Which location is set (``"s3"``, ``"http"``, …), or ``None``."""
        for key in self.LOCATION_TYPES:
            if getattr(self, key) is not None:
                return key
        return None


class Artifact(ArtifactLocation):
    """An input or output artifact (Argo's ``Artifact``)."""

    name: str = ""
    path: str | None = None
    mode: int | None = None
    from_: str | None = Field(default=None, alias="from")
    from_expression: str | None = None
    global_name: str | None = None
    optional: bool | None = None
    sub_path: str | None = None
    recurse_mode: bool | None = None
    archive: ArchiveStrategy | None = None
    artifact_gc: ArtifactGC | None = Field(default=None, alias="artifactGC")
    deleted: bool | None = None


class ArtifactRepositoryRef(ArgoModel):
    """A ConfigMap key that holds an artifact repository definition."""

    config_map: str | None = None
    key: str | None = None


class ArtifactPaths(Artifact):
    """The artifact a ``data`` template lists files from."""


class ManifestFrom(ArgoModel):
    """A resource template's manifest, read from an input artifact."""

    artifact: Artifact
