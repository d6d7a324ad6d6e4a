"""``argento.ray``: distributed batch inference on Ray with a model from the model store (SPEC §4).

.. code-block:: python

    import numpy as np
    from argento.ray import batch_predict

    X = np.random.rand(100_000, 4)
    y = batch_predict("iris:production", X, batch_size=5_000)      # one Ray task per chunk, in order

The seed guide's "distributed processing" pattern (``process_batch.remote(batch)`` over chunks, each loading
the model) as one call. The tag is resolved once, on the caller's side, to ``name:version``: every chunk uses
the same version even if the alias moves meanwhile. Each Ray worker process loads that version once
(``argento.models.get(tag).load()``) and keeps it for the chunks it gets next. A worker that cannot see the
caller's model store (another machine, no shared filesystem, no S3 store) gets the model's files through
Ray's object store, shipped once.

Cluster: ``address`` (else ``ARGENTO_RAY_ADDRESS``, else Ray's ``RAY_ADDRESS`` — set for the steps of a
workflow run on the ``ray`` executor), or a local Ray started on demand. ``ray_options`` go to each task
(``num_cpus=2``, ``num_gpus=1``, ``resources={"big": 1}``, ``label_selector={"pool": "gpu"}``, …).
"""

from __future__ import annotations

import functools
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from argento.config import Settings
from argento.errors import SpecError

__all__ = ["batch_predict"]

#: Chunks in flight per CPU of the cluster: enough to keep workers busy, bounded for very large inputs.
IN_FLIGHT_PER_CPU = 2

_MODELS: dict[str, Any] = {}
_MODELS_LOCK = threading.Lock()


def batch_predict(
    model_tag: str,
    data: Any,
    *,
    batch_size: int = 1024,
    method: str = "predict",
    address: str | None = None,
    settings: Settings | None = None,
    **ray_options: Any,
) -> Any:
    """Run ``model.<method>(chunk)`` over ``data`` in chunks of ``batch_size`` rows on Ray; returns the
    predictions in input order, concatenated like the model's own output (a NumPy array for an ndarray or a
    DataFrame, a list for a list).

    ``data``: a NumPy array, a pandas DataFrame/Series, or any sequence of rows. Raises `SpecError` for a bad
    ``batch_size`` or ``method``, `argento.errors.NotFound` for an unknown tag.
    """
    from argento.executors.ray_cluster import CLUSTER
    from argento.executors.ray_worker import pack
    from argento.registry.store import default_store

    if batch_size < 1:
        raise SpecError("batch_size must be a positive number of rows", path="batch_size")
    settings = settings or Settings.from_env()
    model = default_store(settings).get(model_tag)
    chunks = list(_chunks(data, batch_size))
    if not chunks:
        return _concat([], data)
    CLUSTER.connect(settings.ray_address if address is None else address)
    ray = CLUSTER.ray
    shipped = ray.put(pack({"model": model.path}))
    portable = replace(model, store=None)
    task = _remote_chunk().options(**ray_options) if ray_options else _remote_chunk()
    limit = max(1, int(ray.cluster_resources().get("CPU", 1)) * IN_FLIGHT_PER_CPU)
    results: list[Any] = [None] * len(chunks)
    pending: dict[Any, int] = {}
    for i, chunk in enumerate(chunks):
        if len(pending) >= limit:
            _collect(ray, pending, results, wait_for=1)
        ref = task.remote(portable, [shipped], method, chunk)
        pending[ref] = i
    _collect(ray, pending, results, wait_for=len(pending))
    return _concat(results, data)


def _collect(ray: Any, pending: dict[Any, int], results: list[Any], *, wait_for: int) -> None:
    """Take finished chunks out of ``pending`` (at least ``wait_for`` of them) into ``results``."""
    if not pending:
        return
    done, _ = ray.wait(list(pending), num_returns=min(wait_for, len(pending)))
    for ref, value in zip(done, ray.get(done), strict=True):
        results[pending.pop(ref)] = value


@functools.cache
def _remote_chunk() -> Any:
    """The Ray remote function, defined once per process (a lost worker's chunk is retried)."""
    import ray

    return ray.remote(max_retries=3)(predict_chunk)


def predict_chunk(model: Any, shipped: list[Any], method: str, chunk: Any) -> Any:
    """The Ray task: this worker's copy of ``model`` (loaded once per process) applied to ``chunk``."""
    loaded = _loaded(model, shipped)
    fn = getattr(loaded, method, None)
    if fn is None:
        raise SpecError(f"model {model.tag} ({type(loaded).__name__}) has no method {method!r}", path="method")
    return fn(chunk)


def _loaded(model: Any, shipped: list[Any]) -> Any:
    with _MODELS_LOCK:
        hit = _MODELS.get(model.tag)
        if hit is not None:
            return hit
        if not (model.path / "model.yaml").exists():  # not on this machine: use the shipped files
            import ray
            from argento.executors.ray_worker import unpack

            into = Path(tempfile.mkdtemp(prefix="argento-model-"))
            unpack(ray.get(shipped[0]), into)
            model = replace(model, path=into / "model")
        obj = _MODELS[model.tag] = model.load()
        return obj


def _chunks(data: Any, size: int) -> Iterator[Any]:
    if hasattr(data, "iloc"):  # pandas
        for start in range(0, len(data), size):
            yield data.iloc[start : start + size]
        return
    if not hasattr(data, "__len__") or not hasattr(data, "__getitem__"):
        data = list(data)
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _concat(parts: Sequence[Any], data: Any) -> Any:
    if not parts:
        return [] if not hasattr(data, "shape") else data[:0]
    first = parts[0]
    if hasattr(first, "iloc"):
        import pandas as pd

        return pd.concat(parts)
    if hasattr(first, "shape"):
        import numpy as np

        return np.concatenate(parts)
    out: list[Any] = []
    for part in parts:
        out.extend(part)
    return out
