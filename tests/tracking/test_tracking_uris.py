from __future__ import annotations

import pytest

from argento.errors import SpecError
from argento.registry.refs import ModelRef
from argento.tracking.uris import MlflowURI, is_mlflow_ref, store_name


@pytest.mark.parametrize(
    ("uri", "kind", "name", "ref", "path"),
    [
        ("models:/iris@champion", "alias", "iris", "champion", ""),
        ("mlflow:models:/iris@champion", "alias", "iris", "champion", ""),
        ("models:/Iris Model/3", "version", "Iris Model", "3", ""),
        ("models:/iris/Production", "stage", "iris", "Production", ""),
        ("models:/iris/staging", "stage", "iris", "Staging", ""),
        ("models:/iris/latest", "latest", "iris", "latest", ""),
        ("models:/m-0123456789abcdef", "logged", "", "m-0123456789abcdef", ""),
        ("runs:/0b5e9c/model", "run", "", "0b5e9c", "model"),
        ("runs:/0b5e9c/outputs/model/", "run", "", "0b5e9c", "outputs/model"),
    ],
)
def test_parse_forms(uri: str, kind: str, name: str, ref: str, path: str) -> None:
    parsed = MlflowURI.parse(uri)
    assert (parsed.kind, parsed.name, parsed.ref, parsed.path) == (kind, name, ref, path)
    assert MlflowURI.parse(str(parsed)) == parsed


@pytest.mark.parametrize(
    "uri", ["iris:v1", "models:/iris", "models:/iris/champion", "runs:/abc", "models:/@x", "s3://b/k"]
)
def test_invalid_uris_say_which_forms_work(uri: str) -> None:
    with pytest.raises(SpecError, match="MLflow URI"):
        MlflowURI.parse(uri)


def test_alias_hint_for_a_name_that_is_no_stage() -> None:
    with pytest.raises(SpecError, match="models:/iris@champion"):
        MlflowURI.parse("models:/iris/champion")


def test_store_names_are_folded() -> None:
    assert store_name("Iris Model") == "iris-model"
    assert store_name("sk.Learn_v2") == "sk.learn_v2"
    with pytest.raises(SpecError):
        store_name("***")


def test_model_refs_accept_mlflow_uris_without_mlflow_or_a_store() -> None:
    assert is_mlflow_ref("models:/iris@champion") and not is_mlflow_ref("iris:v1")
    ref = ModelRef.of("models:/Iris@champion")
    assert ref.tag == "mlflow:models:/Iris@champion" and ref.is_mlflow and ref.name == "iris"
    assert ModelRef.of("mlflow:runs:/abc/model").name == "model"
    assert ModelRef.of("iris:production").tag == "iris:production"
    with pytest.raises(SpecError):
        ModelRef.of("mlflow:models:/iris")
