"""Framework adapters: sklearn and pickle always; xgboost, lightgbm and pytorch when installed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import argento
from argento.errors import SpecError
from argento.registry.frameworks import canonical_name, detect, get_framework, installed
from argento.registry.store import ModelStore

np = pytest.importorskip("numpy")
sklearn_datasets = pytest.importorskip("sklearn.datasets")


@pytest.fixture(scope="module")
def iris() -> tuple[object, object]:
    return sklearn_datasets.load_iris(return_X_y=True)


def _load_in_fresh_process(home: Path, tag: str, expr: str) -> str:
    """Load ``tag`` in a new interpreter that never saw the test module; print ``expr`` of it."""
    code = textwrap.dedent(f"""
        import argento, numpy as np
        model = argento.models.get({tag!r}).load()
        print({expr})
    """)
    env = {**os.environ, "ARGENTO_HOME": str(home)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_sklearn_save_load_and_detection(store: ModelStore, iris: tuple) -> None:
    from sklearn.linear_model import LogisticRegression

    X, y = iris
    clf = LogisticRegression(max_iter=300).fit(X, y)
    m = argento.models.save("iris", clf, metadata={"acc": clf.score(X, y)})
    assert m.framework == "sklearn"
    assert m.signatures == {"predict": {"batchable": False, "batch_dim": 0}}
    assert "scikit-learn" in m.context["framework_versions"]
    loaded = argento.models.get("iris").load()
    assert (loaded.predict(X) == clf.predict(X)).all()


def test_seed_style_helpers(store: ModelStore, iris: tuple) -> None:
    from sklearn.tree import DecisionTreeClassifier

    X, y = iris
    clf = DecisionTreeClassifier(random_state=0).fit(X, y)
    m = argento.sklearn.save_model("iris_clf", clf, labels={"owner": "ana"})
    assert m.framework == "sklearn" and m.labels == {"owner": "ana"}
    assert (argento.sklearn.load_model("iris_clf:latest").predict(X[:5]) == clf.predict(X[:5])).all()
    assert argento.sklearn.get(m.tag) == m
    argento.models.save("other", {"not": "sklearn"})
    with pytest.raises(SpecError, match="framework 'pickle', not 'sklearn'"):
        argento.sklearn.load_model("other")


def test_sklearn_pipeline_with_a_lambda_loads_in_another_process(
    store: ModelStore, iris: tuple, argento_home: Path
) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y = iris
    pipe = make_pipeline(FunctionTransformer(lambda a: a * 10.0), LogisticRegression(max_iter=500)).fit(X, y)
    m = argento.sklearn.save_model("pipe", pipe)
    out = _load_in_fresh_process(argento_home, m.tag, "model.predict(np.array([[5.1, 3.5, 1.4, 0.2]]))[0]")
    assert out == str(pipe.predict(X[:1])[0])


def test_pickle_framework_carries_main_definitions(store: ModelStore, argento_home: Path) -> None:
    class Scaler:  # defined locally: only cloudpickle can carry it by value
        def __init__(self, k: float) -> None:
            self.k = k

        def __call__(self, x: float) -> float:
            return x * self.k

    m = argento.models.save("scaler", Scaler(2.5))
    assert m.framework == "pickle"
    assert m.signatures == {"__call__": {"batchable": False, "batch_dim": 0}}
    assert m.options["format"] == "cloudpickle"
    assert _load_in_fresh_process(argento_home, m.tag, "model(2)") == "5.0"
    fn = argento.models.save("fn", lambda x: x + 1, framework="cloudpickle")
    assert fn.load()(1) == 2


def test_framework_names() -> None:
    assert canonical_name("scikit-learn") == "sklearn"
    assert canonical_name("torch") == "pytorch"
    assert get_framework("pickle").name == "pickle"
    assert detect({"a": 1}).name == "pickle"
    assert installed("pickle") and installed("sklearn")
    with pytest.raises(SpecError, match="unknown framework 'tensorflow'"):
        get_framework("tensorflow")


def test_missing_library_is_explained(store: ModelStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xgboost", None)  # make `import xgboost` fail
    with pytest.raises(SpecError, match="pip install xgboost"):
        store.save("boost", object(), framework="xgboost")
    assert store.list() == []


def test_xgboost(store: ModelStore, iris: tuple) -> None:
    xgb = pytest.importorskip("xgboost")
    X, y = iris
    clf = xgb.XGBClassifier(n_estimators=5, max_depth=2).fit(X, y)
    m = store.save("xgb", clf)
    assert m.framework == "xgboost" and m.options["kind"] == "sklearn"
    assert (m.load().predict(X) == clf.predict(X)).all()
    booster = clf.get_booster()
    b = store.save("xgb-booster", booster)
    assert b.options["kind"] == "booster"
    dm = xgb.DMatrix(X)
    assert np.allclose(b.load().predict(dm), booster.predict(dm))


def test_lightgbm(store: ModelStore, iris: tuple) -> None:
    lgb = pytest.importorskip("lightgbm")
    X, y = iris
    clf = lgb.LGBMClassifier(n_estimators=5, verbose=-1).fit(X, y)
    m = store.save("lgb", clf)
    assert m.framework == "lightgbm"
    assert (m.load().predict(X) == clf.predict(X)).all()
    b = store.save("lgb-booster", clf.booster_)
    assert np.allclose(b.load().predict(X), clf.booster_.predict(X))


def test_pytorch(store: ModelStore) -> None:
    torch = pytest.importorskip("torch")
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())
    m = store.save("net", net)
    assert m.framework == "pytorch"
    x = torch.ones(2, 4)
    loaded = m.load()
    assert not loaded.training
    assert torch.allclose(loaded(x), net(x))
