"""Issue 17 item 8: a model that rejects request data (a ValueError or TypeError from NumPy, scikit-learn, …)
answers 400 naming the field, for every input form; genuine bugs stay 500 (`argento.serving.blame`)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from blame_apps import Iris
from serving_support import Running, serve_in_thread

from argento.serving.dispatcher import Dispatcher
from argento.serving.io.base import ListCodec


@pytest.fixture(scope="module")
def iris() -> Iterator[Running]:
    with serve_in_thread(Iris) as running:
        yield running


def _bad(r: httpx.Response) -> str:
    assert r.status_code == 400, (r.status_code, r.text)
    body = r.json()
    assert body["error"] == "invalid_input", body
    return str(body["detail"])


def test_the_quickstart_form_names_the_field(iris: Running) -> None:
    with iris.client() as c:
        assert c.post("/predict", json={"features": [5.1, 3.5, 1.4, 0.2]}).json() == {"prediction": [2]}
        detail = _bad(c.post("/predict", json={"features": [1, 2]}))
        assert detail.startswith("features: ") and "mismatch" in detail, detail
        detail = _bad(c.post("/predict", json={"features": ["a", "b", "c", "d"]}))
        assert detail.startswith("features: could not convert string to float"), detail
        assert (
            _bad(c.post("/predict", json={"rows": [1, 2, 3, 4]}))
            == "features: missing (the API reads this field)"
        )
        assert c.post("/sklearn", json={"features": [1, 0, 0, 0]}).status_code == 200
        assert _bad(c.post("/sklearn", json={"features": [1, 2]})) == (
            "features: X has 2 features, but LogisticRegression is expecting 4 features as input."
        )


def test_type_hints_arrays_and_batches_answer_400_too(iris: Running) -> None:
    with iris.client() as c:
        assert c.post("/hinted", json={"features": [1, 2, 3, 4]}).json() == 2
        assert _bad(c.post("/hinted", json={"features": [1, 2]})).startswith("features: ")
        assert c.post("/array", json=[[1, 2, 3, 4]]).json() == [2]
        assert _bad(c.post("/array", json=[[1, 2]])).startswith("rows: ")
        assert c.post("/batched", json={"rows": [[1, 2, 3, 4]]}).json() == [2]
        assert _bad(c.post("/batched", json={"rows": [[1, 2]]})).startswith("rows: ")


def test_bugs_in_the_service_stay_500(iris: Running) -> None:
    with iris.client() as c:
        for route in ("/buggy", "/miscalled", "/internal_lookup"):
            r = c.post(route, json={"features": [1, 2, 3, 4]})
            assert r.status_code == 500, (route, r.text)
            assert r.json()["error"] == "internal_error"


def test_one_bad_request_does_not_fail_the_others_of_its_batch() -> None:
    """The model sees a whole batch at once: when it rejects one request's rows, the batch is run again one
    request at a time, so only that request fails (with the model's ValueError: a 400)."""
    calls: list[int] = []

    async def model(batch: list[list[float]]) -> list[float]:
        calls.append(len(batch))
        if any(len(row) != 4 for row in batch):
            raise ValueError("X has 2 features, but the model is expecting 4 features as input")
        return [sum(row) for row in batch]

    async def main() -> None:
        d = Dispatcher(model, ListCodec(), max_batch_size=8, max_latency_ms=1000)
        d.start()
        futures = [d.submit([row])[0] for row in ([1, 1, 1, 1], [1, 2], [2, 2, 2, 2])]
        good1, bad, good2 = await asyncio.gather(*futures, return_exceptions=True)
        assert (good1, good2) == ([4], [8])
        assert isinstance(bad, ValueError) and "expecting 4 features" in str(bad)
        assert calls == [3, 1, 1, 1]  # the batch, then each request alone
        await d.stop()

    asyncio.run(main())


def test_the_quickstart_service_answers_bad_features_with_400(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quickstart's own service, on a model saved as its train step saves it."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    import argento.models
    import argento.sklearn

    monkeypatch.setenv("ARGENTO_HOME", str(tmp_path / "home"))
    X = np.array([[5.1, 3.5, 1.4, 0.2], [6.0, 2.9, 4.5, 1.5], [6.9, 3.1, 5.4, 2.1]] * 4)
    model = argento.sklearn.save_model("iris-quickstart", LogisticRegression().fit(X, [0, 1, 2] * 4))
    argento.models.tag(model, "production")  # what the service loads (the deploy step moves this alias)
    from argento.quickstart.service import IrisClassifier

    with serve_in_thread(IrisClassifier) as running, running.client() as c:
        assert c.post("/predict", json={"features": [5.1, 3.5, 1.4, 0.2]}).json()["species"] == "setosa"
        assert _bad(c.post("/predict", json={"features": [1, 2]})) == (
            "features: X has 2 features, but LogisticRegression is expecting 4 features as input."
        )
