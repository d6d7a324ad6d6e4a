"""The engine's ports: what a template handler may read and do, and what the engine needs from outside.

``RunContext``
    The run as a template handler (``pod``, ``containerset``, ``steps``, ``dag``, ``suspend``, ``data``) and
    the engine's helpers (``hooks``, ``retry``, ``sync``, ``debug``, ``outputs``, ``cache``, ``rerun``) see
    it: public properties and methods only. ``controller.WorkflowRunner`` implements it; no handler imports
    the controller.
``TemplateHandler`` / ``HandlerRegistry``
    One handler per template type (:mod:`argento.template_kinds`), registered in one place
    (``engine/handlers.py``); the controller dispatches through the registry.
``ArtifactDriver``
    What the engine calls on ``RunOptions.artifacts`` (``artifacts/driver.py`` implements it).
``StepPlatform``
    What the engine calls on ``RunOptions.platform`` (``tracking/steps.py`` implements it).

This module imports nothing of the engine at run time (the types it names are imported for type checking
only), so every engine module may import it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from argento.artifacts.config import RepositoryConfig
    from argento.artifacts.locate import Location
    from argento.config import Settings
    from argento.engine.call import Call
    from argento.engine.nodes import NodeStatus
    from argento.engine.resolve import Template, TemplateBase
    from argento.engine.scope import Scope
    from argento.engine.state import WorkflowState
    from argento.executors.base import Executor, PodSpec, StepHandle, StepResult

__all__ = [
    "ArtifactDriver",
    "Breakpoints",
    "HandlerRegistry",
    "RunContext",
    "SecretResolver",
    "StepPlatform",
    "TemplateHandler",
]

#: What a resume hands a suspended node: ``{"outputs": {...}}`` (plus ``phase``/``message`` for Argo's
#: ``set``), or None when the workflow stops.
Resumed = dict[str, Any] | None


@runtime_checkable
class ArtifactDriver(Protocol):
    """Argo's executor for artifacts, on the host (``RunOptions.artifacts``)."""

    async def load_inputs(
        self, run: RunContext, call: Call, node: NodeStatus, workdir: Path, *, placed: bool = False
    ) -> dict[str, Path]:
        """Place the step's input artifacts under ``workdir``; container path → host path."""
        ...

    async def save_outputs(
        self, run: RunContext, call: Call, node: NodeStatus, handle: Any
    ) -> list[dict[str, Any]]:
        """Archive and upload the outputs of a succeeded step; the artifacts its node records."""
        ...

    async def save_logs(
        self, run: RunContext, call: Call, node: NodeStatus, handle: Any
    ) -> list[dict[str, Any]]:
        """Archive the logs of a failed step (``archiveLogs``); the artifacts its node records."""
        ...

    async def list_keys(self, run: RunContext, call: Call, art: Mapping[str, Any]) -> list[str]:
        """The keys under an artifact location (a data template's ``artifactPaths``)."""
        ...

    def repository(self, run: RunContext) -> RepositoryConfig | None:
        """The run's artifact repository (``artifactRepositoryRef`` or the default); None when unresolved."""
        ...

    def locate(self, run: RunContext, call: Call, art: Mapping[str, Any]) -> Location:
        """Where an artifact of ``call``'s template lives (``argento run --cache`` digests its content)."""
        ...

    async def on_workflow_completion(self, run: RunContext) -> None:
        """Artifact GC of strategy ``OnWorkflowCompletion``."""
        ...


@runtime_checkable
class StepPlatform(Protocol):
    """Platform hooks for steps (``RunOptions.platform``; ``argento.tracking.StepPlatform``)."""

    def env(self, run: RunContext, node: NodeStatus) -> dict[str, str]:
        """Variables every step gets unless its container sets them (ARGENTO_HOME, MLFLOW_TRACKING_URI, …)."""
        ...

    def finalize(self, run: RunContext, env: dict[str, str], literal: set[str]) -> dict[str, str]:
        """The step's final environment (in-cluster addresses of ``literal`` values → local services)."""
        ...

    async def outputs(self, run: RunContext, node: NodeStatus) -> list[dict[str, Any]]:
        """Extra output parameters of a finished step (``mlflow-run-id``)."""
        ...


class SecretResolver(Protocol):
    """``RunOptions.secrets``: resolves ``secretKeyRef``s (``argento.secrets``)."""

    def resolve(self, namespace: str, ref: Mapping[str, Any]) -> str: ...


class Breakpoints(Protocol):
    """``RunOptions.debug``: ``argento run --break`` (``cli/breakpoints.py``)."""

    def breaks_before(self, run: RunContext, call: Call, node: NodeStatus) -> bool: ...

    def breaks_after(self, run: RunContext, call: Call, node: NodeStatus, result: StepResult) -> bool: ...

    async def before(self, run: RunContext, call: Call, node: NodeStatus, spec: PodSpec) -> Any: ...

    async def after(
        self,
        run: RunContext,
        call: Call,
        node: NodeStatus,
        spec: PodSpec,
        handle: StepHandle,
        result: StepResult,
    ) -> StepResult: ...


class RunContext(Protocol):
    """One running workflow, as template handlers and engine helpers see it."""

    # -- the workflow ------------------------------------------------------------------------------------
    #: The workflow's name (``metadata.name``).
    name: str
    #: The Workflow resource (``metadata`` read for namespace, uid, labels, annotations).
    workflow: dict[str, Any]
    #: The workflow's spec, a WorkflowTemplate's merged in and global parameters substituted.
    spec: dict[str, Any]
    #: The spec's ``arguments`` with their values bound.
    arguments: dict[str, Any]
    #: Where the workflow's own template names resolve.
    base: TemplateBase
    #: Global variables (``workflow.*``); hooks and exit handlers update ``workflow.status``/``failures``.
    global_params: dict[str, str]
    #: Every node's state; all changes go through it.
    state: WorkflowState
    settings: Settings
    #: The run's directory: a pod's files are under ``run_dir/<pod name>``.
    run_dir: Path
    #: ``Stop``/``Terminate`` once the workflow is being shut down, else None.
    shutdown: str | None
    #: The workflow's ``activeDeadlineSeconds`` passed.
    deadline_exceeded: bool
    #: The error of the workflow's exit handler itself (its template could not run), else "".
    exit_error: str
    #: Set by a shutdown or the deadline.
    stop_event: asyncio.Event
    #: ``time.monotonic()`` when the run started (``workflow.duration``).
    t_start: float
    #: ``ARGENTO_MAX_PARAMETER_BYTES``.
    max_parameter_bytes: int
    #: Some template reads ``outputs.result``: every step records it, not only scripts.
    include_result: bool

    # -- what the run was given (RunOptions) ----------------------------------------------------------
    @property
    def executor(self) -> Executor: ...
    @property
    def executor_name(self) -> str: ...
    @property
    def configmaps(self) -> dict[str, dict[str, str]]: ...
    @property
    def time_scale(self) -> float: ...
    @property
    def artifacts(self) -> ArtifactDriver | None: ...
    @property
    def secrets(self) -> SecretResolver | None: ...
    @property
    def platform(self) -> StepPlatform | None: ...
    @property
    def breakpoints(self) -> Breakpoints | None: ...

    # -- what a handler may do -----------------------------------------------------------------------
    def pod_name(self, node_name: str, template_name: str | None) -> str:
        """Argo's v2 pod name of a node."""
        ...

    def stop(self, strategy: str = "Stop") -> None:
        """Argo's shutdown of the workflow (``Stop`` runs exit handlers, ``Terminate`` does not)."""
        ...

    def should_run(self, on_exit: bool) -> bool:
        """Whether new work may start (Argo's ``ShutdownStrategy.ShouldExecute``)."""
        ...

    def adopting(self, node: NodeStatus) -> bool:
        """Whether ``node``'s step must be adopted from an earlier engine (asked once per restored node)."""
        ...

    async def execute_template(
        self,
        node_name: str,
        holder: dict[str, Any],
        base: TemplateBase,
        args: dict[str, Any] | None,
        *,
        boundary_id: str | None,
        on_exit: bool = False,
        node_flag: dict[str, bool] | None = None,
    ) -> NodeStatus:
        """Run (or resume) a child node; raises `NodeFailure` when it cannot even start."""
        ...

    def template_of(self, holder: dict[str, Any], base: TemplateBase) -> Template | None:
        """The template a step/task refers to, or None when it cannot be resolved."""
        ...

    def workflow_scope(self, template: Template | None = None) -> Scope:
        """A scope holding ``workflow.outputs.*`` (and ``inputs.artifacts.*`` of ``template``)."""
        ...

    def add_global_outputs(self, outputs: dict[str, Any] | None) -> None:
        """Argo's ``addOutputsToGlobalScope``."""
        ...

    def register_daemon(self, boundary_id: str | None, task: asyncio.Task[Any]) -> None:
        """A daemon started inside ``boundary_id``: cancelled when the boundary ends."""
        ...

    async def kill_daemons(self, boundary_id: str | None) -> None:
        """Argo's ``killDaemonedChildren`` for a finished boundary (all with None)."""
        ...

    def suspension(self, node_name: str) -> AbstractContextManager[asyncio.Future[Resumed]]:
        """A future a resume (or a stop: None) completes, registered for ``node_name`` while in the block."""
        ...

    def pod_slot(self) -> AbstractAsyncContextManager[None]:
        """Held while a pod runs (``spec.parallelism``)."""
        ...


class TemplateHandler(Protocol):
    """Runs the invocations of one template type: creates (or finds) the node, does the work, returns the
    node once fulfilled (a daemon: once running)."""

    async def execute(self, run: RunContext, call: Call) -> NodeStatus: ...


class HandlerRegistry:
    """One `TemplateHandler` per template type."""

    def __init__(self) -> None:
        self._handlers: dict[str, TemplateHandler] = {}

    def register(self, kind: str, handler: TemplateHandler) -> None:
        if kind in self._handlers:
            raise ValueError(f"a handler for {kind} templates is already registered")
        self._handlers[kind] = handler

    def get(self, kind: str) -> TemplateHandler:
        return self._handlers[kind]

    def kinds(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def __iter__(self) -> Iterator[str]:
        return iter(self._handlers)
