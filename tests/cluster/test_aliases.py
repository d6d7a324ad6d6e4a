"""The service-alias table (argento.cluster): matching, sources and precedence, rewriting, unmapped names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from argento.cluster import AliasTable, UnmappedAddress
from argento.cluster.aliases import cluster_like, is_cluster_name, parse_entries
from argento.config import Settings
from argento.errors import SpecError, Unavailable
from argento.tracking.targets import Targets, resolve_address


def _settings(home: Path, **env: str) -> Settings:
    return Settings.from_env({"ARGENTO_HOME": str(home), "ARGENTO_SERVER": "http://127.0.0.1:4321", **env})


def test_the_guide_addresses_map_to_local_services(tmp_path: Path) -> None:
    table = AliasTable.defaults()
    assert table.lookup("mlflow.ml-platform", 5000).target == "mlflow"  # type: ignore[union-attr]
    assert table.lookup("tracking.ml-platform", 5000).target == "mlflow"  # type: ignore[union-attr]
    assert table.lookup("minio.data-services", 9000).target == "artifacts"  # type: ignore[union-attr]
    assert table.lookup("yatai.ml-platform", 3000).target == "yatai"  # type: ignore[union-attr]
    assert table.lookup("ray-head.ml-platform", 10001).target == "ray"  # type: ignore[union-attr]
    assert table.lookup("argo-workflows-server.mlops", 2746).target == "server"  # type: ignore[union-attr]
    assert table.lookup("mlflow.ml-platform.svc.cluster.local", 5000).target == "mlflow"  # type: ignore[union-attr]
    assert table.lookup("ray-head.ml-platform", 8265) is None  # the dashboard port is not the Ray client's


def test_local_and_public_addresses_are_never_aliased() -> None:
    table = AliasTable.defaults()
    for host, port in (
        ("127.0.0.1", 9000),
        ("localhost", 2746),
        ("::1", 5000),
        ("s3.example.com", 9000),
        ("storage.googleapis.com", 9000),
        ("minio.io", 443),
        ("mlflow.example.com", 5000),
    ):
        assert table.lookup(host, port) is None, (host, port)
    assert table.lookup("minio", 9000) is None  # a docker-compose host, real where it resolves
    assert table.lookup("minio.data-services", 9000).target == "artifacts"  # type: ignore[union-attr]
    assert table.lookup("yatai.local", 3000).target == "yatai"  # type: ignore[union-attr]  # the guide's "External"
    assert table.lookup("argo.local", 2746).target == "server"  # type: ignore[union-attr]


def test_cluster_name_rules() -> None:
    assert is_cluster_name("api.svc") and is_cluster_name("db.team.svc.cluster.local")
    assert is_cluster_name("feature-store.mlops") and not is_cluster_name("pypi.org")
    assert not is_cluster_name("api.github.com") and not cluster_like("redis") and cluster_like("argo.local")


def test_rewrite_keeps_paths_and_the_shape_of_the_address(tmp_path: Path) -> None:
    targets = Targets(_settings(tmp_path))
    rewrite = targets.table.rewrite
    assert rewrite("http://argo-workflows-server.mlops:2746/api/v1/workflows", targets) == (
        "http://127.0.0.1:4321/api/v1/workflows"
    )
    assert rewrite("yatai.ml-platform:3000", targets) == "127.0.0.1:4321"
    assert rewrite("--address=ray-head.ml-platform:10001", targets) == "--address=local"
    for untouched in (
        "s3://minio-bucket/models/x",
        "12:30:00",
        "see pypi.org:443 and http://localhost:2746",
        "models:/my-model/Production",
    ):
        assert rewrite(untouched, targets) == untouched


def test_ray_maps_to_argento_ray_address(tmp_path: Path) -> None:
    targets = Targets(_settings(tmp_path, ARGENTO_RAY_ADDRESS="ray://10.0.0.5:10001"))
    assert targets.table.rewrite("ray://ray-head.ml-platform:10001", targets) == "ray://10.0.0.5:10001"


def test_an_unmapped_cluster_name_is_an_error_naming_the_table(tmp_path: Path) -> None:
    targets = Targets(_settings(tmp_path))
    with pytest.raises(UnmappedAddress) as err:
        targets.table.rewrite("http://feature-store.mlops:6566/v1", targets)
    message = str(err.value)
    assert "http://feature-store.mlops:6566 is an in-cluster address" in message
    assert '"feature-store.mlops:6566"' in message and "serviceAliases" in message
    assert "ARGENTO_SERVICE_ALIASES" in message
    assert targets.table.rewrite("http://feature-store.mlops:6566/v1", targets, strict=False).endswith(
        ":6566/v1"
    )


def test_sources_and_precedence(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        "artifactRepository: {local: {path: /data}}\n"
        "serviceAliases:\n  feature-store*: http://127.0.0.1:6566\n  mlflow*: http://127.0.0.1:5001\n"
    )
    settings = _settings(tmp_path, ARGENTO_SERVICE_ALIASES=json.dumps({"mlflow*": "127.0.0.1:5002"}))
    assert resolve_address("http://feature-store.mlops:6566/v1", settings) == "http://127.0.0.1:6566/v1"
    assert resolve_address("mlflow.ml-platform:5000", settings) == "127.0.0.1:5002"  # the env wins
    table = AliasTable.from_settings(settings)
    assert [e.source for e in table.entries[:3]] == [
        "ARGENTO_SERVICE_ALIASES",
        f"{tmp_path / 'config.yaml'}: serviceAliases",
        f"{tmp_path / 'config.yaml'}: serviceAliases",
    ]
    file = tmp_path / "aliases.yaml"
    file.write_text("- {match: 'vault*', target: 'http://127.0.0.1:8200'}\n")
    from_file = AliasTable.from_settings(_settings(tmp_path, ARGENTO_SERVICE_ALIASES=str(file)))
    assert from_file.entries[0].pattern == "vault*" and from_file.entries[0].source == str(file)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"x*": "nowhere"}, "unknown target 'nowhere'"),
        ({"a:b:c": "mlflow"}, "invalid pattern"),
        ([{"target": "mlflow"}], "an entry is {match: GLOB, target: TARGET}"),
        ("just text", "maps globs to targets"),
    ],
)
def test_bad_entries_name_the_source(data: object, message: str) -> None:
    with pytest.raises(SpecError, match=r"config\.yaml") as err:
        parse_entries(data, "config.yaml")
    assert message in str(err.value)


def test_mlflow_needs_a_running_tracking_server(tmp_path: Path) -> None:
    with pytest.raises(Unavailable, match="start it with `argento up`"):
        resolve_address("http://mlflow.ml-platform:5000", _settings(tmp_path))
    # MLFLOW_TRACKING_URI naming a real server is the target; naming the cluster one, it is not.
    real = _settings(tmp_path, MLFLOW_TRACKING_URI="http://127.0.0.1:5999")
    assert resolve_address("http://mlflow.ml-platform:5000", real) == "http://127.0.0.1:5999"
    aliased = _settings(tmp_path, MLFLOW_TRACKING_URI="http://mlflow.ml-platform:5000")
    with pytest.raises(Unavailable):
        resolve_address("http://mlflow.ml-platform:5000", aliased)


def test_artifacts_give_clients_the_configured_s3_endpoint(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="the local folder here"):
        resolve_address("http://minio.data-services:9000", _settings(tmp_path))
    s3 = _settings(tmp_path, ARGENTO_ARTIFACT_REPOSITORY="s3://bucket?endpoint=127.0.0.1:9100&insecure=true")
    assert resolve_address("http://minio.data-services:9000", s3) == "http://127.0.0.1:9100"
