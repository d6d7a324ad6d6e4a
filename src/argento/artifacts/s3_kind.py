"""The ``s3`` repository kind (:mod:`argento.artifacts.kinds`): Argo's ``s3`` location — its URL form for
``ARGENTO_ARTIFACT_REPOSITORY``, validation, the :class:`~argento.artifacts.s3.S3Repository` built from a location
(secrets resolved, an in-cluster endpoint of the service-alias table followed), and what MLflow and the clients in
a step need to reach it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from argento.artifacts.base import ArtifactError, Repository, RepositoryContext, RepositoryKind, spec_identity
from argento.config import Settings

_TRUE = {"1", "true", "yes", "on"}
#: Fields of a location that name an object, not the store.
_OBJECT_FIELDS = ("key", "keyFormat", "keyPrefix")


def parse_url(text: str, source: str) -> dict[str, Any]:
    """``s3://bucket/prefix?endpoint=HOST:PORT&insecure=true&region=…&secret=NAME&archiveLogs=true`` → the
    ``ArtifactRepository`` dict (``secret`` names a local secret holding ``accessKey`` and ``secretKey``)."""
    parts = urlsplit(text)
    if not parts.netloc:
        raise ArtifactError(f"{source}: {text!r} has no bucket (s3://BUCKET[/PREFIX]?endpoint=HOST:PORT)")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    s3: dict[str, Any] = {"bucket": parts.netloc}
    if parts.path.strip("/"):
        s3["keyPrefix"] = parts.path.strip("/")
    if query.get("endpoint"):
        s3["endpoint"] = query["endpoint"]
    if query.get("region"):
        s3["region"] = query["region"]
    if query.get("insecure", "").lower() in _TRUE:
        s3["insecure"] = True
    if query.get("keyFormat"):
        s3["keyFormat"] = query["keyFormat"]
    if query.get("secret"):
        s3["accessKeySecret"] = {"name": query["secret"], "key": "accessKey"}
        s3["secretKeySecret"] = {"name": query["secret"], "key": "secretKey"}
    if query.get("createBucket", "").lower() in _TRUE:
        s3["createBucketIfNotPresent"] = {}
    spec: dict[str, Any] = {"s3": s3}
    if "archiveLogs" in query:
        spec["archiveLogs"] = query["archiveLogs"].lower() in _TRUE
    return spec


def validate(s3: Any, source: str) -> None:
    if not isinstance(s3, dict) or not s3.get("bucket"):
        raise ArtifactError(f"{source}: s3.bucket is required")


def build(ctx: RepositoryContext, s3: Mapping[str, Any], namespace: str) -> Repository:
    """The repository of an Argo ``s3`` location (its ``key`` is ignored); an in-cluster endpoint of the
    service-alias table: the repository it stands for."""
    spec = {k: v for k, v in s3.items() if k not in _OBJECT_FIELDS}
    if spec.get("endpoint"):
        aliased = ctx.aliased(spec, namespace)
        if isinstance(aliased, dict):
            spec = aliased
        elif aliased is not None:
            return aliased
    return repository(ctx, spec, namespace)


def repository(ctx: RepositoryContext, spec: dict[str, Any], namespace: str) -> Repository:
    """The (cached) repository of an S3 location whose endpoint is a real one."""
    spec = {k: v for k, v in spec.items() if k not in _OBJECT_FIELDS}
    return ctx.cached(f"s3:{namespace}:{spec_identity(spec)}", lambda: _new(ctx, spec, namespace))


def _new(ctx: RepositoryContext, spec: Mapping[str, Any], namespace: str) -> Repository:
    if not spec.get("bucket"):
        raise ArtifactError("s3 artifact location has no bucket (and the workflow's repository is not S3)")
    from argento.artifacts.s3 import S3Credentials, S3Repository  # only when an S3 repository is used

    creds = S3Credentials()
    if not spec.get("useSDKCreds"):
        creds = S3Credentials(
            access_key=ctx.secret(namespace, spec.get("accessKeySecret")),
            secret_key=ctx.secret(namespace, spec.get("secretKeySecret")),
            session_token=ctx.secret(namespace, spec.get("sessionTokenSecret")),
        )
    ca_file = None
    if spec.get("caSecret"):
        fd, ca_file = tempfile.mkstemp(prefix="argento-s3-ca-", suffix=".pem")
        with os.fdopen(fd, "w") as f:
            f.write(ctx.secret(namespace, spec["caSecret"]))
    return S3Repository(
        str(spec["bucket"]),
        endpoint=str(spec.get("endpoint") or ""),
        region=str(spec.get("region") or ""),
        insecure=bool(spec.get("insecure")),
        credentials=creds,
        ca_file=ca_file,
        create_bucket=spec.get("createBucketIfNotPresent") is not None,
        retry=getattr(ctx, "s3_retry", None),
    )


def endpoint_url(s3: Mapping[str, Any]) -> str | None:
    """The endpoint as a URL (``http://`` when ``insecure``); None without one (AWS itself)."""
    endpoint = str(s3.get("endpoint") or "")
    if not endpoint:
        return None
    return endpoint if "://" in endpoint else f"{'http' if s3.get('insecure') else 'https'}://{endpoint}"


def mlflow_destination(s3: Mapping[str, Any], settings: Settings) -> str:
    """``s3://bucket[/keyPrefix]/mlflow``."""
    prefix = str(s3.get("keyPrefix") or "").strip("/")
    return f"s3://{s3['bucket']}/{prefix + '/' if prefix else ''}mlflow"


def client_env(s3: Mapping[str, Any]) -> dict[str, str]:
    """The non-secret S3 variables MLflow clients use: ``MLFLOW_S3_ENDPOINT_URL`` and the region."""
    env: dict[str, str] = {}
    url = endpoint_url(s3)
    if url:
        env["MLFLOW_S3_ENDPOINT_URL"] = url
    if s3.get("region"):
        env["AWS_DEFAULT_REGION"] = str(s3["region"])
    return env


def client_secrets(s3: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The credentials' secret references, by the variable boto3 reads."""
    refs = {
        "AWS_ACCESS_KEY_ID": s3.get("accessKeySecret"),
        "AWS_SECRET_ACCESS_KEY": s3.get("secretKeySecret"),
    }
    return {var: ref for var, ref in refs.items() if ref}


KIND = RepositoryKind(
    "s3",
    build,
    url_scheme="s3",
    parse_url=parse_url,
    validate=validate,
    endpoint_url=endpoint_url,
    mlflow_destination=mlflow_destination,
    client_env=client_env,
    client_secrets=client_secrets,
)

__all__ = ["KIND", "client_env", "endpoint_url", "parse_url", "repository"]
