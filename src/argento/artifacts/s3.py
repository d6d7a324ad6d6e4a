"""The S3 repository: any S3-compatible endpoint (MinIO, AWS, moto) through boto3 (``pip install argento[s3]``).

Fields mirror Argo's ``s3`` artifact location: ``endpoint`` (``host:port``; empty means AWS), ``bucket``,
``region``, ``insecure`` (plain HTTP), ``createBucketIfNotPresent``. Large objects go up and down in
multipart chunks through boto3's transfer manager, from and to files, so memory stays flat whatever the
size. Transient failures (connection refused or reset, timeouts, 5xx, SlowDown) are retried with exponential
backoff; every other failure becomes an `ArgentoError` with a message that says what is wrong (endpoint
unreachable, bucket missing, key missing, credentials refused) and never contains a credential.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from argento.artifacts.base import (
    CHUNK,
    ArtifactError,
    ArtifactNotFound,
    ObjectInfo,
    RepositoryUnavailable,
    RepositoryUnreachable,
    check_key,
    disk_error,
)
from argento.errors import ArgentoError, Unauthenticated

T = TypeVar("T")

_AUTH_CODES = frozenset(
    {
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "AccessDenied",
        "403",
        "InvalidToken",
        "ExpiredToken",
        "InvalidSecurity",
        "AuthorizationHeaderMalformed",
    }
)
_TRANSIENT_CODES = frozenset(
    {
        "SlowDown",
        "RequestTimeout",
        "RequestTimeTooSkewed",
        "InternalError",
        "ServiceUnavailable",
        "500",
        "502",
        "503",
        "504",
        "Throttling",
        "ThrottlingException",
    }
)
_MISSING_KEY_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff for transient S3 errors: ``attempts`` tries, waits ``base * factor**i`` (capped)."""

    attempts: int = 5
    base: float = 0.2
    factor: float = 2.0
    cap: float = 5.0

    def delays(self) -> Iterator[float]:
        for i in range(max(self.attempts - 1, 0)):
            delay = min(self.cap, self.base * self.factor**i)
            yield delay * (0.5 + random.random() / 2)  # jitter: several steps retrying do not stampede


@dataclass(frozen=True)
class S3Credentials:
    """Resolved keys (empty: boto3's own chain, Argo's ``useSDKCreds``). ``repr`` never shows them."""

    access_key: str = field(default="", repr=False)
    secret_key: str = field(default="", repr=False)
    session_token: str = field(default="", repr=False)


class S3Repository:
    """Objects in one S3 bucket."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint: str = "",
        region: str = "",
        insecure: bool = False,
        credentials: S3Credentials | None = None,
        ca_file: str | None = None,
        create_bucket: bool = False,
        retry: RetryPolicy | None = None,
        multipart_threshold: int = 64 << 20,
        multipart_chunksize: int = 16 << 20,
        max_concurrency: int = 4,
    ) -> None:
        if not bucket:
            raise ArtifactError("s3 artifact location has no bucket")
        self.bucket = bucket
        self.endpoint = endpoint
        self.region = region or "us-east-1"
        self.insecure = insecure
        self.url = f"s3://{bucket}"
        self._credentials = credentials or S3Credentials()
        self._ca_file = ca_file
        self._create_bucket = create_bucket
        self._bucket_checked = False
        self.retry = retry or RetryPolicy()
        self._transfer_args = (multipart_threshold, multipart_chunksize, max_concurrency)
        self._client: Any = None
        self._transfer: Any = None

    def __repr__(self) -> str:
        return f"S3Repository(bucket={self.bucket!r}, endpoint={self.endpoint_url!r})"

    # -- client ------------------------------------------------------------------------------------------
    @property
    def endpoint_url(self) -> str | None:
        """``http(s)://host:port`` (Argo's ``insecure`` means plain HTTP), or None for AWS."""
        ep = self.endpoint
        if not ep:
            return None
        if "://" in ep:
            return ep
        return ("http://" if self.insecure else "https://") + ep

    @property
    def where(self) -> str:
        """The endpoint for messages."""
        return self.endpoint_url or "AWS S3"

    @property
    def client(self) -> Any:
        if self._client is None:
            try:
                import boto3
                from boto3.s3.transfer import TransferConfig
                from botocore.config import Config
            except ImportError:  # pragma: no cover - depends on the install
                raise ArtifactError("S3 artifacts need boto3: pip install 'argento[s3]'") from None
            creds = self._credentials
            config = Config(
                region_name=self.region,
                connect_timeout=5,
                read_timeout=60,
                # Our own retry loop (with messages) replaces botocore's.
                retries={"total_max_attempts": 1, "mode": "standard"},
                s3={"addressing_style": "path"} if self.endpoint else {},
                signature_version="s3v4",
                max_pool_connections=16,
            )
            session = boto3.session.Session()
            self._client = session.client(
                "s3",
                endpoint_url=self.endpoint_url,
                aws_access_key_id=creds.access_key or None,
                aws_secret_access_key=creds.secret_key or None,
                aws_session_token=creds.session_token or None,
                verify=self._ca_file or None,
                config=config,
            )
            threshold, chunk, concurrency = self._transfer_args
            self._transfer = TransferConfig(
                multipart_threshold=threshold,
                multipart_chunksize=chunk,
                max_concurrency=concurrency,
                use_threads=concurrency > 1,
            )
        return self._client

    # -- operations --------------------------------------------------------------------------------------
    def put(self, key: str, src: Path) -> None:
        """One PUT streamed from the file; multipart (boto3's transfer manager) above the threshold."""
        key = check_key(key)
        self._ensure_bucket()
        try:
            size = Path(src).stat().st_size
        except OSError as exc:
            raise ArtifactError(f"cannot read {src}: {exc.strerror}") from None
        if size >= self._transfer_args[0]:
            self._call(
                "upload",
                key,
                lambda: self.client.upload_file(str(src), self.bucket, key, Config=self._transfer_config()),
            )
            return

        def put_object() -> None:
            if size == 0:  # also pseudo-files (/proc links under /etc) whose size is what S3 gets, as in Argo
                self.client.put_object(Bucket=self.bucket, Key=key, Body=b"")
                return
            with open(src, "rb") as body:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=body)

        self._call("upload", key, put_object)

    def get(self, key: str, dest: Path) -> None:
        """One streamed GET into a temp file renamed over ``dest``."""
        key = check_key(key)
        dest = Path(dest)
        tmp = dest.with_name(f".argento-tmp-{dest.name}")

        def download() -> None:
            resp = self.client.get_object(Bucket=self.bucket, Key=key)
            body = resp["Body"]
            try:
                with open(tmp, "wb") as out:
                    for chunk in body.iter_chunks(CHUNK):
                        out.write(chunk)
            finally:
                body.close()

        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            self._call("download", key, download)
            tmp.replace(dest)
        except OSError as exc:
            raise disk_error(exc, dest) from None
        finally:
            tmp.unlink(missing_ok=True)

    def open(self, key: str) -> BinaryIO:
        key = check_key(key)
        resp = self._call("download", key, lambda: self.client.get_object(Bucket=self.bucket, Key=key))
        return io.BufferedReader(_Body(resp["Body"]), buffer_size=1 << 20)  # type: ignore[return-value]

    def exists(self, key: str) -> bool:
        key = check_key(key)
        try:
            self._call("stat", key, lambda: self.client.head_object(Bucket=self.bucket, Key=key))
        except ArtifactNotFound:
            return False
        return True

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        pages = self._call(
            "list",
            prefix,
            lambda: list(
                self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
            ),
        )
        for page in pages:
            for obj in page.get("Contents") or []:
                yield ObjectInfo(obj["Key"], int(obj.get("Size", 0)))

    def delete(self, key: str) -> None:
        key = check_key(key)
        self._call("delete", key, lambda: self.client.delete_object(Bucket=self.bucket, Key=key))

    # -- helpers -----------------------------------------------------------------------------------------
    def _transfer_config(self) -> Any:
        _ = self.client
        return self._transfer

    def _ensure_bucket(self) -> None:
        """``createBucketIfNotPresent``: create the bucket once before the first upload."""
        if not self._create_bucket or self._bucket_checked:
            return
        if not self._bucket_exists():
            args: dict[str, Any] = {"Bucket": self.bucket}
            if self.region != "us-east-1":
                args["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
            self._call("create", "", lambda: self.client.create_bucket(**args))
        self._bucket_checked = True

    def _call(self, op: str, key: str, fn: Callable[[], T]) -> T:
        """Run ``fn`` with retries on transient errors; translate the final failure into an ArgentoError."""
        delays = self.retry.delays()
        while True:
            try:
                return fn()
            except ArgentoError:
                raise
            except Exception as exc:  # botocore/boto3 errors; classified below
                error = self._translate(exc, op, key)
                if not error.transient:
                    raise error from None
                delay = next(delays, None)
                if delay is None:
                    raise error from None
                time.sleep(delay)

    def _translate(self, exc: BaseException, op: str, key: str) -> ArgentoError:
        from botocore.exceptions import (
            ClientError,
            ConnectionClosedError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
            PartialCredentialsError,
            ReadTimeoutError,
            SSLError,
        )

        # boto3's transfer manager wraps ClientError in S3UploadFailedError; the original is its context.
        cause: BaseException = exc
        while not isinstance(cause, ClientError | EndpointConnectionError) and cause.__context__ is not None:
            cause = cause.__context__
        target = f"s3://{self.bucket}/{key}" if key else f"bucket '{self.bucket}'"
        if isinstance(cause, OSError) and not isinstance(cause, ConnectionError | TimeoutError):
            return disk_error(cause, target)
        if isinstance(
            cause, EndpointConnectionError | ConnectTimeoutError | ConnectionClosedError | ConnectionError
        ):
            return RepositoryUnreachable(
                f"cannot reach S3 endpoint {self.where} to {op} {target}: connection failed"
            )
        if isinstance(cause, ReadTimeoutError):
            return RepositoryUnreachable(f"S3 endpoint {self.where} timed out during {op} of {target}")
        if isinstance(cause, SSLError):
            return RepositoryUnavailable(
                f"TLS handshake with S3 endpoint {self.where} failed (use insecure: true "
                "for a plain-HTTP endpoint)"
            )
        if isinstance(cause, NoCredentialsError | PartialCredentialsError):
            return Unauthenticated(f"no S3 credentials for {target}: set accessKeySecret and secretKeySecret")
        if isinstance(cause, ClientError):
            err = cause.response.get("Error") or {}
            code = str(err.get("Code") or "")
            status = int((cause.response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
            if code == "NoSuchBucket" or (code in ("404", "NotFound") and not key):
                return ArtifactError(f"bucket '{self.bucket}' does not exist at S3 endpoint {self.where}")
            if code in _MISSING_KEY_CODES:
                if op in ("download", "stat") and not self._bucket_exists():
                    return ArtifactError(f"bucket '{self.bucket}' does not exist at S3 endpoint {self.where}")
                return ArtifactNotFound(f"key {key} does not exist in s3://{self.bucket}")
            if code in _AUTH_CODES:
                return Unauthenticated(
                    f"S3 endpoint {self.where} refused the credentials for {target} ({code}); check the "
                    "accessKeySecret/secretKeySecret secrets"
                )
            if code in _TRANSIENT_CODES or status >= 500:
                return RepositoryUnreachable(
                    f"S3 endpoint {self.where} failed to {op} {target} ({code or status})"
                )
            return ArtifactError(f"S3 {op} of {target} failed: {code or status}")
        return ArtifactError(f"S3 {op} of {target} failed: {type(cause).__name__}")

    def _bucket_exists(self) -> bool:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception:
            return False
        return True


class _Body(io.RawIOBase):
    """botocore's StreamingBody as a raw stream (so it can be buffered and used as a context manager)."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._body.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()
