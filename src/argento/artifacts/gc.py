"""Artifact garbage collection (Argo's ``artifactGC``): ``OnWorkflowCompletion``, ``OnWorkflowDeletion``, ``Never``.

An output artifact's strategy is its own ``artifactGC.strategy``, else the workflow's
``spec.artifactGC.strategy``, else none (kept). Only declared outputs (artifacts with a ``path``) are
collected — archived logs are kept, as in Argo. A collected artifact stays in status with ``deleted: true``
(Argo's field), so a later GC pass or ``argento artifacts ls`` knows it is gone. Deleting is best effort: a
failure is reported on the workflow's conditions (``ArtifactGCError``) and the rest still goes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from argento.artifacts.base import delete_tree
from argento.artifacts.threads import POOL
from argento.errors import ArgentoError

if TYPE_CHECKING:
    from argento.artifacts.locate import Location, Locator
    from argento.artifacts.run import WorkflowRun


class ArtifactDriver(Protocol):
    """What GC needs of :class:`argento.artifacts.driver.ArtifactDriver` (which calls GC: no import back)."""

    def context(self, run: Any) -> Any:
        """The run's context: ``.repo`` (``None``: no repository)."""
        ...

    def locator(self, ctx: Any) -> Locator: ...

    def recorded_location(self, art: Mapping[str, Any], workflow: Mapping[str, Any]) -> Location: ...

    def _redact(self, text: str) -> str: ...


def strategy_of(art: Mapping[str, Any], default: str) -> str:
    """The GC strategy of one recorded artifact."""
    own = str((art.get("artifactGC") or {}).get("strategy") or "")
    return own or default


def recorded_artifacts(
    nodes: Iterable[Mapping[str, Any]],
) -> Iterator[tuple[Mapping[str, Any], dict[str, Any]]]:
    """(node, artifact) for every declared output artifact of every node (each dict once)."""
    seen: set[int] = set()
    for node in nodes:
        for art in (node.get("outputs") or {}).get("artifacts") or []:
            if id(art) in seen or not art.get("path"):
                continue
            seen.add(id(art))
            yield node, art


async def collect_run(driver: ArtifactDriver, run: WorkflowRun, strategy: str) -> int:
    """Delete the artifacts of a finished run whose strategy is ``strategy``; returns how many."""
    default = str((run.spec.get("artifactGC") or {}).get("strategy") or "")
    # The strategy is the recorded artifact's own, else the workflow's (Workflow.GetArtifactGCStrategy): an
    # artifact of a template reached through templateRef carries its own, so the nodes decide, not the spec.
    todo = []
    for node in run.state.nodes.values():
        for art in (node.outputs or {}).get("artifacts") or []:
            if art.get("path") and not art.get("deleted") and strategy_of(art, default) == strategy:
                todo.append((node, art))
    if not todo:
        return 0
    ctx = driver.context(run)
    if ctx.repo is None:
        return 0
    locator = driver.locator(ctx)
    done: set[tuple[str, str]] = set()
    errors: list[str] = []
    for node, art in todo:
        try:
            loc = locator.locate(art)
            ident = (loc.repo.url, loc.key)
            if ident not in done:
                await POOL.run(delete_tree, loc.repo, loc.key)
                done.add(ident)
            art["deleted"] = True
            run.state.changed(node)
        except ArgentoError as exc:
            errors.append(f"{art.get('name')}: {exc}")
    _mark_outputs(run.state.outputs, done, locator)
    if errors:
        run.state.conditions.append(
            {"type": "ArtifactGCError", "status": "True", "message": driver._redact("; ".join(errors))}
        )
    return len(done)


async def collect_workflow(
    driver: ArtifactDriver, workflow: dict[str, Any], strategies: tuple[str, ...]
) -> int:
    """Delete the artifacts of a stored workflow (its ``status``) whose strategy is one of ``strategies``."""
    status = workflow.get("status") or {}
    # execWf: a workflowTemplateRef workflow runs with the merged spec it stored (operator.go setStoredWfSpec)
    spec = status.get("storedWorkflowTemplateSpec") or workflow.get("spec") or {}
    default = str((spec.get("artifactGC") or {}).get("strategy") or "")
    nodes = (status.get("nodes") or {}).values()
    count = 0
    done: set[tuple[str, str]] = set()
    for _node, art in recorded_artifacts(nodes):
        if art.get("deleted") or strategy_of(art, default) not in strategies:
            continue
        loc = driver.recorded_location(art, workflow)
        ident = (loc.repo.url, loc.key)
        if ident not in done:
            await POOL.run(delete_tree, loc.repo, loc.key)
            done.add(ident)
            count += 1
        art["deleted"] = True
    return count


def _mark_outputs(outputs: Mapping[str, Any], done: set[tuple[str, str]], locator: Any) -> None:
    """Global outputs (``workflow.outputs.artifacts``) pointing at a deleted key are deleted too."""
    for art in outputs.get("artifacts") or []:
        try:
            loc = locator.locate(art)
        except ArgentoError:
            continue
        if (loc.repo.url, loc.key) in done:
            art["deleted"] = True
