"""Render a deployment as Kubernetes manifests (``argento deployments render NAME --target kubernetes``).

Per variant: a ``Deployment`` (image = the bento's ``argento containerize`` image, probes on ``/readyz`` and
``/livez``, resources and env), a ``Service``, and — for autoscaled variants — an ``autoscaling/v2``
``HorizontalPodAutoscaler`` on the pods' ``argento_service_request_in_progress`` (served to the HPA by a
Prometheus adapter), aiming at ``target_concurrency``. With several variants (or a shadow, or header
routing) a Gateway API ``HTTPRoute`` splits traffic with ``backendRefs[].weight``, matches header routing
with ``matches[].headers``, and mirrors with a ``RequestMirror`` filter. (Sticky routing by hash has no
Gateway API equivalent; it renders as the weighted split.)

Every core manifest is validated against the Kubernetes OpenAPI models of the ``kubernetes`` package
(extra ``argento[k8s]``): it must deserialize into ``V1Deployment``/``V1Service``/
``V2HorizontalPodAutoscaler`` and serialize back unchanged, so a misspelt or misplaced field fails here,
naming it, not at ``kubectl apply``. The HTTPRoute (a CRD) is checked against its required fields.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from argento.config import Settings
from argento.deployments.spec import DeploymentSpec, normalised_weights
from argento.errors import ArgentoError, SpecError

PORT = 3000
_MODELS = {
    ("apps/v1", "Deployment"): "V1Deployment",
    ("v1", "Service"): "V1Service",
    ("autoscaling/v2", "HorizontalPodAutoscaler"): "V2HorizontalPodAutoscaler",
}


def _image(variant: Any, settings: Settings | None) -> str:
    if variant.bento:
        from argento.deployments.bentos.store import BentoStore

        store = BentoStore.from_settings(settings)
        tag = store.get(variant.bento).tag if store.exists(variant.bento) else variant.bento
        return tag if ":" in tag else f"{tag}:latest"
    return f"argento-{variant.name}:latest"


def _resources(resources: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, str] = {}
    for key in ("cpu", "memory", "nvidia.com/gpu", "gpu"):
        if key in resources:
            out["nvidia.com/gpu" if key == "gpu" else key] = str(resources[key])
    return {"requests": out, "limits": dict(out)} if out else {}


def render_manifests(spec_body: dict[str, Any], settings: Settings | None = None) -> list[dict[str, Any]]:
    """The manifests of a deployment spec (the REST body shape), validated."""
    spec = DeploymentSpec.from_dict(spec_body)
    weights = normalised_weights(spec)
    ns = spec.namespace
    out: list[dict[str, Any]] = []
    for v in spec.variants:
        name = f"{spec.name}-{v.name}"
        labels = {
            "app.kubernetes.io/name": spec.name,
            "app.kubernetes.io/managed-by": "argento",
            "argento.dev/variant": v.name,
        }
        container: dict[str, Any] = {
            "name": "service",
            "image": _image(v, settings),
            "ports": [{"name": "http", "containerPort": PORT}],
            "env": [{"name": k, "value": val} for k, val in sorted({**spec.env, **v.env}.items())],
            "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 2},
            "livenessProbe": {
                "httpGet": {"path": "/livez", "port": "http"},
                "initialDelaySeconds": 5,
                "periodSeconds": 10,
            },
        }
        resources = _resources(spec.resources)
        if resources:
            container["resources"] = resources
        scaling = spec.scaling_of(v)
        deployment = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {
                "replicas": spec.replicas_of(v),
                "selector": {"matchLabels": labels},
                "strategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxSurge": "100%", "maxUnavailable": 0},
                },
                "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
            },
        }
        service = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"selector": labels, "ports": [{"name": "http", "port": PORT, "targetPort": "http"}]},
        }
        out += [deployment, service]
        if scaling is not None:
            out.append(
                {
                    "apiVersion": "autoscaling/v2",
                    "kind": "HorizontalPodAutoscaler",
                    "metadata": {"name": name, "namespace": ns, "labels": labels},
                    "spec": {
                        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                        "minReplicas": max(1, scaling.min),
                        "maxReplicas": scaling.max,
                        "metrics": [
                            {
                                "type": "Pods",
                                "pods": {
                                    "metric": {"name": "argento_service_request_in_progress"},
                                    "target": {
                                        "type": "AverageValue",
                                        "averageValue": f"{scaling.target_concurrency:g}",
                                    },
                                },
                            }
                        ],
                    },
                }
            )
    if len(spec.variants) > 1 or spec.shadow:
        out.append(_http_route(spec, weights))
    for manifest in out:
        validate(manifest)
    return out


def _http_route(spec: DeploymentSpec, weights: dict[str, float]) -> dict[str, Any]:
    def ref(variant: str, weight: int | None = None) -> dict[str, Any]:
        r: dict[str, Any] = {"name": f"{spec.name}-{variant}", "port": PORT}
        if weight is not None:
            r["weight"] = weight
        return r

    served = [v for v in spec.variants if v.name != spec.shadow]
    default: dict[str, Any] = {
        "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
        "backendRefs": [ref(v.name, round(weights[v.name] * 10)) for v in served],
    }
    rules: list[dict[str, Any]] = []
    if spec.routing == "header":
        rules += [
            {
                "matches": [
                    {
                        "path": {"type": "PathPrefix", "value": "/"},
                        "headers": [{"type": "Exact", "name": spec.routing_key, "value": v.name}],
                    }
                ],
                "backendRefs": [ref(v.name)],
            }
            for v in served
        ]
    rules.append(default)
    if spec.shadow:
        for rule in rules:
            rule["filters"] = [{"type": "RequestMirror", "requestMirror": {"backendRef": ref(spec.shadow)}}]
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {
            "name": spec.name,
            "namespace": spec.namespace,
            "labels": {"app.kubernetes.io/name": spec.name, "app.kubernetes.io/managed-by": "argento"},
        },
        "spec": {"parentRefs": [{"name": "argento-gateway"}], "rules": rules},
    }


def validate(manifest: dict[str, Any]) -> None:
    """Check a manifest against the Kubernetes models (core kinds) or the HTTPRoute's required fields."""
    key = (manifest.get("apiVersion"), manifest.get("kind"))
    if key == ("gateway.networking.k8s.io/v1", "HTTPRoute"):
        for i, rule in enumerate(manifest["spec"]["rules"]):
            for j, backend in enumerate(rule.get("backendRefs", [])):
                if not backend.get("name") or not isinstance(backend.get("port"), int):
                    raise SpecError(
                        "backendRef needs name and port", path=f"spec.rules[{i}].backendRefs[{j}]"
                    )
                if not 0 <= backend.get("weight", 1) <= 1_000_000:
                    raise SpecError("weight out of range", path=f"spec.rules[{i}].backendRefs[{j}].weight")
        return
    model = _MODELS.get(key)  # type: ignore[arg-type]
    if model is None:
        raise SpecError(f"no model to validate {key}")
    try:
        from kubernetes.client import ApiClient
    except ImportError:
        raise ArgentoError(
            "validating Kubernetes manifests needs the kubernetes package: pip install 'argento[k8s]'"
        ) from None
    client = ApiClient()
    try:
        obj = client._ApiClient__deserialize(manifest, model)  # type: ignore[attr-defined]
    except (ValueError, TypeError) as exc:
        raise SpecError(f"{key[1]} {manifest['metadata']['name']}: {exc}", path=key[1]) from None
    back = client.sanitize_for_serialization(obj)
    missing = _dropped(manifest, back, "")
    if missing:
        raise SpecError(
            f"{key[1]} {manifest['metadata']['name']}: field(s) unknown to {model}: {', '.join(missing)}",
            path=missing[0],
        )


def _dropped(original: Any, round_trip: Any, path: str) -> list[str]:
    if isinstance(original, dict):
        if not isinstance(round_trip, dict):
            return [path or "."]
        out = []
        for k, v in original.items():
            sub = f"{path}.{k}" if path else k
            out += [sub] if k not in round_trip else _dropped(v, round_trip[k], sub)
        return out
    if isinstance(original, list) and isinstance(round_trip, list):
        return [
            p
            for i, (a, b) in enumerate(zip(original, round_trip, strict=False))
            for p in _dropped(a, b, f"{path}[{i}]")
        ]
    return []


class _Dumper(yaml.SafeDumper):
    """No ``&id001`` anchors: every manifest reads on its own."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def write_manifests(manifests: list[dict[str, Any]], output: str | Path | None) -> str:
    """Multi-document YAML; written to ``output`` (a file, or a folder: one file per manifest) if given."""
    text = yaml.dump_all(manifests, Dumper=_Dumper, sort_keys=False)
    if output is None:
        return text
    path = Path(output)
    if path.suffix in (".yaml", ".yml"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    else:
        path.mkdir(parents=True, exist_ok=True)
        for m in manifests:
            file = path / f"{m['kind'].lower()}-{m['metadata']['name']}.yaml"
            file.write_text(yaml.dump(m, Dumper=_Dumper, sort_keys=False))
    return text
