"""The Repository contract on the local folder, S3 (moto) and the in-memory fake; S3 error wording."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from art_support import BUCKET, CREDS, FAST_RETRY, MotoServer, free_port

from argento.artifacts import (
    ArtifactError,
    ArtifactNotFound,
    LocalRepository,
    MemoryRepository,
    Repository,
    RepositoryUnavailable,
    S3Repository,
)
from argento.artifacts.base import check_key, delete_tree, get_tree, is_dir, put_tree
from argento.artifacts.s3 import S3Credentials
from argento.errors import Unauthenticated


def _s3(server: MotoServer, bucket: str = BUCKET, **kw: Any) -> S3Repository:
    return S3Repository(bucket, endpoint=server.endpoint, insecure=True, retry=FAST_RETRY,
                        credentials=S3Credentials(CREDS["accessKey"], CREDS["secretKey"]), **kw)


@pytest.fixture(params=["local", "s3", "memory"])
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Repository:
    if request.param == "local":
        return LocalRepository(tmp_path / "repo")
    if request.param == "memory":
        return MemoryRepository()
    return _s3(request.getfixturevalue("s3"))


def test_put_get_open_exists_list_delete(repo: Repository, tmp_path: Path) -> None:
    src = tmp_path / "src.txt"
    src.write_bytes(b"hello\n" * 1000)
    repo.put("wf/pod/a.txt", src)
    repo.put("wf/pod/b.txt", src)
    assert repo.exists("wf/pod/a.txt") and not repo.exists("wf/pod/nope")
    dest = tmp_path / "out" / "a.txt"
    dest.parent.mkdir()
    repo.get("wf/pod/a.txt", dest)
    assert dest.read_bytes() == src.read_bytes()
    with repo.open("wf/pod/b.txt") as f:
        assert f.read(6) == b"hello\n"
    assert [(o.key, o.size) for o in repo.list("wf/")] == [("wf/pod/a.txt", 6000), ("wf/pod/b.txt", 6000)]
    repo.delete("wf/pod/a.txt")
    repo.delete("wf/pod/a.txt")  # absent: no error
    assert [o.key for o in repo.list("wf/")] == ["wf/pod/b.txt"]
    with pytest.raises(ArtifactNotFound, match=r"key wf/pod/a\.txt does not exist"):
        repo.get("wf/pod/a.txt", dest)
    with pytest.raises(ArtifactNotFound):
        repo.open("wf/pod/a.txt")


def test_trees(repo: Repository, tmp_path: Path) -> None:
    src = tmp_path / "dir"
    (src / "sub").mkdir(parents=True)
    (src / "one.txt").write_text("1")
    (src / "sub" / "two.txt").write_text("2")
    assert put_tree(repo, "k/dir", src) == 2
    assert is_dir(repo, "k/dir") and not is_dir(repo, "k/di")
    assert get_tree(repo, "k/dir", tmp_path / "copy") == 2
    assert (tmp_path / "copy" / "sub" / "two.txt").read_text() == "2"
    assert delete_tree(repo, "k/dir") == 2
    assert list(repo.list("k/")) == []


@pytest.mark.parametrize("key", ["", "/abs", "../up", "a/../../b", "a\\b"])
def test_bad_keys_are_refused(key: str) -> None:
    with pytest.raises(ArtifactError):
        check_key(key)


def test_local_write_is_atomic(tmp_path: Path) -> None:
    repo = LocalRepository(tmp_path / "repo")
    src = tmp_path / "v1"
    src.write_text("version 1")
    repo.put("k", src)

    class Boom(Exception):
        pass

    class Exploding:
        def read(self, n: int = -1) -> bytes:
            raise Boom

    from argento.artifacts.local import atomic_write

    with pytest.raises(Boom):
        atomic_write(repo.path("k"), Exploding())  # type: ignore[arg-type]
    assert repo.path("k").read_text() == "version 1"
    assert [p.name for p in (tmp_path / "repo").iterdir()] == ["k"]  # no temp file left


def test_s3_unreachable_endpoint(tmp_path: Path) -> None:
    repo = S3Repository(BUCKET, endpoint=f"127.0.0.1:{free_port()}", insecure=True, retry=FAST_RETRY,
                        credentials=S3Credentials("AKID", "not-shown-anywhere"))
    (tmp_path / "f").write_text("x")
    with pytest.raises(RepositoryUnavailable, match=r"cannot reach S3 endpoint http://127\.0\.0\.1") as err:
        repo.put("k", tmp_path / "f")
    assert "not-shown-anywhere" not in str(err.value) and "not-shown-anywhere" not in repr(repo)


def test_s3_missing_bucket_and_create_if_not_present(s3: MotoServer, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(ArtifactError, match="bucket 'fresh' does not exist at S3 endpoint"):
        _s3(s3, "fresh").put("k", tmp_path / "f")
    with pytest.raises(ArtifactError, match="bucket 'fresh' does not exist"):
        _s3(s3, "fresh").get("k", tmp_path / "g")
    repo = _s3(s3, "fresh", create_bucket=True)
    repo.put("k", tmp_path / "f")
    assert repo.exists("k")


def test_s3_multipart_upload_and_download(s3: MotoServer, tmp_path: Path) -> None:
    repo = _s3(s3, multipart_threshold=5 << 20, multipart_chunksize=5 << 20)
    big = tmp_path / "big"
    big.write_bytes(b"\0" * (11 << 20))
    repo.put("big", big)
    head = s3.client().head_object(Bucket=BUCKET, Key="big")
    assert head["ContentLength"] == 11 << 20 and "-" in head["ETag"]  # a multipart ETag
    repo.get("big", tmp_path / "back")
    assert (tmp_path / "back").stat().st_size == 11 << 20


class _FakeClient:
    """A boto3 client whose calls raise a scripted ClientError."""

    def __init__(self, code: str, status: int = 403, fail_times: int = 99) -> None:
        self.code, self.status, self.fail_times, self.calls = code, status, fail_times, 0

    def head_object(self, **kw: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        self.calls += 1
        if self.calls <= self.fail_times:
            raise ClientError({"Error": {"Code": self.code, "Message": "secret AKIDSHOWN"},
                               "ResponseMetadata": {"HTTPStatusCode": self.status}}, "HeadObject")
        return {}

    def head_bucket(self, **kw: Any) -> dict[str, Any]:
        return {}


def _with_client(client: Any) -> S3Repository:
    repo = S3Repository(BUCKET, endpoint="127.0.0.1:1", insecure=True, retry=FAST_RETRY)
    repo._client = client
    return repo


@pytest.mark.parametrize("code", ["InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied"])
def test_s3_bad_credentials_wording(code: str) -> None:
    with pytest.raises(Unauthenticated, match=f"refused the credentials .*\\({code}\\)") as err:
        _with_client(_FakeClient(code)).exists("k")
    assert "AKIDSHOWN" not in str(err.value)


def test_s3_transient_errors_are_retried() -> None:
    client = _FakeClient("SlowDown", 503, fail_times=1)
    assert _with_client(client).exists("k") is True
    assert client.calls == 2
    client = _FakeClient("InternalError", 500, fail_times=5)
    with pytest.raises(RepositoryUnavailable, match="InternalError"):
        _with_client(client).exists("k")
    assert client.calls == FAST_RETRY.attempts
