"""import_mlflow round trips against the session's MLflow server, refs, alias mirroring, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from tracking_support import log_iris

import argento
from argento.cli.main import cli
from argento.errors import NotFound


@pytest.fixture(scope="module")
def registered(mlflow_server) -> dict[str, str]:
    """Registered model 'Iris-Bridge': v1 (alias champion, stage Staging) and v2 (latest)."""
    import mlflow

    run1, info1 = log_iris("Iris-Bridge", metric=0.91)
    run2, _ = log_iris("Iris-Bridge", metric=0.95)
    client = mlflow.MlflowClient()
    client.set_registered_model_alias("Iris-Bridge", "champion", "1")
    with pytest.warns(FutureWarning):
        client.transition_model_version_stage("Iris-Bridge", "1", "Staging")
    return {"run1": run1, "run2": run2, "model_id": info1.model_id}


def _predict(model: argento.models.Model) -> int:
    return int(model.load().predict(np.array([[5.1, 3.5, 1.4, 0.2]]))[0])


def test_import_by_alias_copies_the_model_with_its_lineage(tracked_home: Path, registered: dict[str, str]) -> None:
    model = argento.models.import_mlflow("models:/Iris-Bridge@champion")
    assert model.name == "iris-bridge" and model.framework == "sklearn"
    assert model.labels["source"] == "mlflow"
    lineage = model.metadata["mlflow"]
    assert lineage["run_id"] == registered["run1"] and lineage["version"] == "1"
    assert lineage["registered_model"] == "Iris-Bridge" and "sklearn" in lineage["flavors"]
    assert model.metadata["metrics"] == {"accuracy": 0.91}
    assert model.metadata["params"] == {"max_iter": "300"}
    assert _predict(model) == 0
    # Idempotent: the same MLflow version is not copied twice, whichever URI names it.
    assert argento.models.import_mlflow("models:/Iris-Bridge/1").tag == model.tag
    assert argento.models.import_mlflow("models:/Iris-Bridge/Staging").tag == model.tag
    assert len(argento.models.list("iris-bridge")) == 1


def test_import_latest_run_and_logged_model(tracked_home: Path, registered: dict[str, str]) -> None:
    latest = argento.models.import_mlflow("models:/Iris-Bridge/latest", alias="production")
    assert latest.metadata["mlflow"]["version"] == "2"
    assert argento.models.get("iris-bridge:production").tag == latest.tag
    run = argento.models.import_mlflow(f"runs:/{registered['run2']}/model", name="from-run")
    assert run.name == "from-run" and run.metadata["metrics"] == {"accuracy": 0.95}
    logged = argento.models.import_mlflow(f"models:/{registered['model_id']}", name="logged")
    assert logged.metadata["mlflow"]["run_id"] == registered["run1"]
    assert _predict(logged) == 0


def test_missing_models_are_not_found(tracked_home: Path, registered: dict[str, str]) -> None:
    with pytest.raises(NotFound, match="MLflow"):
        argento.models.import_mlflow("models:/Iris-Bridge@nobody")
    with pytest.raises(NotFound):
        argento.models.import_mlflow("models:/No-Such-Model/1")


def test_other_flavors_are_kept_as_mlflow_models(tracked_home: Path, mlflow_server) -> None:
    import mlflow

    class Doubler(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
            return [2 * x for x in model_input["x"]]

    mlflow.set_experiment("tests")
    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(name="doubler", python_model=Doubler(), pip_requirements=["mlflow"])
    model = argento.models.import_mlflow(info.model_uri, name="doubler")
    assert model.framework == "mlflow"
    import pandas as pd

    assert list(model.load().predict(pd.DataFrame({"x": [1, 2]}))) == [2, 4]


def test_services_reference_mlflow_models_directly(tracked_home: Path, registered: dict[str, str]) -> None:
    ref = argento.models.ref("mlflow:models:/Iris-Bridge@champion")
    model = ref.resolve()
    assert model.metadata["mlflow"]["version"] == "1"
    assert int(ref.load().predict(np.array([[6.7, 3.0, 5.2, 2.3]]))[0]) == 2
    assert ref.resolve().tag == model.tag  # imported once


def test_aliases_mirror_both_ways(tracked_home: Path, registered: dict[str, str]) -> None:
    import mlflow

    from argento.tracking.aliases import mirror_alias, pull_alias

    client = mlflow.MlflowClient()
    # MLflow → Argento: the alias follows MLflow's.
    pulled = pull_alias("Iris-Bridge", "champion")
    assert argento.models.get("iris-bridge:champion").tag == pulled.tag
    # Argento → MLflow: an imported version points MLflow's alias at its registered version.
    v2 = argento.models.import_mlflow("models:/Iris-Bridge/2")
    argento.models.tag(v2.tag, "challenger")
    assert mirror_alias(v2.tag, "challenger") == ("Iris-Bridge", "2")
    assert client.get_model_version_by_alias("Iris-Bridge", "challenger").version == "2"
    # A model saved in Argento is logged and registered in MLflow first.
    from sklearn.tree import DecisionTreeClassifier

    native = argento.sklearn.save_model("native-tree", DecisionTreeClassifier().fit([[0], [1]], [0, 1]))
    name, version = mirror_alias(native.tag, "champion")
    assert (name, version) == ("native-tree", "1")
    assert argento.models.get(native.tag).labels["mlflow-version"] == "1"
    assert mirror_alias(native.tag, "champion") == ("native-tree", "1")  # not registered twice


def test_cli_import_and_tag_mirror(tracked_home: Path, registered: dict[str, str]) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["models", "import-mlflow", "models:/Iris-Bridge@champion", "--mirror-alias", "-o", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["metadata"]["mlflow"]["version"] == "1"
    result = runner.invoke(cli, ["models", "get", "iris-bridge:champion", "-o", "json"])
    assert json.loads(result.stdout)["tag"] == data["tag"]
    result = runner.invoke(cli, ["models", "tag", data["tag"], "blessed", "--mirror-mlflow"])
    assert result.exit_code == 0, result.output
    assert "models:/Iris-Bridge@blessed → version 1" in result.output
    result = runner.invoke(cli, ["models", "import-mlflow", "models:/iris"])
    assert result.exit_code == 1 and "invalid MLflow URI" in result.output
