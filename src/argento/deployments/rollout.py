"""Rollouts: how desired state changes (revisions) and how one variant's replicas move toward it.

Two halves, both pure so that they are tested without processes:

* **spec transitions** — :func:`scaled`, :func:`reweighted`, :func:`promoted` and :func:`rollback_target`
  turn the current spec (and revision history) into the next one; the plane records each result as a new
  revision before the controller acts on it (Kubernetes' ``rollout undo`` model: a rollback is a new
  revision whose spec is an old one's).
* **the rolling step** — :func:`plan_variant` decides, for one variant on one reconcile pass, how many
  replicas of the current template to start and which replicas to drain. Surge first: every missing
  replica of the new template starts at once (``maxSurge`` = 100 %), and replicas of older templates are
  drained only when the new template has as many *ready* replicas as the variant wants
  (``maxUnavailable`` = 0). Traffic therefore only ever moves from ready replicas to ready replicas —
  the property behind zero failed requests in a rolling update (SPEC §6 R6). Scaling down drains the least
  useful first: starting, then unready, then the newest ready.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from argento.deployments.spec import DeploymentSpec
from argento.deployments.state import Record, revision_spec
from argento.errors import SpecError

STARTING, READY, UNREADY, DRAINING, STOPPING = "starting", "ready", "unready", "draining", "stopping"
LIVE = (STARTING, READY, UNREADY)
_DRAIN_ORDER = {STARTING: 0, UNREADY: 1, READY: 2}


class ReplicaView(Protocol):
    """What the rolling step needs to know of a replica."""

    id: str
    state: str
    template_hash: str
    started_at: float


@dataclass(frozen=True)
class Step:
    """One reconcile pass for one variant: start ``start`` replicas, drain the replicas in ``drain``."""

    start: int = 0
    drain: tuple[str, ...] = ()


def plan_variant(replicas: Sequence[ReplicaView], desired: int, template: str, *, held: int = 0) -> Step:
    """The next step of one variant whose live replicas are ``replicas``; ``held`` replicas that crashed
    wait out their crash-loop back-off (:mod:`argento.backoff`) and are not started yet."""
    live = [r for r in replicas if r.state in LIVE]
    current = [r for r in live if r.template_hash == template]
    old = [r for r in live if r.template_hash != template]
    drain: list[str] = []
    missing = desired - len(current)
    start = max(0, missing - held)
    if missing < 0:
        surplus = sorted(current, key=lambda r: (_DRAIN_ORDER[r.state], -r.started_at))[:-missing]
        drain += [r.id for r in surplus]
        current = [r for r in current if r.id not in drain]
    ready_current = sum(1 for r in current if r.state == READY)
    if old and (ready_current >= desired or desired == 0):
        drain += [r.id for r in old]
    return Step(start, tuple(drain))


# ---- spec transitions -----------------------------------------------------------------------------------------


def scaled(spec: DeploymentSpec, replicas: int, variant: str | None = None) -> DeploymentSpec:
    """``spec`` with a fixed replica count (of one variant, or of the deployment; autoscaling off)."""
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
        raise SpecError("replicas must be a non-negative integer", path="replicas")
    if variant is None:
        single = len(spec.variants) == 1
        variants = tuple(
            dataclasses.replace(v, replicas=None, autoscaling=None) if single else v for v in spec.variants
        )
        return dataclasses.replace(spec, replicas=replicas, autoscaling=None, variants=variants)
    target = spec.variant(variant)
    return spec.with_variants(
        [
            dataclasses.replace(v, replicas=replicas, autoscaling=None) if v is target else v
            for v in spec.variants
        ]
    )


def reweighted(spec: DeploymentSpec, weights: dict[str, Any]) -> DeploymentSpec:
    """``spec`` with new variant weights (unnamed variants keep theirs); validated as a whole."""
    if not isinstance(weights, dict) or not weights:
        raise SpecError("weights must be a mapping {variant: weight}", path="weights")
    for name in weights:
        spec.variant(name)
    body = spec.to_dict()
    for v in body["variants"]:
        if v["name"] in weights:
            v["weight"] = weights[v["name"]]
    return DeploymentSpec.from_dict(body)


#: The name of a deployment's primary variant (the one-target shorthand's, and a promoted variant's).
MAIN = "main"


def promoted(spec: DeploymentSpec, variant: str) -> DeploymentSpec:
    """``spec`` serving only ``variant`` at 100 % with the deployment's replica count (others retire).

    The survivor becomes the primary variant and is named :data:`MAIN`, as the single variant of any
    deployment is: after ``promote iris canary`` there is no ``canary`` left. Its replicas keep running
    (the controller relabels them, see :meth:`Controller.apply`).
    """
    chosen = spec.variant(variant)
    survivor = dataclasses.replace(chosen, name=MAIN, weight=100.0, replicas=None)
    return dataclasses.replace(spec, variants=(survivor,), shadow=None)


def rollback_target(record: Record, revision: int | None = None) -> tuple[int, DeploymentSpec]:
    """The revision to go back to (default: the newest before the current) and its spec."""
    if revision is None:
        earlier = [r["revision"] for r in record["revisions"] if r["revision"] < record["revision"]]
        if not earlier:
            raise SpecError(
                f"deployment {record['name']} has no earlier revision to roll back to", path="revision"
            )
        revision = max(earlier)
    return revision, DeploymentSpec.from_dict(revision_spec(record, revision))
