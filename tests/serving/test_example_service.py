"""The seed guide's MyMLService end to end: train, serve, call with the typed clients, batch for real."""

from __future__ import annotations

import asyncio
import importlib.util
import runpy
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving_support import Running, serve_in_thread

np = pytest.importorskip("numpy")
pytest.importorskip("sklearn")

import argento  # noqa: E402
from argento.serving.decorators import get_service_spec  # noqa: E402
from argento.serving.errors import InvalidInput  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_example() -> type:
    spec = importlib.util.spec_from_file_location("examples_service", EXAMPLES / "service.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["examples_service"] = module
    spec.loader.exec_module(module)
    return module.MyMLService


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    home = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    mp.setenv("ARGENTO_HOME", str(home))
    try:
        runpy.run_path(str(EXAMPLES / "train_iris.py"), run_name="__main__")
        with serve_in_thread(load_example()) as running:
            yield running
    finally:
        mp.undo()


def test_model_reference_is_recorded() -> None:
    spec = get_service_spec(load_example())
    assert spec is not None and [str(m.tag) for m in spec.models] == ["iris_clf:production"]
    assert set(spec.apis) == {"predict", "predict_batch"}


def test_sync_client_calls_both_apis(served: Running) -> None:
    with argento.SyncHTTPClient(served.url) as client:
        assert client.predict({"features": [5.1, 3.5, 1.4, 0.2]}) == {"prediction": 0}
        out = client.predict_batch(np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]))
        assert isinstance(out, np.ndarray) and out.tolist() == [0, 2]
        assert client.call("predict_batch", [[6.7, 3.0, 5.2, 2.3]]).tolist() == [2]
        with pytest.raises(InvalidInput, match=r"shape \(\*, 4\)"):
            client.predict_batch([[1.0, 2.0]])
        with pytest.raises(AttributeError, match="no API"):
            client.call("nope", 1)


def test_the_platform_client_calls_a_service_by_url(served: Running) -> None:
    client = argento.Client(served.url)  # the seed's `argento.Client(url).call("predict", ...)`
    assert client.call("predict", {"features": [6.7, 3.0, 5.2, 2.3]}) == {"prediction": 2}
    assert client.call("predict_batch", [[5.1, 3.5, 1.4, 0.2]]).tolist() == [0]
    with client.service() as typed:
        assert typed.predict({"features": [5.1, 3.5, 1.4, 0.2]}) == {"prediction": 0}


def test_async_client(served: Running) -> None:
    async def main() -> list:
        async with argento.AsyncHTTPClient(served.url) as client:
            return await asyncio.gather(*(client.predict_batch([[6.7, 3.0, 5.2, 2.3]]) for _ in range(20)))

    assert all(r.tolist() == [2] for r in asyncio.run(main()))


def test_concurrent_requests_are_batched(served: Running) -> None:
    rows = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]])
    expected = [0, 2, 1]

    # One asyncio client (threads would starve the in-process server of the GIL and blow its deadlines).
    async def main() -> tuple[list, object]:
        async with argento.AsyncHTTPClient(served.url) as client:
            gate = asyncio.Semaphore(16)

            async def one(i: int) -> object:
                async with gate:
                    return await client.predict_batch(rows[i % 3 : i % 3 + 1])

            results = await asyncio.gather(*(one(i) for i in range(300)))
            big = await client.predict_batch(np.tile(rows, (50, 1)))  # 150 rows > max_batch_size: split
            return results, big

    results, big = asyncio.run(main())
    assert [r.tolist() for r in results] == [[expected[i % 3]] for i in range(300)]
    assert big.tolist() == expected * 50
    metrics = served.app.metrics.render().decode()
    assert 'argento_service_adaptive_batch_size_count{endpoint="predict_batch"' in metrics
    assert "argento_service_batch_cost_per_row_seconds" in metrics
