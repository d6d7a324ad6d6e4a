"""What a deployment is (SPEC §3.6): the desired state the controller converges to.

A :class:`DeploymentSpec` serves one or more **variants** (each a bento, or a ``module:Class`` service with
its working directory) under one name. The one-target shorthand (``bento=…``) is a single variant named
``main``. Traffic goes to variants by ``weight`` (percentages), by a header/query value naming a variant
(``routing: header``), or sticky by a hash of a header/query key (``routing: sticky``); a ``shadow``
variant (weight 0) receives a copy of every request and its answers are discarded.

Bodies are plain JSON (the REST API's and the store's shape, ``to_dict``/``from_dict``), validated with
errors that name the field (``spec.variants[1].weight``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from argento.config import DEFAULT_NAMESPACE
from argento.errors import SpecError
from argento.names import check_label

ROUTING_MODES = ("random", "header", "sticky")
_SPEC_KEYS = {
    "name",
    "namespace",
    "bento",
    "service",
    "working_dir",
    "replicas",
    "autoscaling",
    "resources",
    "env",
    "variants",
    "routing",
    "shadow",
    "shadow_percent",
    "gateway_port",
    "retry_post",
    "backend",
    "labels",
}
_VARIANT_KEYS = {"name", "bento", "service", "working_dir", "weight", "replicas", "autoscaling", "env"}


def validate_name(value: Any, path: str) -> str:
    """A DNS-1123 label (Kubernetes' rule for Service names, which a deployment becomes), with its message."""
    return check_label(value, path)


@dataclass(frozen=True)
class Autoscaling:
    """Replicas between ``min`` and ``max``, aiming at ``target_concurrency`` in-flight requests per replica."""

    min: int = 1
    max: int = 4
    target_concurrency: float = 8.0

    @classmethod
    def from_dict(cls, data: Any, path: str) -> Autoscaling | None:
        """Validate ``{min, max, target_concurrency}`` (``None`` stays ``None``)."""
        if data is None:
            return None
        if not isinstance(data, dict):
            raise SpecError("must be a mapping {min, max, target_concurrency}", path=path)
        unknown = set(data) - {"min", "max", "target_concurrency"}
        if unknown:
            raise SpecError(f"unknown key(s) {sorted(unknown)}", path=path)
        out = cls(
            min=_int(data.get("min", 1), f"{path}.min", minimum=0),
            max=_int(data.get("max", 4), f"{path}.max", minimum=1),
            target_concurrency=_number(data.get("target_concurrency", 8.0), f"{path}.target_concurrency"),
        )
        if out.min > out.max:
            raise SpecError(f"min ({out.min}) is greater than max ({out.max})", path=path)
        if out.target_concurrency <= 0:
            raise SpecError("must be positive", path=f"{path}.target_concurrency")
        return out


@dataclass(frozen=True)
class Variant:
    """One version of the service under the deployment, with its share of the traffic."""

    name: str
    bento: str | None = None
    service: str | None = None
    working_dir: str | None = None
    weight: float = 100.0
    replicas: int | None = None  # None: the deployment's
    autoscaling: Autoscaling | None = None  # None: the deployment's
    env: dict[str, str] = field(default_factory=dict)

    @property
    def target(self) -> str:
        """The bento tag or ``module:Class`` this variant serves."""
        return self.bento or self.service or ""

    def template_hash(self, spec: DeploymentSpec) -> str:
        """Identity of this variant's replicas: what they run (a change means a rolling update)."""
        what = {
            "bento": self.bento,
            "service": self.service,
            "working_dir": self.working_dir,
            "env": {**spec.env, **self.env},
            "resources": spec.resources,
        }
        return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:10]

    @classmethod
    def from_dict(cls, data: Any, path: str) -> Variant:
        """Validate one variant ``{name, bento|service, weight, …}``."""
        if not isinstance(data, dict):
            raise SpecError("a variant must be a mapping {name, bento|service, weight}", path=path)
        unknown = set(data) - _VARIANT_KEYS
        if unknown:
            raise SpecError(f"unknown key(s) {sorted(unknown)}; known: {sorted(_VARIANT_KEYS)}", path=path)
        bento, service = data.get("bento"), data.get("service")
        if bool(bento) == bool(service):
            raise SpecError("a variant needs exactly one of `bento` or `service`", path=path)
        if service and (not isinstance(service, str) or ":" not in service):
            raise SpecError("`service` is module:Class", path=f"{path}.service")
        if bento:
            from argento.deployments.bentos.store import BentoTag

            try:
                BentoTag.parse(bento)
            except SpecError as exc:
                raise SpecError(exc.message, path=f"{path}.bento") from None
        replicas = data.get("replicas")
        return cls(
            name=validate_name(data.get("name"), f"{path}.name"),
            bento=bento or None,
            service=service or None,
            working_dir=str(data["working_dir"]) if data.get("working_dir") else None,
            weight=_number(data.get("weight", 100.0), f"{path}.weight"),
            replicas=None if replicas is None else _int(replicas, f"{path}.replicas", minimum=0),
            autoscaling=Autoscaling.from_dict(data.get("autoscaling"), f"{path}.autoscaling"),
            env=_env(data.get("env"), f"{path}.env"),
        )


@dataclass(frozen=True)
class DeploymentSpec:
    """The desired state of one deployment."""

    name: str
    variants: tuple[Variant, ...]
    namespace: str = DEFAULT_NAMESPACE
    replicas: int = 1
    autoscaling: Autoscaling | None = None
    resources: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    routing: str = "random"
    routing_key: str = ""
    shadow: str | None = None
    shadow_percent: float = 100.0
    gateway_port: int | None = None
    retry_post: bool = True
    backend: str = "local"
    labels: dict[str, str] = field(default_factory=dict)

    def variant(self, name: str) -> Variant:
        """The variant called ``name``."""
        for v in self.variants:
            if v.name == name:
                return v
        raise SpecError(
            f"deployment {self.name} has no variant {name!r} "
            f"(variants: {', '.join(v.name for v in self.variants)})",
            path="variants",
        )

    def replicas_of(self, variant: Variant) -> int:
        """Static replica count of a variant (autoscaled variants start at their ``min``)."""
        scaling = variant.autoscaling or self.autoscaling
        if variant.replicas is not None:
            return variant.replicas
        if scaling is not None:
            return max(scaling.min, 1 if variant.weight > 0 or variant.name == self.shadow else 0)
        return self.replicas

    def scaling_of(self, variant: Variant) -> Autoscaling | None:
        """Autoscaling bounds of a variant, if it autoscales."""
        if variant.replicas is not None:
            return None
        return variant.autoscaling or self.autoscaling

    def with_variants(self, variants: list[Variant]) -> DeploymentSpec:
        """A copy with other variants."""
        return replace(self, variants=tuple(variants))

    def to_dict(self) -> dict[str, Any]:
        """The JSON body (what the REST API and the state store hold)."""
        out: dict[str, Any] = {
            "name": self.name,
            "namespace": self.namespace,
            "replicas": self.replicas,
            "autoscaling": asdict(self.autoscaling) if self.autoscaling else None,
            "resources": dict(self.resources),
            "env": dict(self.env),
            "variants": [
                {
                    k: v
                    for k, v in {
                        "name": var.name,
                        "bento": var.bento,
                        "service": var.service,
                        "working_dir": var.working_dir,
                        "weight": var.weight,
                        "replicas": var.replicas,
                        "autoscaling": asdict(var.autoscaling) if var.autoscaling else None,
                        "env": dict(var.env),
                    }.items()
                    if v is not None
                }
                for var in self.variants
            ],
            "routing": {"mode": self.routing, "key": self.routing_key},
            "shadow": self.shadow,
            "shadow_percent": self.shadow_percent,
            "gateway_port": self.gateway_port,
            "retry_post": self.retry_post,
            "backend": self.backend,
            "labels": dict(self.labels),
        }
        return out

    @classmethod
    def from_dict(cls, data: Any, path: str = "spec") -> DeploymentSpec:
        """Validate a request body / stored spec."""
        if not isinstance(data, dict):
            raise SpecError("a deployment must be a JSON object", path=path)
        unknown = set(data) - _SPEC_KEYS
        if unknown:
            raise SpecError(f"unknown key(s) {sorted(unknown)}; known: {sorted(_SPEC_KEYS)}", path=path)
        name = validate_name(data.get("name"), f"{path}.name")
        raw_variants = data.get("variants")
        if raw_variants:
            if data.get("bento") or data.get("service"):
                raise SpecError("give either `bento`/`service` or `variants`, not both", path=path)
            if not isinstance(raw_variants, list):
                raise SpecError("must be a list", path=f"{path}.variants")
            variants = [Variant.from_dict(v, f"{path}.variants[{i}]") for i, v in enumerate(raw_variants)]
        else:
            main = {k: data[k] for k in ("bento", "service", "working_dir") if data.get(k)}
            if not main:
                raise SpecError("a deployment needs `bento`, `service` or `variants`", path=path)
            variants = [Variant.from_dict({"name": "main", **main}, f"{path}")]
        names = [v.name for v in variants]
        if len(set(names)) != len(names):
            raise SpecError("variant names must be unique", path=f"{path}.variants")
        routing = data.get("routing") or {}
        if isinstance(routing, str):
            routing = {"mode": routing}
        mode = routing.get("mode", "random")
        if mode not in ROUTING_MODES:
            raise SpecError(
                f"unknown routing mode {mode!r}; one of {', '.join(ROUTING_MODES)}",
                path=f"{path}.routing.mode",
            )
        key = str(routing.get("key") or "")
        if mode != "random" and not key:
            raise SpecError(
                f"routing {mode} needs a `key` (a header or query parameter name)", path=f"{path}.routing.key"
            )
        shadow = data.get("shadow") or None
        spec = cls(
            name=name,
            variants=tuple(variants),
            namespace=check_label(str(data.get("namespace") or DEFAULT_NAMESPACE), f"{path}.namespace"),
            replicas=_int(data.get("replicas", 1), f"{path}.replicas", minimum=0),
            autoscaling=Autoscaling.from_dict(data.get("autoscaling"), f"{path}.autoscaling"),
            resources=_resources(data.get("resources"), f"{path}.resources"),
            env=_env(data.get("env"), f"{path}.env"),
            routing=mode,
            routing_key=key,
            shadow=shadow,
            shadow_percent=_number(data.get("shadow_percent", 100.0), f"{path}.shadow_percent"),
            gateway_port=None
            if data.get("gateway_port") in (None, 0)
            else _int(data["gateway_port"], f"{path}.gateway_port", minimum=1),
            retry_post=bool(data.get("retry_post", True)),
            backend=str(data.get("backend") or "local"),
            labels={str(k): str(v) for k, v in (data.get("labels") or {}).items()},
        )
        if shadow is not None:
            spec.variant(shadow)
            if spec.variant(shadow).weight:
                raise SpecError("the shadow variant must have weight 0", path=f"{path}.shadow")
        if not any(v.weight > 0 for v in variants):
            raise SpecError("at least one variant needs a positive weight", path=f"{path}.variants")
        return spec


def normalised_weights(spec: DeploymentSpec) -> dict[str, float]:
    """Each variant's share of the traffic in percent (weights are relative; they need not add up to 100)."""
    total = sum(v.weight for v in spec.variants if v.name != spec.shadow)
    return {
        v.name: (100.0 * v.weight / total if total and v.name != spec.shadow else 0.0) for v in spec.variants
    }


def _int(value: Any, path: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise SpecError(f"must be an integer, not {value!r}", path=path)
    try:
        out = int(value)
    except ValueError:
        raise SpecError(f"must be an integer, not {value!r}", path=path) from None
    if out < minimum:
        raise SpecError(f"must be at least {minimum}", path=path)
    return out


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool):
        raise SpecError(f"must be a number, not {value!r}", path=path)
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise SpecError(f"must be a number, not {value!r}", path=path) from None
    if out < 0 or out != out:
        raise SpecError("must be a non-negative number", path=path)
    return out


def _resources(value: Any, path: str) -> dict[str, Any]:
    """``{cpu, memory, nvidia.com/gpu}`` as Kubernetes quantities (``"500m"``, ``"2Gi"``)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SpecError("must be a mapping like {cpu: '1', memory: '2Gi'}", path=path)
    from argento.resources import parse_quantity

    for key, quantity in value.items():
        try:
            parse_quantity(quantity)
        except (ValueError, TypeError):
            raise SpecError(f"invalid quantity {quantity!r}", path=f"{path}.{key}") from None
    return dict(value)


def _env(value: Any, path: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, list):  # Kubernetes style [{name, value}]
        try:
            return {str(e["name"]): str(e.get("value", "")) for e in value}
        except (TypeError, KeyError):
            raise SpecError("must be a mapping or a list of {name, value}", path=path) from None
    if not isinstance(value, dict):
        raise SpecError("must be a mapping of strings", path=path)
    return {str(k): str(v) for k, v in value.items()}
