"""The service API (SPEC §3.2): ``@service``, ``@api``, ``on_startup``/``on_shutdown`` and ``depends``.

Decorators only record what the user declared — an :class:`APISpec` on each API function, a
:class:`ServiceSpec` on the class — and return the user's objects unchanged, so a service class stays a plain
class that tests can instantiate and call in-process. The runtime compiles the specs into routes once.

>>> @service(traffic={"timeout": 10})
... class Echo:
...     @api
...     def echo(self, text: str) -> str:
...         return text
>>> Echo().echo("hi")
'hi'
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from argento.serving.io.base import IODescriptor

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

API_ATTR = "__argento_api__"
SERVICE_ATTR = "__argento_service__"
HOOK_ATTR = "__argento_hook__"
#: Instance attribute holding the resolved dependencies (``{attribute: object}``).
DEPS_ATTR = "__argento_deps__"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Traffic:
    """Per-service traffic limits (the ``traffic={…}`` argument of :func:`service`).

    ``timeout`` seconds per request (504 after it; the concurrency slot is held until the work ends);
    ``max_concurrency`` requests running at once per worker (429 beyond it, after ``max_queue`` waiting ones);
    ``max_body_size`` bytes per request body (413 beyond it).
    """

    timeout: float = 60.0
    max_concurrency: int | None = None
    max_queue: int = 0
    max_body_size: int = 32 * 1024 * 1024

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> Traffic:
        data = dict(data or {})
        unknown = set(data) - {"timeout", "max_concurrency", "max_queue", "max_body_size", "concurrency"}
        if unknown:
            raise ValueError(f"unknown traffic setting(s): {', '.join(sorted(unknown))}")
        data.pop("concurrency", None)  # BentoML's scaling hint; no meaning for one process
        traffic = cls(**data)
        if traffic.timeout <= 0:
            raise ValueError("traffic.timeout must be positive")
        if traffic.max_concurrency is not None and traffic.max_concurrency < 1:
            raise ValueError("traffic.max_concurrency must be at least 1")
        return traffic


@dataclass
class APISpec:
    """What ``@api`` recorded about one API function."""

    func: Callable[..., Any]
    name: str
    route: str
    input: IODescriptor | None = None
    output: IODescriptor | None = None
    batchable: bool = False
    max_batch_size: int = 100
    max_latency_ms: float = 60_000.0
    batch_dim: tuple[int, int] = (0, 0)
    doc: str = ""
    #: Sync APIs: ``None`` runs short calls inline on the event loop (measured), ``True`` always, ``False`` never.
    run_inline: bool | None = None

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.func) or inspect.isasyncgenfunction(self.func)

    @property
    def is_stream(self) -> bool:
        return inspect.isgeneratorfunction(self.func) or inspect.isasyncgenfunction(self.func)


def api(
    func: F | None = None,
    *,
    input: IODescriptor | None = None,
    output: IODescriptor | None = None,
    name: str | None = None,
    route: str | None = None,
    batchable: bool = False,
    max_batch_size: int = 100,
    max_latency_ms: float = 60_000,
    batch_dim: int | tuple[int, int] = 0,
    run_inline: bool | None = None,
) -> Any:
    """Mark a method of a service class as an HTTP API (``POST /<route>``).

    Use IO descriptors (``@api(input=JSON(), output=JSON())``, the BentoML 1.0 style) or type hints
    (``@api`` on ``def predict(self, x: np.ndarray) -> np.ndarray``, the 1.2 style: the body is a JSON object
    keyed by parameter name). ``batchable=True`` routes requests through the adaptive batcher: the function
    receives a batch (rows concatenated along ``batch_dim``) of at most ``max_batch_size`` rows, and requests
    predicted to miss ``max_latency_ms`` are shed with 503.

    A sync (``def``) API runs inline on the event loop while its measured calls are short (under a millisecond),
    in a worker thread otherwise (:mod:`argento.serving.inline`); ``run_inline=False`` keeps it in threads (code
    that may block on slow I/O), ``run_inline=True`` always runs it inline. ``async def`` APIs run on the loop.
    """

    def mark(fn: F) -> F:
        if not callable(fn):
            raise TypeError("@argento.api decorates a function")
        api_name = name or fn.__name__
        if not _NAME.match(api_name):
            raise ValueError(f"invalid API name {api_name!r}")
        path = route or f"/{api_name}"
        if not path.startswith("/"):
            path = "/" + path
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be at least 1")
        if max_latency_ms <= 0:
            raise ValueError("max_latency_ms must be positive")
        dims = batch_dim if isinstance(batch_dim, tuple) else (batch_dim, batch_dim)
        if run_inline is not None and not isinstance(run_inline, bool):
            raise TypeError(
                f"API {api_name!r}: run_inline is True, False or None (decided from measurements)"
            )
        spec = APISpec(
            func=fn,
            name=api_name,
            route=path,
            input=input,
            output=output,
            batchable=batchable,
            max_batch_size=max_batch_size,
            max_latency_ms=float(max_latency_ms),
            batch_dim=(int(dims[0]), int(dims[1])),
            doc=inspect.getdoc(fn) or "",
            run_inline=run_inline,
        )
        if batchable and spec.is_stream:
            raise ValueError(f"API {api_name!r}: a streaming (generator) API cannot be batchable")
        if run_inline is not None and (spec.is_async or spec.is_stream):
            raise ValueError(f"API {api_name!r}: run_inline applies to sync, non-streaming APIs")
        setattr(fn, API_ATTR, spec)
        return fn

    return mark(func) if func is not None else mark


def on_startup(func: F) -> F:
    """Run this method (sync or async) once the service instance exists, before the worker reports ready."""
    setattr(func, HOOK_ATTR, "startup")
    return func


def on_shutdown(func: F) -> F:
    """Run this method (sync or async) when the worker stops, after in-flight requests drained."""
    setattr(func, HOOK_ATTR, "shutdown")
    return func


class Dependency:
    """``other = argento.depends(OtherService)``: another service used from this one.

    Not served (plain Python) the attribute is one shared instance of the other service, created and started
    with this one. Served (``argento serve``), the runtime runs the other service as its own process on a Unix
    socket and the attribute is a :class:`~argento.serving.dependencies.RemoteService` with the same methods
    (see :mod:`argento.serving.dependencies`). With ``url=`` it is an HTTP client of the other service running
    elsewhere.
    """

    def __init__(self, target: type | None = None, *, url: str | None = None) -> None:
        if target is None and url is None:
            raise ValueError("depends() needs a service class or a url")
        if target is not None and get_service_spec(target) is None:
            raise TypeError(f"{getattr(target, '__name__', target)!r} is not an @argento.service class")
        self.target = target
        self.url = url
        self.attr = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.attr = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        cache = instance.__dict__.setdefault(DEPS_ATTR, {})
        if self.attr not in cache:
            cache[self.attr] = self.resolve()
        return cache[self.attr]

    def resolve(self) -> Any:
        """The object the attribute stands for: a shared in-process instance, or an HTTP client."""
        if self.url is not None:
            from argento.serving.client import SyncHTTPClient

            return SyncHTTPClient(self.url)
        assert self.target is not None
        return _shared_instance(self.target)


_INSTANCES: dict[type, Any] = {}


def _shared_instance(cls: type) -> Any:
    # One instance per dependency class per process, as a served dependency would be one service.
    if cls not in _INSTANCES:
        _INSTANCES[cls] = cls()
    return _INSTANCES[cls]


def depends(target: type | None = None, *, url: str | None = None) -> Any:
    """Declare a dependency on another service (see :class:`Dependency`)."""
    return Dependency(target, url=url)


def create_instance(cls: type[T], dependencies: Mapping[str, Any]) -> T:
    """Instantiate a service class whose dependency attributes in ``dependencies`` are already resolved.

    They are in place before ``__init__`` runs, so an ``__init__`` that uses a dependency gets the served one
    rather than creating an in-process instance.
    """
    instance = cls.__new__(cls)
    instance.__dict__[DEPS_ATTR] = dict(dependencies)
    instance.__init__()  # type: ignore[misc]
    return instance


@dataclass
class ServiceSpec:
    """What ``@service`` recorded about a service class."""

    cls: type
    name: str
    traffic: Traffic = field(default_factory=Traffic)
    resources: dict[str, Any] = field(default_factory=dict)
    workers: int = 1
    envs: list[dict[str, str]] = field(default_factory=list)
    apis: dict[str, APISpec] = field(default_factory=dict)
    startup: list[str] = field(default_factory=list)
    shutdown: list[str] = field(default_factory=list)
    models: list[Any] = field(default_factory=list)
    dependencies: dict[str, Dependency] = field(default_factory=dict)


def service(
    cls: type[T] | None = None,
    *,
    name: str | None = None,
    resources: Mapping[str, Any] | None = None,
    traffic: Mapping[str, Any] | None = None,
    workers: int = 1,
    envs: list[dict[str, str]] | None = None,
    **_ignored: Any,
) -> Any:
    """Declare a service class: its APIs, hooks, model references and dependencies are collected here.

    ``traffic`` takes ``timeout``, ``max_concurrency``, ``max_queue`` and ``max_body_size`` (see
    :class:`Traffic`); ``resources`` and ``envs`` are recorded for packaging and deployments.
    """

    def mark(klass: type[T]) -> type[T]:
        if not isinstance(klass, type):
            raise TypeError("@argento.service decorates a class")
        spec = ServiceSpec(
            cls=klass,
            name=name or klass.__name__,
            traffic=Traffic.from_mapping(traffic),
            resources=dict(resources or {}),
            workers=int(workers),
            envs=list(envs or []),
        )
        routes: dict[str, str] = {}
        for klass_in_mro in reversed(klass.__mro__):
            for attr, value in vars(klass_in_mro).items():
                fn = value.__func__ if isinstance(value, staticmethod | classmethod) else value
                api_spec = getattr(fn, API_ATTR, None)
                if isinstance(api_spec, APISpec):
                    spec.apis[api_spec.name] = api_spec
                hook = getattr(fn, HOOK_ATTR, None)
                if hook == "startup" and attr not in spec.startup:
                    spec.startup.append(attr)
                elif hook == "shutdown" and attr not in spec.shutdown:
                    spec.shutdown.append(attr)
                if isinstance(value, Dependency):
                    spec.dependencies[attr] = value
                elif _is_model_ref(value):
                    spec.models.append(value)
        for api_spec in spec.apis.values():
            other = routes.setdefault(api_spec.route, api_spec.name)
            if other != api_spec.name:
                raise ValueError(f"APIs {other!r} and {api_spec.name!r} share the route {api_spec.route}")
        setattr(klass, SERVICE_ATTR, spec)
        return klass

    return mark(cls) if cls is not None else mark


def _is_model_ref(value: Any) -> bool:
    # argento.models.ref(...) objects: lazily resolved model references recorded for packaging.
    return hasattr(value, "tag") and callable(getattr(value, "resolve", None)) and not isinstance(value, type)


def get_service_spec(obj: Any) -> ServiceSpec | None:
    """The :class:`ServiceSpec` of a service class (or instance), or ``None``."""
    spec = getattr(obj, SERVICE_ATTR, None)
    if isinstance(spec, ServiceSpec) and (spec.cls is obj or isinstance(obj, spec.cls)):
        return spec
    return None
