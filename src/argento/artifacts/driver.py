"""The engine's artifact driver: places input artifacts before a step and saves its outputs after it.

The engine calls (``engine/ports.ArtifactDriver``; see ``engine/pod.py``)::

    mounts.update(await driver.load_inputs(run, call, node, workdir))    # before the step starts
    artifacts = await driver.save_outputs(run, call, node, handle)       # after it succeeded
    artifacts = await driver.save_logs(run, call, node, handle)          # after it failed (archiveLogs)
    await driver.on_workflow_completion(run)                             # artifact GC, at the end

This is Argo's executor (``loadArtifacts``, ``SaveArtifacts``, ``SaveLogs``) on the host: inputs are placed
under ``<workdir>/artifacts/<name>`` and bound at their container path; outputs are read through the step
handle, archived (tar+gzip by default) and uploaded. Blocking I/O runs in worker threads so other steps go
on. Failures raise `ArgentoError`s the engine turns into node ``Error`` messages (secret values redacted).
"""

from __future__ import annotations

import os
import re
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argento.artifacts.base import (
    ArtifactError,
    ArtifactNotFound,
    PartialSaveError,
    check_key,
    get_tree,
    is_dir,
    put_tree,
    remove_path,
)
from argento.artifacts.config import RepositoryConfig, default_repository, resolve_ref
from argento.artifacts.keys import has_location, join_key, key_prefix, location_kind
from argento.artifacts.locate import Location, Locator, Repositories
from argento.artifacts.run import StepCall, WorkflowRun
from argento.artifacts.threads import POOL
from argento.config import Settings
from argento.errors import ArgentoError
from argento.paths import safe_join

if TYPE_CHECKING:
    from argento.artifacts.s3 import RetryPolicy

_UNRESOLVED = re.compile(r"\{\{[^}]*\}\}")


@dataclass
class RunArtifacts:
    """What the driver works out once per workflow run."""

    namespace: str
    repo: RepositoryConfig | None
    error: ArgentoError | None
    archive_logs: bool | None
    gc_strategy: str


class ArtifactDriver:
    """Loads and saves artifacts for the engine (`RunOptions.artifacts`)."""

    def __init__(
        self,
        settings: Settings,
        *,
        secrets: Any = None,
        configmaps: Mapping[str, Mapping[str, str]] | None = None,
        default: RepositoryConfig | None = None,
        s3_retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.secrets = secrets
        self.configmaps = dict(configmaps or {})
        self._default = default
        self.repos = Repositories(settings, secrets, s3_retry=s3_retry)
        self._runs: weakref.WeakKeyDictionary[Any, RunArtifacts] = weakref.WeakKeyDictionary()

    # -- configuration -----------------------------------------------------------------------------------
    @property
    def default(self) -> RepositoryConfig:
        """The default repository (``ARGENTO_ARTIFACT_REPOSITORY``, ``config.yaml`` or the local folder)."""
        if self._default is None:
            self._default = default_repository(self.settings)
        return self._default

    def context(self, run: WorkflowRun) -> RunArtifacts:
        """The run's repository (``artifactRepositoryRef`` or default), archiveLogs and GC settings."""
        ctx = self._runs.get(run)
        if ctx is not None:
            return ctx
        spec = run.spec
        namespace = run.workflow["metadata"].get("namespace") or self.settings.namespace
        configmaps = {**self.configmaps, **(run.configmaps or {})}
        repo: RepositoryConfig | None = None
        error: ArgentoError | None = None
        try:
            repo = resolve_ref(spec.get("artifactRepositoryRef"), configmaps, namespace, self.default)
            run.state.artifact_repository_ref = repo.status_ref()
        except ArgentoError as exc:  # reported by the first step that needs the repository
            error = exc
        archive_logs = spec.get("archiveLogs")
        if archive_logs is None and repo is not None:
            archive_logs = repo.archive_logs
        ctx = RunArtifacts(
            namespace, repo, error, archive_logs, str((spec.get("artifactGC") or {}).get("strategy") or "")
        )
        self._runs[run] = ctx
        return ctx

    def locator(self, ctx: RunArtifacts, template: Mapping[str, Any] | None = None) -> Locator:
        if ctx.repo is None:
            raise ctx.error or ArtifactError("no artifact repository")
        return Locator(self.repos, ctx.repo, ctx.namespace, (template or {}).get("archiveLocation"))

    def _secret_fn(self, namespace: str) -> Any:
        def resolve(ref: Mapping[str, Any]) -> str:
            if self.secrets is None:
                raise ArtifactError(
                    f"secret '{ref.get('name')}' cannot be resolved: no secret store for this run"
                )
            return str(self.secrets.resolve(namespace, ref))

        return resolve

    def _redact(self, text: str) -> str:
        redact = getattr(self.secrets, "redact", None)
        return redact(text) if redact is not None else text

    # -- inputs ------------------------------------------------------------------------------------------
    async def load_inputs(
        self, run: WorkflowRun, call: StepCall, node: Any, workdir: Path, *, placed: bool = False
    ) -> dict[str, Path]:
        """Place every input artifact of the step under ``workdir``; returns container path → host path.

        ``placed``: fetch nothing, map the inputs an earlier engine placed (a step adopted after a restart
        still reads them: they must not be replaced under it)."""
        arts = (call.template.get("inputs") or {}).get("artifacts") or []
        if not arts:
            return {}
        ctx = self.context(run)
        mounts: dict[str, Path] = {}
        for art in arts:
            name = str(art.get("name"))
            if not art.get("path"):
                continue  # not placed in the container (e.g. only referenced by a resource template)
            if placed:
                dest = workdir / "artifacts" / check_key(name).replace("/", "_")
                if os.path.lexists(dest):
                    mounts[str(art["path"])] = dest
                continue
            if not has_location(art):
                if art.get("optional"):
                    continue
                raise ArtifactError(f"required artifact '{name}' not supplied")
            dest = workdir / "artifacts" / check_key(name).replace("/", "_")
            try:
                await POOL.run(self._load_one, ctx, call.template, art, dest)
            except ArtifactNotFound as exc:
                if art.get("optional"):
                    continue
                raise ArtifactError(self._redact(f"artifact {name} failed to load: {exc}")) from None
            except ArgentoError as exc:
                raise ArtifactError(self._redact(f"artifact {name} failed to load: {exc}")) from None
            mounts[str(art["path"])] = dest
        return mounts

    async def list_keys(self, run: WorkflowRun, call: StepCall, art: Mapping[str, Any]) -> list[str]:
        """The keys of the objects under ``art``'s key (a data template's ``artifactPaths``), in key order.

        The key names a directory: objects whose key starts with ``<key>/`` (every object when it is empty).
        """
        ctx = self.context(run)

        def keys() -> list[str]:
            loc = self.locator(ctx, call.template).locate(art, root=True)
            prefix = loc.key.strip("/")
            return [obj.key for obj in loc.repo.list(f"{prefix}/" if prefix else "")]

        try:
            return await POOL.run(keys)
        except ArgentoError as exc:
            raise ArtifactError(self._redact(f"cannot list artifact {art.get('name')}: {exc}")) from None

    def repository(self, run: WorkflowRun) -> RepositoryConfig | None:
        """The run's repository; None when it cannot be resolved (the first step that needs it says why)."""
        return self.context(run).repo

    def locate(self, run: WorkflowRun, call: StepCall, art: Mapping[str, Any]) -> Location:
        """Where an artifact of ``call``'s template lives: its repository and key."""
        return self.locator(self.context(run), call.template).locate(art)

    def _load_one(
        self, ctx: RunArtifacts, template: Mapping[str, Any], art: Mapping[str, Any], dest: Path
    ) -> None:
        tmp = dest.with_name(dest.name + ".download")
        for stale in (dest, tmp, dest.with_name(dest.name + ".tmpdir")):
            remove_path(stale)
        dest.parent.mkdir(parents=True, exist_ok=True)
        from argento.artifacts import archive, sources  # urllib, tarfile: only runs with artifacts pay

        kind = location_kind(art)
        if kind == "raw":
            sources.fetch_raw(art, dest)
        elif kind in ("http", "artifactory"):
            sources.fetch_http(art, tmp, self._secret_fn(ctx.namespace))
            archive.unpack(dict(art), tmp, dest)
        elif kind == "git":
            sources.fetch_git(art, dest, self._secret_fn(ctx.namespace))
        else:
            self.download(self.locator(ctx, template).locate(art), art, tmp, dest)
        mode = art.get("mode")
        if mode is not None:
            _chmod(dest, int(mode), recurse=bool(art.get("recurseMode")))

    def download(self, loc: Location, art: Mapping[str, Any], tmp: Path, dest: Path) -> None:
        """Fetch the artifact at ``loc`` to ``dest`` (unarchived as a step sees it; ``tmp`` is scratch)."""
        from argento.artifacts import archive

        repo, key = loc.repo, loc.key
        # A subPath still holding a `{{…}}` tag names the output of a producer that did not run (Argo v4
        # resolves it to nothing): the whole artifact is used.
        sub = _UNRESOLVED.sub("", str(art.get("subPath") or "")).strip("/")
        full = join_key(key, sub) if sub else key
        if repo.exists(full):
            repo.get(full, tmp)
            archive.unpack(dict(art), tmp, dest)
        elif is_dir(repo, full):
            get_tree(repo, full, dest)
        elif sub and repo.exists(key):
            # subPath inside an archived artifact: extract it, then keep only the sub path.
            repo.get(key, tmp)
            whole = dest.with_name(dest.name + ".whole")
            remove_path(whole)
            archive.unpack({k: v for k, v in art.items() if k != "archive"}, tmp, whole)
            inner = whole / check_key(sub)
            if not inner.exists():
                remove_path(whole)
                raise ArtifactNotFound(f"{sub} does not exist in artifact key {key}")
            os.replace(inner, dest)
            remove_path(whole)
        else:
            raise ArtifactNotFound(f"key {full} does not exist in {repo.url}")

    # -- outputs -----------------------------------------------------------------------------------------
    async def save_outputs(
        self, run: WorkflowRun, call: StepCall, node: Any, handle: Any
    ) -> list[dict[str, Any]]:
        """Archive and upload the step's output artifacts (and its logs with archiveLogs)."""
        tmpl = call.template
        arts = [a for a in (tmpl.get("outputs") or {}).get("artifacts") or [] if a.get("path")]
        ctx = self.context(run)
        logs = self._archive_logs(ctx, tmpl)
        if not arts and not logs:
            return []
        pod_name = run.pod_name(call.node_name, tmpl.get("name"))
        workdir = safe_join(run.run_dir, pod_name, what="pod name")
        prefix_params = {**run.global_params, "pod.name": pod_name}
        return await POOL.run(self._save_all, ctx, tmpl, arts, handle, workdir, prefix_params, logs)

    async def save_logs(
        self, run: WorkflowRun, call: StepCall, node: Any, handle: Any
    ) -> list[dict[str, Any]]:
        """Archive the logs of a step that did not succeed (Argo's wait container saves them regardless)."""
        tmpl = call.template
        ctx = self.context(run)
        if not self._archive_logs(ctx, tmpl):
            return []
        pod_name = run.pod_name(call.node_name, tmpl.get("name"))
        params = {**run.global_params, "pod.name": pod_name}
        workdir = safe_join(run.run_dir, pod_name, what="pod name")
        return await POOL.run(self._save_all, ctx, tmpl, [], handle, workdir, params, True)

    def _archive_logs(self, ctx: RunArtifacts, tmpl: Mapping[str, Any]) -> bool:
        value = (tmpl.get("archiveLocation") or {}).get("archiveLogs")
        return bool(ctx.archive_logs if value is None else value)

    def _save_all(
        self,
        ctx: RunArtifacts,
        tmpl: Mapping[str, Any],
        arts: list[dict[str, Any]],
        handle: Any,
        workdir: Path,
        params: dict[str, str],
        logs: bool,
    ) -> list[dict[str, Any]]:
        try:
            locator = self.locator(ctx, tmpl)
            prefix = key_prefix(ctx.repo.key_format if ctx.repo else "", params)
        except ArgentoError as exc:
            raise ArtifactError(self._redact(str(exc))) from None
        staging = workdir / ".argento-outputs"
        saved: list[dict[str, Any]] = []
        errors: list[str] = []
        try:
            for art in arts:
                try:
                    entry = self._save_one(locator, prefix, art, handle, staging)
                except ArgentoError as exc:
                    errors.append(self._redact(str(exc)))
                    continue
                if entry is not None:
                    saved.append(entry)
            if logs:
                for log_name, log_path in _log_files(workdir, tmpl):
                    try:
                        loc = locator.locate({"name": log_name}, locator.output_key(log_path.name, prefix))
                        loc.repo.put(loc.key, log_path)
                        saved.append({"name": log_name, **loc.record})
                    except ArgentoError as exc:
                        errors.append(self._redact(f"failed to save logs: {exc}"))
        finally:
            remove_path(staging)
        if errors:
            raise PartialSaveError("; ".join(errors), saved)
        return saved

    def _save_one(
        self, locator: Locator, prefix: str, art: dict[str, Any], handle: Any, staging: Path
    ) -> dict[str, Any] | None:
        path = str(art["path"])
        try:
            host = Path(handle.host_path(path))
        except ArgentoError as exc:  # a link leading outside the step's files (never read from the host)
            raise ArtifactError(f"failed to save artifact {art.get('name')}: {exc}") from None
        if not host.exists():
            if art.get("optional"):
                return None  # Argo: "Ignoring optional artifact which does not exist in path"
            raise ArtifactNotFound(f"{path} no such file or directory")
        from argento.artifacts import archive

        packed = archive.pack(art, host, staging)
        if location_kind(art) in ("http", "artifactory"):  # Argo's http driver Save: PUT the packed file
            from argento.artifacts import sources

            try:
                if packed.is_dir:
                    raise ArtifactError(f"{path} is a directory; http outputs need an archive (tar or zip)")
                sources.put_http(art, packed.path, self._secret_fn(locator.namespace))
            except ArgentoError as exc:
                raise ArtifactError(f"failed to save artifact {art.get('name')}: {exc}") from None
            finally:
                if packed.temporary:
                    packed.path.unlink(missing_ok=True)
            return {k: v for k, v in art.items() if k not in ("from", "fromExpression")}
        try:
            loc = locator.locate(art, locator.output_key(packed.file_name, prefix))
            if packed.is_dir:
                # Links inside the folder resolve in the step's view, as at the top (see `host_path`).
                put_tree(loc.repo, loc.key, packed.path, _in_view(handle, path))
            else:
                loc.repo.put(loc.key, packed.path)
        except ArgentoError as exc:
            raise ArtifactError(f"failed to save artifact {art.get('name')}: {exc}") from None
        finally:
            if packed.temporary:
                packed.path.unlink(missing_ok=True)
        entry = {k: v for k, v in art.items() if k not in ("s3", "from", "fromExpression")}
        entry.update(loc.record)
        return entry

    # -- garbage collection ------------------------------------------------------------------------------
    async def on_workflow_completion(self, run: WorkflowRun) -> None:
        """Artifact GC ``OnWorkflowCompletion``: delete those artifacts now and mark them ``deleted``."""
        from argento.artifacts.gc import collect_run

        await collect_run(self, run, "OnWorkflowCompletion")

    async def on_workflow_deletion(self, workflow: dict[str, Any]) -> int:
        """Artifact GC ``OnWorkflowDeletion`` (and ``OnWorkflowCompletion`` leftovers) for a stored workflow."""
        from argento.artifacts.gc import collect_workflow

        return await collect_workflow(self, workflow, ("OnWorkflowCompletion", "OnWorkflowDeletion"))

    def recorded_location(self, art: Mapping[str, Any], workflow: Mapping[str, Any]) -> Location:
        """Where a recorded (status) artifact lives, for `argento artifacts` and GC of stored workflows."""
        status = workflow.get("status") or {}
        ref = status.get("artifactRepositoryRef") or {}
        spec = dict(ref.get("artifactRepository") or {})
        if "s3" not in spec and "local" not in spec and self.default.kind == "local":
            spec = {**spec, **({"local": self.default.spec["local"]} if "local" in self.default.spec else {})}
        namespace = (workflow.get("metadata") or {}).get("namespace") or self.settings.namespace
        config = RepositoryConfig(spec, ref) if ref else self.default
        return Locator(self.repos, config, namespace).locate(art)


def _in_view(handle: Any, path: str) -> Callable[[str], Path | None]:
    """Where a link inside the folder artifact at ``path`` leads, as the step sees it (`StepHandle.host_path`);
    None for one leading outside the step's files (a host's ``/etc/localtime``), which is left out."""

    def resolve(rel: str) -> Path | None:
        try:
            return Path(handle.host_path(f"{path.rstrip('/')}/{rel}"))
        except ArgentoError:
            return None

    return resolve


def _log_files(workdir: Path, tmpl: Mapping[str, Any]) -> list[tuple[str, Path]]:
    """``main-logs`` (``main.log``) and, when present, one ``<sidecar>-logs`` per sidecar; for a containerSet,
    one ``<container>-logs`` per container that ran (Argo's ``GetMainContainerNames``)."""
    out = [("main-logs", workdir / "main.log")] if (workdir / "main.log").is_file() else []
    for container in (tmpl.get("containerSet") or {}).get("containers") or []:
        name = container.get("name")
        if (
            name
            and name != "main"
            and (path := safe_join(workdir, f"{name}.log", what="container name")).is_file()
        ):
            out.append((f"{name}-logs", path))
    for i, side in enumerate(tmpl.get("sidecars") or []):
        name = side.get("name") or f"sidecar-{i}"
        path = safe_join(workdir, f"{name}.log", what="container name")
        if path.is_file():
            out.append((f"{name}-logs", path))
    return out


def _chmod(path: Path, mode: int, *, recurse: bool) -> None:
    path.chmod(mode)
    if recurse and path.is_dir():
        for root, dirs, files in os.walk(path):
            for name in dirs + files:
                os.chmod(os.path.join(root, name), mode)
