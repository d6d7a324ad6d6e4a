"""What a deployment is (SPEC §3.6): the desired state the controller converges to.

A :class:`DeploymentSpec` serves one or more **variants** (each a bento, or a ``module:Class`` service with
its working directory) under one name. The one-target shorthand (``bento=…``) is a single variant named
``main``. Traffic goes to variants by ``weight`` (percentages), by a header/query value naming a variant
(``routing: header``), or sticky by a hash of a header/query key (``routing: sticky``); a ``shadow``
variant (weight 0) receives a copy of every request and its answers are discarded.

Bodies are plain JSON (the REST API's and the store's shape, ``to_dict``/``from_dict``). ``from_dict``
validates them with the pydantic models of :mod:`argento.deployments.body` (imported on first use, so this
module stays light), errors naming the field (``spec.variants[1].weight``); the classes here are the frozen
values the controller works with (``dataclasses.replace`` makes the variations of a rollout).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from argento.config import DEFAULT_NAMESPACE
from argento.errors import SpecError
from argento.names import check_label


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
        """Validate ``{min, max, target_concurrency}`` (``None`` stays ``None``); errors name fields under ``path``."""
        if data is None:
            return None
        from argento.deployments.body import AutoscalingBody, validated

        return cls._from_body(validated(AutoscalingBody, data, path))

    @classmethod
    def _from_body(cls, body: Any) -> Autoscaling | None:
        """The value of a validated ``AutoscalingBody`` (or ``None``)."""
        if body is None:
            return None
        return cls(min=body.min, max=body.max, target_concurrency=body.target_concurrency)


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
        """Validate one variant ``{name, bento|service, weight, …}``; errors name fields under ``path``."""
        from argento.deployments.body import VariantBody, validated

        return cls._from_body(validated(VariantBody, data, path))

    @classmethod
    def _from_body(cls, body: Any) -> Variant:
        """The value of a validated ``VariantBody``."""
        return cls(
            name=body.name,
            bento=body.bento,
            service=body.service,
            working_dir=body.working_dir,
            weight=body.weight,
            replicas=body.replicas,
            autoscaling=Autoscaling._from_body(body.autoscaling),
            env=dict(body.env),
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
        """Validate a request body / stored spec (:class:`argento.deployments.body.DeploymentBody`)."""
        from argento.deployments.body import DeploymentBody, validated

        body = validated(DeploymentBody, data, path)
        if body.variants:
            variants = tuple(Variant._from_body(v) for v in body.variants)
        else:  # the one-target shorthand
            variants = (Variant("main", body.bento, body.service, body.working_dir),)
        return cls(
            name=body.name,
            variants=variants,
            namespace=body.namespace,
            replicas=body.replicas,
            autoscaling=Autoscaling._from_body(body.autoscaling),
            resources=dict(body.resources),
            env=dict(body.env),
            routing=body.routing.mode,
            routing_key=body.routing.key,
            shadow=body.shadow,
            shadow_percent=body.shadow_percent,
            gateway_port=body.gateway_port,
            retry_post=body.retry_post,
            backend=body.backend,
            labels=dict(body.labels),
        )


def normalised_weights(spec: DeploymentSpec) -> dict[str, float]:
    """Each variant's share of the traffic in percent (weights are relative; they need not add up to 100)."""
    total = sum(v.weight for v in spec.variants if v.name != spec.shadow)
    return {
        v.name: (100.0 * v.weight / total if total and v.name != spec.shadow else 0.0) for v in spec.variants
    }
