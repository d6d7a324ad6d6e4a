"""Default repository configuration, artifactRepositoryRef, key formats and artifact locations."""

from __future__ import annotations

from pathlib import Path

import pytest

from argento.artifacts import ArtifactError, LocalRepository, S3Repository
from argento.artifacts.config import RepositoryConfig, default_repository, parse_repository, resolve_ref
from argento.artifacts.keys import DEFAULT_KEY_FORMAT, has_location, key_format, key_prefix
from argento.artifacts.locate import Locator, Repositories
from argento.config import Settings


def test_string_forms() -> None:
    assert parse_repository("/data/art", source="env") == {"local": {"path": "/data/art"}}
    assert parse_repository("file:///data/art", source="env") == {"local": {"path": "/data/art"}}
    spec = parse_repository(
        "s3://bucket/team/a?endpoint=127.0.0.1:9000&insecure=true&region=eu-west-1&secret=minio&archiveLogs=true",
        source="env")
    assert spec == {
        "archiveLogs": True,
        "s3": {"bucket": "bucket", "keyPrefix": "team/a", "endpoint": "127.0.0.1:9000", "region": "eu-west-1",
               "insecure": True, "accessKeySecret": {"name": "minio", "key": "accessKey"},
               "secretKeySecret": {"name": "minio", "key": "secretKey"}},
    }
    assert parse_repository('{"s3": {"bucket": "b", "endpoint": "h:1"}}', source="env")["s3"]["bucket"] == "b"
    with pytest.raises(ArtifactError, match="gcs artifact repositories are not supported"):
        parse_repository("gcs: {bucket: b}", source="env")
    with pytest.raises(ArtifactError, match=r"s3\.bucket is required"):
        parse_repository("s3: {endpoint: h}", source="env")


def test_default_repository_precedence(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    assert default_repository(Settings(home=home)).spec == {}
    (home / "config.yaml").write_text("artifactRepository:\n  archiveLogs: true\n  s3: {bucket: cfg, endpoint: h:1}\n")
    cfg = default_repository(Settings(home=home))
    assert cfg.kind == "s3" and cfg.archive_logs is True and cfg.ref == {"default": True}
    env = default_repository(Settings(home=home, artifact_repository="/elsewhere"))
    assert env.kind == "local" and env.local_path(Settings(home=home)) == Path("/elsewhere")


def test_artifact_repository_ref() -> None:
    cms = {"artifact-repositories": {"my-key": "archiveLogs: true\ns3:\n  bucket: b\n  endpoint: h:1\n"}}
    cfg = resolve_ref({"key": "my-key"}, cms, "argo", RepositoryConfig())
    assert cfg.ref == {"configMap": "artifact-repositories", "key": "my-key", "namespace": "argo"}
    assert cfg.status_ref()["artifactRepository"]["s3"]["bucket"] == "b"
    assert resolve_ref({}, cms, "argo", RepositoryConfig()).ref == {"default": True}
    assert resolve_ref({"configMap": "artifact-repositories"}, cms, "argo", RepositoryConfig()).kind == "s3"
    with pytest.raises(ArtifactError, match='has no key "other"'):
        resolve_ref({"key": "other"}, cms, "argo", RepositoryConfig())
    with pytest.raises(ArtifactError, match='configmap "nope" not found'):
        resolve_ref({"configMap": "nope", "key": "k"}, cms, "argo", RepositoryConfig())


def test_key_formats() -> None:
    assert key_format({}) == DEFAULT_KEY_FORMAT
    assert key_format({"s3": {"bucket": "b", "keyPrefix": "team"}}) == "team/{{workflow.name}}/{{pod.name}}"
    assert key_format({"s3": {"bucket": "b", "keyFormat": "x/{{workflow.uid}}"}}) == "x/{{workflow.uid}}"
    params = {"workflow.name": "wf", "pod.name": "wf-main-1", "workflow.uid": "u"}
    assert key_prefix(DEFAULT_KEY_FORMAT, params) == "wf/wf-main-1"
    assert key_prefix("/x/{{workflow.uid}}/", params) == "x/u"


def test_has_location_follows_argo() -> None:
    assert has_location({"raw": {"data": ""}})
    assert has_location({"s3": {"key": "k"}})
    assert not has_location({"http": {"url": ""}})
    assert not has_location({"name": "x"})


def test_locations(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    repos = Repositories(settings)
    local = Locator(repos, RepositoryConfig(), "argo")
    loc = local.locate({"name": "a"}, "wf/pod/a.tgz")
    assert isinstance(loc.repo, LocalRepository) and loc.record == {"s3": {"key": "wf/pod/a.tgz"}}
    assert local.locate({"s3": {"key": "my-file"}}).key == "my-file"
    full = local.locate({"s3": {"bucket": "b", "endpoint": "127.0.0.1:9", "key": "k"}})
    assert isinstance(full.repo, S3Repository) and full.record["s3"]["bucket"] == "b"
    # A template archiveLocation with its own bucket: outputs go there, recorded with the full location.
    arch = Locator(repos, RepositoryConfig(), "argo", {"s3": {"bucket": "arch", "endpoint": "h:1", "key": "pre"}})
    out = arch.locate({"name": "a"}, arch.output_key("a.tgz", "ignored"))
    assert out.key == "pre/a.tgz" and out.record["s3"]["bucket"] == "arch"
    # Key-only against an S3 workflow repository: inherits endpoint and credentials, records the key only.
    s3cfg = RepositoryConfig({"s3": {"bucket": "wfb", "endpoint": "h:2", "insecure": True}})
    s3loc = Locator(repos, s3cfg, "argo").locate({"s3": {"key": "k"}})
    assert isinstance(s3loc.repo, S3Repository) and s3loc.repo.endpoint_url == "http://h:2"
    assert s3loc.record == {"s3": {"key": "k"}}
    with pytest.raises(ArtifactError, match="gcs artifacts are not supported"):
        local.locate({"gcs": {"key": "k"}})


def test_repositories_are_cached(tmp_path: Path) -> None:
    repos = Repositories(Settings(home=tmp_path))
    cfg = RepositoryConfig({"s3": {"bucket": "b", "endpoint": "h:1"}})
    assert repos.for_config(cfg, "argo") is repos.for_config(cfg, "argo")
