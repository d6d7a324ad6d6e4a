"""The executor's `PodSpec` of a Pod node: container, env, volumes, input artifacts, timeouts.

Argo's ``createWorkflowPod`` on one machine: a processed (substituted) container/script template becomes a
`PodSpec` (``build_pod_spec``), and each container of a containerSet one too (``container_pod_spec``).
"""

from __future__ import annotations

import json
import posixpath
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argento.engine.durations import parse_duration
from argento.engine.scope import anystr
from argento.engine.views import ContainerView
from argento.errors import SpecError
from argento.paths import safe_join, safe_key

if TYPE_CHECKING:
    from argento.engine.call import Call
    from argento.engine.nodes import NodeStatus
    from argento.engine.ports import RunContext
    from argento.executors.base import PodSpec

HOSTNAME = socket.gethostname()
#: The file a step writes ``N/M`` lines to (Argo: /var/run/argo/progress; here under the step's private /tmp,
#: so reading it needs no private root). ``$ARGO_PROGRESS_FILE`` names it.
PROGRESS_FILE = "/tmp/argo/progress"

_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64", "armv7l": "arm"}


class PodCreationError(SpecError):
    """The controller itself cannot make the pod (Argo's ``createWorkflowPod`` errs: a volume mount naming no
    volume, …): the template's error, which its caller reports ("error in entry template execution: …").
    What Kubernetes or the executor would meet later (a missing secret, an input artifact) is the pod's own
    failure instead."""


def node_selector_mismatch(selector: dict[str, Any]) -> str:
    """The well-known node labels this machine has; a selector asking for other values cannot be met."""
    import platform

    labels = {
        "kubernetes.io/arch": _ARCH.get(platform.machine(), platform.machine()),
        "kubernetes.io/os": platform.system().lower(),
        "kubernetes.io/hostname": HOSTNAME,
    }
    for key, want in selector.items():
        label = key.replace("beta.kubernetes.io/", "kubernetes.io/")
        if label in labels and str(want) != labels[label]:
            return f"1 node(s) didn't match Pod's node affinity/selector ({key}={want})."
    return ""


async def build_pod_spec(
    run: RunContext, call: Call, node: NodeStatus, pod_name: str, *, placed: bool = False
) -> PodSpec:
    """Translate a processed container/script template into the executor's PodSpec.

    ``placed``: input artifacts are not fetched, those already in the pod's dir are mapped (adoption)."""
    from argento.executors.base import PodSpec

    tmpl = call.template
    kind = "script" if tmpl.get("script") is not None else "container"
    container = tmpl[kind]
    workdir = safe_join(run.run_dir, pod_name, what="pod name")  # created by the executor (not the fake)
    mounts = volume_mounts(run, tmpl, container, workdir)
    if run.artifacts is not None:
        mounts.update(await run.artifacts.load_inputs(run, call, node, workdir, placed=placed))
    elif (tmpl.get("inputs") or {}).get("artifacts"):
        mounts.update(raw_inputs(tmpl, workdir))
    timeout = pod_timeout(run, tmpl, call.deadline)
    # Argo's executor makes the progress file's directory; here it is a per-pod dir the engine reads.
    progress_dir = workdir / "argo-progress"
    if getattr(run.executor, "runs_processes", True):
        progress_dir.mkdir(parents=True, exist_ok=True)
    mounts.setdefault(posixpath.dirname(PROGRESS_FILE), progress_dir)
    sidecars = []
    for i, side in enumerate(tmpl.get("sidecars") or []):
        side_dir = workdir / f"sidecar-{i}"
        view = ContainerView.of(side)
        sidecars.append(
            PodSpec(
                node_id=node.id,
                workflow=run.name,
                template=tmpl.get("name", ""),
                image=view.image,
                command=view.command,
                args=view.args,
                env=step_env(run, call, node, pod_name, side),
                working_dir=view.working_dir,
                script_source=None,
                requests={},
                limits={},
                mounts={**mounts, **volume_mounts(run, tmpl, side, workdir)},
                log_path=safe_join(workdir, f"{side.get('name', f'sidecar-{i}')}.log", what="container name"),
                workdir=side_dir,
            )
        )
    return container_pod_spec(
        run,
        call,
        node,
        pod_name,
        container,
        mounts=mounts,
        log_path=workdir / "main.log",
        workdir=workdir,
        script_source=ContainerView.of(container).source if kind == "script" else None,
        sidecars=sidecars,
        timeout=timeout,
        output_paths=template_output_paths(tmpl),
    )


def template_output_paths(tmpl: dict[str, Any]) -> list[str]:
    """The container paths the template's outputs are read from (parameters' ``valueFrom.path``, artifacts)."""
    outputs = tmpl.get("outputs") or {}
    paths = [
        p["valueFrom"]["path"]
        for p in outputs.get("parameters") or []
        if (p.get("valueFrom") or {}).get("path")
    ]
    return paths + [a["path"] for a in outputs.get("artifacts") or [] if a.get("path")]


def container_pod_spec(
    run: RunContext,
    call: Call,
    node: NodeStatus,
    pod_name: str,
    container: dict[str, Any],
    *,
    mounts: dict[str, Path],
    log_path: Path,
    workdir: Path,
    script_source: str | None = None,
    sidecars: list[PodSpec] | None = None,
    timeout: float | None = None,
    output_paths: list[str] | None = None,
) -> PodSpec:
    """The executor's PodSpec of one container of the pod (the main one, or one of a containerSet)."""
    from argento.engine.workdir import resolve_scripts
    from argento.executors.base import PodSpec

    tmpl = call.template
    view = ContainerView.of(container)
    # `command: [python, train.py]`: a relative script of the submitted folder (argento run, submit --workdir).
    command, args, mounts = resolve_scripts(run.workflow, container, mounts)
    return PodSpec(
        node_id=node.id,
        workflow=run.name,
        template=tmpl.get("name", ""),
        image=view.image,
        command=command,
        args=args,
        env=step_env(run, call, node, pod_name, container),
        working_dir=view.working_dir,
        script_source=script_source,
        requests=view.requests,
        limits=view.limits,
        mounts=mounts,
        log_path=log_path,
        workdir=workdir,
        sidecars=sidecars or [],
        timeout=timeout,
        output_paths=output_paths or [],
        tty=view.tty,
        node_selector={
            str(k): anystr(v)
            for k, v in {**(run.spec.get("nodeSelector") or {}), **(tmpl.get("nodeSelector") or {})}.items()
        },
    )


def raw_inputs(tmpl: dict[str, Any], workdir: Path) -> dict[str, Path]:
    """Input artifacts without an artifact driver: only ``raw`` data can be placed."""
    mounts: dict[str, Path] = {}
    for art in (tmpl.get("inputs") or {}).get("artifacts") or []:
        if art.get("raw") is not None:
            host = workdir / "inputs" / art["name"]
            host.parent.mkdir(parents=True, exist_ok=True)
            host.write_text(str(art["raw"].get("data", "")))
            mounts[art["path"]] = host
        elif not art.get("optional"):
            raise SpecError(
                f"inputs.artifacts.{art.get('name')}: no artifact repository is configured for this run"
            )
    return mounts


def pod_timeout(run: RunContext, tmpl: dict[str, Any], deadline: float | None = None) -> float | None:
    """Seconds the pod may run: ``activeDeadlineSeconds``, ``timeout`` and the execution ``deadline`` (a
    monotonic time, Argo's ``executionDeadline`` from ``backoff.maxDuration``), whichever ends first."""
    limits: list[float] = []
    ads = tmpl.get("activeDeadlineSeconds")
    if ads not in (None, ""):
        limits.append(parse_duration(ads, field="activeDeadlineSeconds") * run.time_scale)
    if tmpl.get("timeout") not in (None, ""):
        limits.append(parse_duration(tmpl["timeout"], field="timeout") * run.time_scale)
    if deadline is not None:
        import time

        limits.append(max(0.0, deadline - time.monotonic()))
    return min(limits) if limits else None


def volume_mounts(
    run: RunContext, tmpl: dict[str, Any], container: dict[str, Any], workdir: Path
) -> dict[str, Path]:
    """``volumeMounts`` → host dirs: emptyDir per pod, volumeClaimTemplates per workflow, PVCs per namespace."""
    volumes = {
        v["name"]: v for v in (run.spec.get("volumes") or []) + (tmpl.get("volumes") or []) if v.get("name")
    }
    claims = {c.get("metadata", {}).get("name"): c for c in run.spec.get("volumeClaimTemplates") or []}
    mounts: dict[str, Path] = {}
    for mount in container.get("volumeMounts") or []:
        name = mount.get("name", "")
        path = mount.get("mountPath")
        if not path:
            continue
        if name in claims:
            host = safe_join(run.run_dir, "volumes", name, what="volume name")
        elif name in volumes:
            vol = volumes[name]
            if "persistentVolumeClaim" in vol:
                claim = vol["persistentVolumeClaim"].get("claimName", name)
                namespace = run.workflow["metadata"]["namespace"]
                host = safe_join(run.settings.home, "volumes", namespace, claim, what="claimName")
            elif "secret" in vol:
                host = safe_join(workdir, "volumes", name, what="volume name")
                _secret_volume(run, name, vol["secret"] or {}, host)
            elif "configMap" in vol:
                host = safe_join(workdir, "volumes", name, what="volume name")
                cm = run.configmaps.get(vol["configMap"].get("name", ""), {})
                host.mkdir(parents=True, exist_ok=True)
                for key, value in cm.items():
                    safe_join(host, key, what="ConfigMap key").write_text(value)
            else:  # emptyDir and anything else: a fresh dir per pod
                host = safe_join(workdir, "volumes", name, what="volume name")
        else:
            raise PodCreationError(
                f"volumeMounts: volume '{name}' not found in spec.volumes or volumeClaimTemplates"
            )
        if mount.get("subPath"):
            host = safe_key(host, mount["subPath"], what="subPath")
        host.mkdir(parents=True, exist_ok=True)
        mounts[path] = host
    return mounts


def _secret_volume(run: RunContext, volume: str, source: dict[str, Any], host: Path) -> None:
    """A ``secret`` volume: one file per key (or per ``items`` entry), resolved by the engine (as the kubelet
    does), never read by the step from the store. Files are mode 0600 unless ``defaultMode``/``mode`` say."""
    from argento.errors import NotFound

    name = str(source.get("secretName") or "")
    optional = bool(source.get("optional"))
    namespace = run.workflow["metadata"].get("namespace", "")
    host.mkdir(parents=True, exist_ok=True)
    resolver = run.secrets
    items = source.get("items")
    if resolver is None or not items:
        try:
            if resolver is None or getattr(resolver, "store", None) is None:
                raise NotFound(f"secret '{name}' not found")
            items = [{"key": key, "path": key} for key in sorted(resolver.store.get(namespace, name))]
        except NotFound:
            if optional:
                return
            raise SpecError(
                f"volumes.{volume}: secret '{name}' not found in namespace '{namespace}' "
                "(create it with `argento secret create`)"
            ) from None
    for item in items:
        rel = str(item.get("path") or item.get("key") or "")
        target = safe_key(host, rel, what=f"volumes.{volume}.secret.items path")
        value = resolver.resolve(namespace, {"name": name, "key": item.get("key"), "optional": optional})
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(value)
        target.chmod(int(item.get("mode", source.get("defaultMode", 0o600))) & 0o777)


def step_env(
    run: RunContext, call: Call, node: NodeStatus, pod_name: str, container: dict[str, Any]
) -> dict[str, str]:
    """The step's environment: Argo's ``ARGO_*`` variables, then the container's ``env``."""
    meta = run.workflow["metadata"]
    env = {
        "ARGO_POD_NAME": pod_name,
        "ARGO_POD_UID": node.id,
        "ARGO_NODE_ID": node.id,
        "ARGO_WORKFLOW_NAME": run.name,
        "ARGO_WORKFLOW_UID": meta.get("uid", ""),
        "ARGO_CONTAINER_NAME": container.get("name") or "main",
        "ARGO_TEMPLATE": json.dumps(call.template, separators=(",", ":")),
        "ARGO_INCLUDE_SCRIPT_OUTPUT": "true" if run.include_result else "false",
        "ARGO_PROGRESS_FILE": PROGRESS_FILE,
        "ARGO_CONTAINER_RUNTIME_EXECUTOR": "argento",
        # A step can reach Argento itself (`argento deploy …`, argento.models): the server and the home.
        "ARGENTO_SERVER": run.settings.server,
        "ARGENTO_HOME": str(run.settings.home),
    }
    if run.settings.token:  # a server in client auth mode: its step token
        env["ARGENTO_TOKEN"] = run.settings.token
    labels = meta.get("labels") or {}
    literal: set[str] = set()  # variables the container sets to a literal value (rewritten by the platform)
    for var in container.get("env") or []:
        name = var.get("name")
        if not name:
            continue
        if "value" in var:
            env[name] = anystr(var["value"])
            literal.add(name)
            continue
        literal.discard(name)
        source = var.get("valueFrom") or {}
        if source.get("fieldRef"):
            path = source["fieldRef"].get("fieldPath", "")
            env[name] = {
                "metadata.name": pod_name,
                "metadata.namespace": meta.get("namespace", ""),
                "metadata.uid": node.id,
                "status.podIP": "127.0.0.1",
                "spec.nodeName": HOSTNAME,
                "spec.serviceAccountName": run.spec.get("serviceAccountName", "default"),
            }.get(path, "")
            if path.startswith("metadata.labels["):
                env[name] = str(labels.get(path[len("metadata.labels[") :].strip("]'\""), ""))
        elif source.get("configMapKeyRef"):
            from argento.engine.args import configmap_value

            ref = source["configMapKeyRef"]
            cm = run.configmaps.get(ref.get("name", "")) or {}
            if ref.get("optional") and ref.get("key") not in cm:  # Kubernetes' optional env source
                continue
            env[name] = configmap_value(ref, run.configmaps)
        elif source.get("secretKeyRef") and run.secrets is not None:
            env[name] = run.secrets.resolve(meta.get("namespace", ""), source["secretKeyRef"])
        elif source.get("secretKeyRef"):
            ref = source["secretKeyRef"]
            if not ref.get("optional"):
                raise SpecError(
                    f"env {name}: secret '{ref.get('name')}' not found (create it with `argento secret create`)"
                )
    if run.platform is not None:  # defaults: a variable the container sets wins
        for key, value in run.platform.env(run, node).items():
            env.setdefault(key, value)
        # in-cluster addresses of literal values → local services (argento.cluster)
        env = run.platform.finalize(run, env, literal)
    return env
