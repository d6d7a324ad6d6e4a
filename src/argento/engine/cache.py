"""``argento run --cache``: every step memoized by a content hash (Make/Snakemake-style incremental runs).

An Argento extension, off by default. A container/script/containerSet step without its own ``memoize`` gets
the key ``<sha256>`` of everything that can change its result:

- its resolved template — command, args, script source, image, env, inputs with their bound values,
  outputs, resources, … — after substitution, with the run's identity (workflow name and uid, pod name,
  creation time) written as placeholders, so the same step in the next run has the same key;
- the content of each input artifact (SHA-256 of the stored object, or of every object of a folder), not
  its location: a producer that ran again and wrote the same bytes keeps its consumers' hits; ``raw`` data
  is in the template, ``http``/``git`` sources count by URL and revision;
- the content of local files the step names (``python train.py``): tokens of its command, args and source
  that are files relative to its ``workingDir`` (when that is a host folder) or to the folder relative
  scripts are found in (the workflow file's, ``--workdir``), or absolute paths inside those folders;
- the values of ConfigMaps it reads, the executor, and the artifact repository its outputs go to.

Not covered — time and randomness (a step printing the date hits as well), programs and packages of the
host, secret *values* (secrets count by name and key), files outside those folders. Steps that cannot be
content-addressed are never cached: daemons, steps mounting persistent volumes (``persistentVolumeClaim``,
``volumeClaimTemplates``), steps with a ``memoize`` of their own (Argo's rules apply to them).

A hit is a Succeeded Pod node with the cached outputs and Argo's ``memoizationStatus`` (``hit: true``,
``key``, ``cacheName: argento-cache``); a step that ran and succeeded is saved with ``hit: false``, as Argo
marks its memoized nodes (``operator.go``: ``initializeCacheHitNode`` / ``MemoizationStatus``).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argento.engine.nodes import NodePhase, NodeStatus, NodeType
from argento.errors import ArgentoError

if TYPE_CHECKING:
    from argento.engine.call import Call
    from argento.engine.ports import RunContext

#: ``memoizationStatus.cacheName`` of ``--cache`` entries (and the cache's name in the store).
CACHE_NAME = "argento-cache"
_VERSION = 1
_CACHEABLE = ("container", "script", "containerSet")
_TOKEN = re.compile(r"[\w.~/+@:-]+")
_LOCATIONS = (
    "s3",
    "gcs",
    "azure",
    "oss",
    "hdfs",
    "artifactory",
    "http",
    "git",
    "raw",
    "from",
    "fromExpression",
)
_MAX_FILES = 64


class StepCache:
    """The ``--cache`` of one ``argento run`` (``RunOptions.cache``)."""

    def __init__(self, store: Any, *, source_dir: Path | None = None) -> None:
        #: A memoization store (``MemoCache``, ``RepositoryMemoCache``): ``load``/``save`` or ``aload``/``asave``.
        self.store = store
        self.source_dir = source_dir.resolve() if source_dir is not None else None
        self._keys: dict[str, str] = {}
        self._digests: dict[tuple[str, str], str] = {}
        #: node names, in order: cache hits, and steps that ran (a miss)
        self.hits: list[str] = []
        self.misses: list[str] = []

    # -- the engine's hooks --------------------------------------------------------------------------------
    async def lookup(self, run: RunContext, call: Call) -> NodeStatus | None:
        """A cache hit for ``call`` (a Succeeded node with the cached outputs), or None: the step runs."""
        if run.state.by_name(call.node_name) is not None or not cacheable(run, call.template):
            return None
        key = await self.key(run, call)
        self._keys[call.node_name] = key
        namespace = run.workflow["metadata"]["namespace"]
        entry = await _call(self.store, "load", namespace, CACHE_NAME, key, 0)
        if entry is None:
            return None
        from argento.engine.call import inputs_of

        node = run.state.init_node(
            call.node_name,
            NodeType.POD,
            phase=NodePhase.SUCCEEDED,
            inputs=inputs_of(call.template),
            **call.init_kwargs(),
        )
        node.outputs = entry.get("outputs") or None
        node.memoization_status = {"hit": True, "key": key, "cacheName": CACHE_NAME}
        run.state.changed(node)
        self.hits.append(call.node_name)
        return node

    async def save(self, run: RunContext, call: Call, node: NodeStatus) -> None:
        """Record a step that ran and succeeded."""
        key = self._keys.pop(call.node_name, None)
        if key is None or (node.memoization_status or {}).get("hit"):
            return
        self.misses.append(call.node_name)
        namespace = run.workflow["metadata"]["namespace"]
        await _call(self.store, "save", namespace, CACHE_NAME, key, node.id, node.outputs)
        node.memoization_status = {"hit": False, "key": key, "cacheName": CACHE_NAME}
        run.state.changed(node)

    # -- the key -------------------------------------------------------------------------------------------
    async def key(self, run: RunContext, call: Call) -> str:
        """The content hash of ``call``'s step (see the module doc)."""
        tmpl = json.loads(json.dumps(call.template))
        inputs = tmpl.get("inputs") or {}
        arts = inputs.pop("artifacts", None) or []
        identity = {
            run.pod_name(call.node_name, tmpl.get("name")): "{{pod.name}}",
            run.name: "{{workflow.name}}",
        }
        meta = run.workflow["metadata"]
        for var, value in (
            ("workflow.uid", meta.get("uid")),
            ("workflow.creationTimestamp", meta.get("creationTimestamp")),
            ("workflow.creationTimestamp.s", run.global_params.get("workflow.creationTimestamp.s")),
        ):
            if value:
                identity[str(value)] = "{{" + var + "}}"
        text = json.dumps(tmpl, sort_keys=True)
        for actual in sorted(identity, key=len, reverse=True):
            text = text.replace(actual, identity[actual])
        payload = {
            "v": _VERSION,
            "template": text,
            "artifacts": [await self._artifact(run, call, art) for art in arts],
            "files": self._files(call.template),
            "configmaps": _configmaps(run, call.template),
            "executor": run.executor_name,
            "repository": _repository(run),
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    async def _artifact(self, run: RunContext, call: Call, art: dict[str, Any]) -> dict[str, Any]:
        from argento.artifacts.keys import has_location, location_kind

        kept = {k: v for k, v in art.items() if k not in _LOCATIONS or k in ("raw", "http", "git")}
        if location_kind(art) in ("raw", "http", "git"):
            return kept  # the data, or the URL and revision, is the content's identity
        driver = run.artifacts
        if driver is None or not has_location(art):
            kept["location"] = {k: art.get(k) for k in _LOCATIONS if art.get(k)}
            return kept
        try:
            loc = driver.locate(run, call, art)
        except ArgentoError:
            kept["location"] = {k: art.get(k) for k in _LOCATIONS if art.get(k)}
            return kept
        ident = (str(getattr(loc.repo, "url", "")), loc.key)
        digest = self._digests.get(ident)
        if digest is None:
            from argento.artifacts.threads import POOL

            digest = await POOL.run(_digest, loc.repo, loc.key)
            self._digests[ident] = digest
        kept["sha256"] = digest
        return kept

    def _files(self, tmpl: dict[str, Any]) -> dict[str, str]:
        """SHA-256 of the local files the step's command, args or source name (see the module doc)."""
        roots = step_dirs(tmpl, self.source_dir)
        if not roots:
            return {}
        out: dict[str, str] = {}
        for token, path in named_files(tmpl, roots)[:_MAX_FILES]:
            out[token] = _file_digest(path)
        return out


def cacheable(run: RunContext, tmpl: dict[str, Any]) -> bool:
    """Whether ``--cache`` may memoize this template (see the module doc)."""
    from argento.engine.resolve import template_type

    if template_type(tmpl) not in _CACHEABLE or tmpl.get("memoize") or tmpl.get("daemon"):
        return False
    claims = {(c.get("metadata") or {}).get("name") for c in run.spec.get("volumeClaimTemplates") or []}
    volumes = {v.get("name"): v for v in (run.spec.get("volumes") or []) + (tmpl.get("volumes") or [])}
    containers = [
        tmpl.get("container"),
        tmpl.get("script"),
        *((tmpl.get("containerSet") or {}).get("containers") or []),
    ]
    for container in containers:
        for mount in (container or {}).get("volumeMounts") or []:
            name = mount.get("name")
            if name in claims or "persistentVolumeClaim" in (volumes.get(name) or {}):
                return False
    return True


def step_dirs(tmpl: dict[str, Any], source_dir: Path | None) -> list[Path]:
    """The host folders a step's relative file names are looked up in: its workingDir, the workflow's."""
    roots: list[Path] = []
    for container in (tmpl.get("container"), tmpl.get("script")):
        wd = (container or {}).get("workingDir")
        if wd and Path(str(wd)).is_absolute() and Path(str(wd)).is_dir():
            roots.append(Path(str(wd)).resolve())
    if source_dir is not None:
        roots.append(source_dir)
    return roots


def named_files(tmpl: dict[str, Any], roots: list[Path]) -> list[tuple[str, Path]]:
    """(token, host file) for each file under ``roots`` that the step's command, args or source names."""
    parts: list[str] = []
    containers = [
        tmpl.get("container"),
        tmpl.get("script"),
        *((tmpl.get("containerSet") or {}).get("containers") or []),
    ]
    for container in containers:
        if not container:
            continue
        parts += [str(x) for x in (container.get("command") or []) + (container.get("args") or [])]
        if container.get("source"):
            parts.append(str(container["source"]))
    found: dict[str, Path] = {}
    for token in _TOKEN.findall("\n".join(parts)):
        token = token.strip(".:,")
        if not token or token in found or ("/" not in token and "." not in token):
            continue
        for root in roots:
            path = Path(token) if token.startswith("/") else root / token
            try:
                path = path.resolve()
                if not path.is_file() or not any(path.is_relative_to(r) for r in roots):
                    continue
            except (OSError, ValueError):
                continue
            found[token] = path
            break
    return sorted(found.items())


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return "unreadable"
    return h.hexdigest()


def _digest(repo: Any, key: str) -> str:
    """SHA-256 of the object at ``key``; of every (relative key, digest) under ``key/`` for a folder."""
    from argento.artifacts.base import ArtifactNotFound

    def one(k: str) -> str:
        h = hashlib.sha256()
        with repo.open(k) as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()

    try:
        if repo.exists(key):
            return one(key)
        prefix = key.rstrip("/") + "/"
        objects = [o.key for o in repo.list(prefix)]
        if objects:
            h = hashlib.sha256()
            for k in sorted(objects):
                h.update(f"{k[len(prefix) :]}\0{one(k)}\n".encode())
            return "tree:" + h.hexdigest()
    except ArtifactNotFound:
        pass
    except ArgentoError as exc:
        return f"unreadable:{exc}"
    return "absent"


def _configmaps(run: RunContext, tmpl: dict[str, Any]) -> dict[str, Any]:
    """The ConfigMaps the step names (env ``configMapKeyRef``, ``configMap`` volumes) with their data."""
    text = json.dumps(tmpl)
    if "configMap" not in text and not run.spec.get("volumes"):
        return {}
    return {name: data for name, data in sorted((run.configmaps or {}).items()) if f'"{name}"' in text}


def _repository(run: RunContext) -> str:
    driver = run.artifacts
    if driver is None:
        return ""
    try:
        repo = driver.repository(run)
    except ArgentoError:
        return ""
    if repo is None:
        return ""
    from argento.artifacts.config import spec_identity

    spec = dict(repo.spec)
    if repo.kind == "local":
        spec = {"local": str(repo.local_path(run.settings))}
    return spec_identity(spec)


async def _call(store: Any, method: str, *args: Any) -> Any:
    """``store.a<method>`` (async) when it has one, else ``store.<method>`` (a local file store)."""
    fn = getattr(store, "a" + method, None)
    if fn is not None:
        return await fn(*args)
    return getattr(store, method)(*args)
