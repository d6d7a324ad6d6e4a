"""A small in-process runner over a loaded model, in the shape BentoML 1.x runners had.

``runner = argento.models.get("iris:production").load_runner()`` loads the object once and exposes one
method per signature: ``runner.predict.run(X)`` calls it in the caller's thread, ``await
runner.predict.async_run(X)`` in a worker thread so an event loop is not blocked. Batching across requests
is the serving runtime's job (``@argento.api(batchable=True)``), not the runner's.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol


class RunnableModel(Protocol):
    """What a runner needs of a :class:`~argento.registry.model.Model` (which makes runners)."""

    name: str
    signatures: dict[str, dict[str, Any]]

    @property
    def tag(self) -> str: ...

    def load(self, **kwargs: Any) -> Any: ...


class RunnerMethod:
    """One signature of a runner: ``run`` and ``async_run``."""

    def __init__(self, name: str, fn: Any, options: dict[str, Any]) -> None:
        self.name = name
        self.fn = fn
        self.batchable: bool = bool(options.get("batchable", False))
        self.batch_dim: Any = options.get("batch_dim", 0)

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Call the model method now."""
        return self.fn(*args, **kwargs)

    async def async_run(self, *args: Any, **kwargs: Any) -> Any:
        """Call the model method in a worker thread."""
        return await asyncio.to_thread(self.fn, *args, **kwargs)

    def __repr__(self) -> str:
        return f"RunnerMethod({self.name!r}, batchable={self.batchable})"


class ModelRunner:
    """The loaded object of one model version plus a :class:`RunnerMethod` per signature."""

    def __init__(self, model: RunnableModel, **load_kwargs: Any) -> None:
        self.model = model
        self.name = model.name
        self.obj = model.load(**load_kwargs)
        self.methods: dict[str, RunnerMethod] = {}
        signatures = model.signatures or {"__call__": {}}
        for method, options in signatures.items():
            fn = self.obj if method == "__call__" else getattr(self.obj, method, None)
            if callable(fn):
                self.methods[method] = RunnerMethod(method, fn, options)

    def init_local(self) -> None:
        """Nothing to do: the model is loaded in-process already (kept for BentoML-style code)."""

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Call the only method (or ``__call__``) of the model."""
        return self._default().run(*args, **kwargs)

    async def async_run(self, *args: Any, **kwargs: Any) -> Any:
        """``run`` in a worker thread."""
        return await self._default().async_run(*args, **kwargs)

    def _default(self) -> RunnerMethod:
        if "__call__" in self.methods:
            return self.methods["__call__"]
        if len(self.methods) == 1:
            return next(iter(self.methods.values()))
        raise AttributeError(f"runner of {self.model.tag} has several methods; call runner.<method>.run(...)")

    def __getattr__(self, name: str) -> RunnerMethod:
        methods = self.__dict__.get("methods", {})
        if name in methods:
            return methods[name]
        raise AttributeError(f"runner of model {self.__dict__.get('name')!r} has no method {name!r}")

    def __repr__(self) -> str:
        return f"ModelRunner({self.model.tag!r}, methods={sorted(self.methods)})"
