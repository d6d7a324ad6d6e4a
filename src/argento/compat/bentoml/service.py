"""``@bentoml.service`` / ``@bentoml.api`` and the hooks, on Argento's service API (SPEC §3.2).

BentoML 1.2's keyword arguments map onto Argento's; those without a local meaning (``image``, ``labels``,
``logging``, the ``traffic`` keys of a cluster's queue) are accepted and ignored, as they only shape a cloud
deployment. Every class decorated here is remembered, so ``bentoml.build("name:version")`` can find the
service a script declared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from argento.compat.bentoml.unsupported import UnsupportedAPI
from argento.serving import decorators

T = TypeVar("T")

#: ``traffic`` keys Argento knows (BentoML's cluster-side ones, such as ``external_queue``, are dropped).
_TRAFFIC = {"timeout", "max_concurrency", "max_queue", "max_body_size", "concurrency"}
#: Service classes declared through this module, in declaration order.
DECLARED: list[type] = []

on_startup = decorators.on_startup
on_shutdown = decorators.on_shutdown
depends = decorators.depends


def service(
    inner: type[T] | None = None,
    *,
    name: str | None = None,
    resources: dict[str, Any] | None = None,
    traffic: dict[str, Any] | None = None,
    workers: int | str = 1,
    envs: list[dict[str, str]] | None = None,
    **_cloud_only: Any,
) -> Any:
    """``@bentoml.service(resources={…}, traffic={"timeout": 60})`` on a class: an Argento service class."""

    def mark(cls: type[T]) -> type[T]:
        kept = {k: v for k, v in (traffic or {}).items() if k in _TRAFFIC}
        count = int(workers) if str(workers).isdigit() else 1  # "cpu_count" means one per core: one here
        decorated = decorators.service(
            cls, name=name, resources=resources, traffic=kept, workers=count, envs=envs
        )
        DECLARED.append(decorated)
        return decorated

    return mark(inner) if inner is not None else mark


def api(func: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """``@bentoml.api`` with IO descriptors (``input=JSON()``) or type hints; ``batchable``, ``max_batch_size``,
    ``max_latency_ms``, ``batch_dim``, ``route``, ``name`` as in BentoML."""
    for key in ("input_spec", "output_spec"):
        if kwargs.get(key) is not None:
            raise UnsupportedAPI(
                f"bentoml.api({key}=…) is not provided by Argento's BentoML compatibility layer: annotate the "
                "API's parameters and return value with types (pydantic models work) instead"
            )
        kwargs.pop(key, None)
    return decorators.api(func, **kwargs) if func is not None else decorators.api(**kwargs)


def declared(name: str | None = None) -> list[type]:
    """Service classes declared in this process (all of them, or the ones whose service name is ``name``)."""
    found = []
    for cls in DECLARED:
        spec = decorators.get_service_spec(cls)
        if spec is not None and (name is None or _bento_name(spec.name) == name or spec.name == name):
            found.append(cls)
    return found


def _bento_name(service_name: str) -> str:
    return service_name.lower().replace("_", "-")


__all__ = ["DECLARED", "api", "declared", "depends", "on_shutdown", "on_startup", "service"]
