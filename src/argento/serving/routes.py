"""Compile an :class:`~argento.serving.decorators.APISpec` into a route: everything per API decided once.

The input and output descriptors (from ``@api(input=…, output=…)`` or from type hints), the call style
(positional value, keyword arguments, ``ctx``), sync vs async vs streaming, the batch codec and the metric
children are fixed here at start-up; :mod:`argento.serving.app` only runs the closures this module builds.
"""

from __future__ import annotations

import asyncio
import typing
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from argento.serving.decorators import APISpec
from argento.serving.dispatcher import Dispatcher
from argento.serving.inline import InlineGate
from argento.serving.io.base import BatchCodec, IODescriptor, ItemCodec
from argento.serving.io.hints import TypeHintInput, api_parameters, output_for
from argento.serving.io.jsonlike import JSON
from argento.serving.io.multipart import Multipart
from argento.serving.metrics import BatchMetrics, EndpointMetrics

STREAM_JSON_CT = b"application/x-ndjson"
#: Sync batches predicted (by the fitted cost line) to finish faster than this run on the event loop.
INLINE_BATCH_BELOW = 0.002


class CompiledAPI:
    """One API ready to serve. ``call(value, ctx)`` runs the user function once the instance is bound."""

    def __init__(self, spec: APISpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.route = spec.route
        fn = spec.func
        params, ctx_name, hints = api_parameters(fn)
        self.ctx_name = ctx_name
        self.wants_ctx = ctx_name is not None
        self.is_async = spec.is_async
        self.is_stream = spec.is_stream
        #: Where a sync call runs (inline on the loop or in a thread); unused by async, streaming, batchable APIs.
        self.gate = InlineGate(spec.name, spec.run_inline)
        # Input: a descriptor, or the type-hint schema (a JSON object keyed by parameter name).
        if spec.input is not None:
            self.input: IODescriptor = spec.input
            self.kwargs = isinstance(spec.input, Multipart)
            self.hinted = False
        else:
            self.input = TypeHintInput(fn)
            self.kwargs = True
            self.hinted = True
        self.params = [p.name for p in params]
        #: A JSON object body reaches the API as a `blame.RequestObject` (to name the field a ValueError is about).
        self.tracks = (
            isinstance(self.input, JSON) and self.input.pydantic_model is None and not spec.batchable
        )
        self.output: IODescriptor = spec.output or output_for(hints.get("return", typing.Any))
        self.parse = self.input.parse
        self.render = self.output.render
        self.stream_ct = b"text/plain; charset=utf-8" if self.output.kind == "text" else STREAM_JSON_CT
        # Batching: the codec of the batched value; `batch_param` unwraps it from a type-hint body.
        self.batchable = spec.batchable
        self.batch_param: str | None = None
        self.codec: BatchCodec | None = None
        if spec.batchable:
            self._compile_batching(spec)
        self.metrics: EndpointMetrics | None = None
        self.batch_metrics: BatchMetrics | None = None
        self.dispatcher: Dispatcher | None = None
        self.call: Callable[[Any, Any], Any] = _unbound
        self.method: Callable[..., Any] = _unbound

    def _compile_batching(self, spec: APISpec) -> None:
        if self.wants_ctx:
            raise TypeError(f"API {spec.name!r}: a batchable API cannot take ctx (a batch spans requests)")
        if self.hinted:
            if len(self.params) != 1:
                raise TypeError(f"batchable API {spec.name!r} must take exactly one parameter (the batch)")
            self.batch_param = self.params[0]
            self.codec = self.input.batch_codec(spec.batch_dim[0])
            if self.codec is None:
                raise TypeError(
                    f"batchable API {spec.name!r}: annotate the batch parameter as list, np.ndarray or pd.DataFrame"
                )
        else:
            if self.kwargs:
                raise TypeError(f"batchable API {spec.name!r}: Multipart inputs cannot be batched")
            self.codec = self.input.batch_codec(spec.batch_dim[0])
            if self.codec is None:
                raise TypeError(f"batchable API {spec.name!r}: {self.input!r} cannot be batched")

    @property
    def item_mode(self) -> bool:
        """BentoML's JSON batching: one request is one item of the batch."""
        return isinstance(self.codec, ItemCodec)

    def bind(self, instance: Any, executor: Executor) -> None:
        """Bind to the service instance and build ``call``; batchable APIs get a dispatcher (started later)."""
        method = getattr(instance, self.spec.func.__name__)
        self.method = method
        ctx_name = self.ctx_name
        if self.batchable:
            self.call = _batch_call(method, self.is_async, executor)
            return
        if self.kwargs:
            if ctx_name is None:
                self.call = lambda value, ctx: method(**value)
            else:
                self.call = lambda value, ctx: method(**value, **{ctx_name: ctx})
        elif ctx_name is None:
            self.call = lambda value, ctx: method(value)
        else:
            self.call = lambda value, ctx: method(value, **{ctx_name: ctx})

    def start_batching(self, timeout: float | None = None) -> None:
        """Create and start the dispatcher on the running loop (after :meth:`bind`); ``timeout`` is
        ``traffic.timeout`` (the dispatcher fails requests not answered by then)."""
        if not self.batchable or self.codec is None:
            return
        spec = self.spec
        self.dispatcher = Dispatcher(
            self.call,
            self.codec,
            max_batch_size=spec.max_batch_size,
            max_latency_ms=spec.max_latency_ms,
            item_mode=self.item_mode,
            out_axis=spec.batch_dim[1],
            on_batch=self.batch_metrics,
            inline=None if self.is_async or spec.run_inline is False else self.method,
            inline_below=float("inf") if spec.run_inline else INLINE_BATCH_BELOW,
            timeout=timeout,
        )
        self.dispatcher.start()

    def batch_value(self, parsed: Any) -> Any:
        """The value that joins a batch: the parsed body, or its one parameter for type-hint APIs."""
        return parsed[self.batch_param] if self.batch_param is not None else parsed

    def describe(self) -> dict[str, Any]:
        """The ``x-argento-api`` extension of the OpenAPI operation (read by the client)."""
        return {
            "name": self.name,
            "input": self.input.describe(),
            "output": self.output.describe(),
            "params": self.params,
            "hinted": self.hinted,
            "batchable": self.batchable,
            "stream": self.is_stream,
        }


def _unbound(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("the API is not bound to a service instance yet")


def _batch_call(method: Callable[[Any], Any], is_async: bool, executor: Executor) -> Callable[[Any], Any]:
    if is_async:
        return method

    async def in_thread(batch: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(executor, method, batch)

    return in_thread
