"""Repository kinds are declared once (argento.artifacts.kinds): a new kind is one module and one line, and the
configuration, the repositories, the `artifacts` service alias and MLflow's destination all follow it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from argento.artifacts import ArtifactError, kinds
from argento.artifacts.base import Repository, RepositoryContext, RepositoryKind
from argento.artifacts.config import RepositoryConfig, parse_repository
from argento.artifacts.local import LocalRepository
from argento.artifacts.locate import Repositories
from argento.cluster.aliases import Alias
from argento.config import Settings
from argento.tracking.server import artifacts_destination
from argento.tracking.targets import Targets


def _build(ctx: RepositoryContext, spec: Mapping[str, Any], namespace: str) -> Repository:
    return ctx.cached(
        f"gcs:{spec['bucket']}", lambda: LocalRepository(ctx.settings.home / "gcs" / spec["bucket"])
    )


def _parse(text: str, source: str) -> dict[str, Any]:
    return {"gcs": {"bucket": text.removeprefix("gs://").strip("/")}}


def _validate(spec: Mapping[str, Any], source: str) -> None:
    if not spec.get("bucket"):
        raise ArtifactError(f"{source}: gcs.bucket is required")


GCS = RepositoryKind(
    "gcs",
    _build,
    url_scheme="gs",
    parse_url=_parse,
    validate=_validate,
    endpoint_url=lambda spec: "https://storage.googleapis.com",
    mlflow_destination=lambda spec, settings: f"gs://{spec['bucket']}/mlflow",
)


@pytest.fixture
def gcs(monkeypatch: pytest.MonkeyPatch) -> RepositoryKind:
    monkeypatch.setattr(kinds, "KINDS", dict(kinds.KINDS))
    return kinds.register_kind(GCS)


def test_a_declared_kind_is_configured_built_and_reached(gcs: RepositoryKind, argento_home: Path) -> None:
    settings = Settings(home=argento_home)
    assert parse_repository("gs://models", source="env") == {"gcs": {"bucket": "models"}}
    with pytest.raises(ArtifactError, match=r"gcs\.bucket is required"):
        parse_repository("gcs: {}", source="env")
    config = RepositoryConfig({"gcs": {"bucket": "models"}})
    assert config.kind == "gcs" and config.location == {"bucket": "models"}
    repos = Repositories(settings)
    repo = repos.for_config(config, "argo")
    assert repo is repos.for_config(config, "argo") and repo.url.endswith("gcs/models")  # type: ignore[attr-defined]
    settings = Settings(home=argento_home, artifact_repository="gs://models")
    alias = Alias(pattern="minio.data-services:9000", target="artifacts")
    assert Targets(settings).artifacts(alias) == "https://storage.googleapis.com"
    assert artifacts_destination(settings) == ("gs://models/mlflow", {})


def test_argo_kinds_nobody_declared_are_refused_by_name() -> None:
    with pytest.raises(
        ArtifactError, match=r"azure artifact repositories are not supported by Argento \(use s3 or"
    ):
        parse_repository("azure: {container: c}", source="env")
    assert kinds.kind_of({}).name == "local" and kinds.kind_of({"s3": {"bucket": "b"}}).name == "s3"
