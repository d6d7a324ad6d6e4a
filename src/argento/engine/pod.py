"""Pod-type nodes (container, script, containerSet): build the executor's PodSpec, run it, collect outputs."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argento.engine.durations import parse_duration
from argento.engine.nodes import NodePhase, NodeStatus, NodeType
from argento.engine.scope import anystr
from argento.errors import ArgentoError, SpecError

if TYPE_CHECKING:
    from argento.engine.controller import Call, WorkflowRunner
    from argento.executors.base import PodSpec, StepHandle, StepResult

DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
_HOSTNAME = socket.gethostname()


def _pod_node(run: WorkflowRunner, call: Call) -> NodeStatus:
    from argento.engine.controller import _inputs_of

    node = run.state.by_name(call.node_name)
    if node is None:
        node = run.state.init_node(
            call.node_name,
            NodeType.POD,
            phase=NodePhase.PENDING,
            inputs=_inputs_of(call.template),
            **call.init_kwargs(),
        )
    return node


async def run_daemon(run: WorkflowRunner, call: Call) -> NodeStatus:
    """A ``daemon: true`` step counts as done once running; it is killed when its boundary finishes."""
    call.ready = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run_pod(run, call))
    run.register_daemon(call.boundary_id, task)
    await asyncio.wait({task, call.ready}, return_when=asyncio.FIRST_COMPLETED)
    if call.ready.done():
        return call.ready.result()
    return task.result()


async def run_pod(run: WorkflowRunner, call: Call) -> NodeStatus:
    """Run one Pod node to its end and record phase, message and outputs."""
    node = _pod_node(run, call)
    if node.fulfilled:
        return node
    if not run.should_run(call.on_exit):
        message = (
            DEADLINE_MESSAGE
            if run.deadline_exceeded and not run.shutdown
            else f"workflow shutdown with strategy: {run.shutdown}"
        )
        return run.state.mark(node, NodePhase.FAILED, message)
    pod_name = run.pod_name(call.node_name, call.template.get("name"))
    unschedulable = _node_selector_mismatch({**(run.spec.get("nodeSelector") or {}), **(call.template.get("nodeSelector") or {})})
    if unschedulable:
        # Kubernetes would leave the pod Pending forever; on one machine it can never fit, so it fails.
        return run.state.mark(node, NodePhase.FAILED, f"Unschedulable: 0/1 nodes are available: {unschedulable}")
    try:  # build the PodSpec(s): inputs, volumes, env
        if call.template.get("containerSet") is not None:
            from argento.engine import containerset

            job = await containerset.prepare(run, call, node, pod_name)
        else:
            spec = await build_pod_spec(run, call, node, pod_name)
            job = functools.partial(_supervise, run, call, node, spec)
    except ArgentoError as exc:
        return run.state.mark(node, NodePhase.ERROR, str(exc))
    slots = run._pod_slots
    if slots is not None:
        await slots.acquire()
    try:
        return await job()
    finally:
        if slots is not None:
            slots.release()


async def _supervise(run: WorkflowRunner, call: Call, node: NodeStatus, spec: PodSpec) -> NodeStatus:
    try:
        handle = await run.executor.start(spec)
    except ArgentoError as exc:
        return run.state.mark(node, NodePhase.ERROR, str(exc))
    admitted = getattr(handle, "admitted", None)
    waiter = asyncio.ensure_future(handle.wait())
    stopper = asyncio.ensure_future(run.stop_event.wait()) if not call.on_exit else None
    watchers: set[asyncio.Future[Any]] = {waiter} | ({stopper} if stopper else set())
    try:
        # A multi-node executor says why a pod waits (Kubernetes' scheduler message); shown while Pending.
        pending_message = getattr(handle, "pending_message", "")
        if admitted is not None and not admitted.is_set():
            if pending_message:
                run.state.mark(node, NodePhase.PENDING, pending_message)
            adm = asyncio.ensure_future(admitted.wait())
            await asyncio.wait({adm, *watchers}, return_when=asyncio.FIRST_COMPLETED)
            adm.cancel()
        if not waiter.done() and not (stopper and stopper.done()):
            node.host_node_name = getattr(handle, "host_node_name", "") or _HOSTNAME
            if call.template.get("daemon"):
                node.daemoned = True
                node.pod_ip = "127.0.0.1"
            run.state.mark(node, NodePhase.RUNNING, "" if pending_message else None)
            if call.ready is not None and not call.ready.done():
                call.ready.set_result(node)
        await asyncio.wait(watchers, return_when=asyncio.FIRST_COMPLETED)
        killed_by = ""
        if not waiter.done():
            killed_by = (
                DEADLINE_MESSAGE
                if run.deadline_exceeded and not run.shutdown
                else f"workflow shutdown with strategy: {run.shutdown}"
            )
            await handle.kill(grace=2.0)
        result = await waiter
    except asyncio.CancelledError:
        # The enclosing template timed out, or the boundary of a daemon finished.
        with contextlib.suppress(Exception):
            await asyncio.shield(handle.kill(grace=2.0))
        if node.daemoned:
            run.state.mark(node, NodePhase.SUCCEEDED)
        else:
            run.state.mark(node, NodePhase.FAILED, DEADLINE_MESSAGE)
        raise
    finally:
        if stopper is not None:
            stopper.cancel()
    return await _finish(run, call, node, handle, result, killed_by)


async def _finish(
    run: WorkflowRunner, call: Call, node: NodeStatus, handle: StepHandle, result: StepResult, killed_by: str
) -> NodeStatus:
    phase = NodePhase.SUCCEEDED
    message = ""
    if killed_by:
        phase, message = NodePhase.FAILED, killed_by
    elif result.exit_code != 0 or result.timed_out:
        phase = NodePhase.FAILED
        message = result.message or f"Error (exit code {result.exit_code})"
    if node.daemoned and phase is NodePhase.FAILED and not killed_by:
        phase, message = NodePhase.SUCCEEDED, ""  # Argo ignores the failure of a daemoned pod
    return await finish_pod(run, call, node, handle, result, phase, message)


async def finish_pod(
    run: WorkflowRunner,
    call: Call,
    node: NodeStatus,
    handle: StepHandle,
    result: StepResult | None,
    phase: NodePhase,
    message: str,
) -> NodeStatus:
    """Argo's wait container: collect the outputs through ``handle`` (the ``main`` container), then mark the node.

    ``result`` is the main container's; None when the pod has no ``main`` container (a containerSet without
    one), which then has neither ``outputs.result`` nor ``outputs.exitCode``.
    """
    tmpl = call.template
    outputs: dict[str, Any] = {}
    params: list[dict[str, Any]] = []
    for param in (tmpl.get("outputs") or {}).get("parameters") or []:
        value_from = param.get("valueFrom") or {}
        out = {k: v for k, v in param.items() if k != "valueFrom"}
        value: str | None = None
        if value_from.get("path"):
            host = handle.host_path(value_from["path"])
            try:
                value = _read_output(host)
            except OSError:
                value = None
            if value is None:
                if value_from.get("default") is not None:
                    value = anystr(value_from["default"])
                elif phase is NodePhase.SUCCEEDED:
                    phase = NodePhase.ERROR
                    message = f"failed to get output parameter '{param.get('name')}': open {value_from['path']}: no such file or directory"
        elif value_from.get("default") is not None:
            value = anystr(value_from["default"])
        elif param.get("value") is not None:
            value = anystr(param["value"])
        if value is not None:
            out["value"] = value
            params.append(out)
    if run.options.platform is not None:  # e.g. the MLflow run the step created (argento.tracking)
        params += await run.options.platform.outputs(run, node)
    if params:
        outputs["parameters"] = params
    if run.options_artifacts is not None and phase is NodePhase.SUCCEEDED:
        try:
            arts = await run.options_artifacts.save_outputs(run, call, node, handle)
        except ArgentoError as exc:
            arts = []
            phase, message = NodePhase.ERROR, str(exc)
        if arts:
            outputs["artifacts"] = arts
    elif run.options_artifacts is not None and hasattr(run.options_artifacts, "save_logs"):
        # Argo's wait container archives the logs of a failed step too (archiveLogs); its failure to do so
        # does not change the node's own failure.
        with contextlib.suppress(ArgentoError):
            logs = await run.options_artifacts.save_logs(run, call, node, handle)
            if logs:
                outputs["artifacts"] = logs
    if result is not None:
        if "script" in tmpl or run._include_result:
            outputs["result"] = result.result
        outputs["exitCode"] = str(result.exit_code)
    node.outputs = outputs
    run.state.mark(node, phase, message)
    if phase is NodePhase.SUCCEEDED:
        run.add_global_outputs(outputs)
    return node


_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64", "armv7l": "arm"}


def _node_selector_mismatch(selector: dict[str, Any]) -> str:
    """The well-known node labels this machine has; a selector asking for other values cannot be met."""
    import platform

    labels = {
        "kubernetes.io/arch": _ARCH.get(platform.machine(), platform.machine()),
        "kubernetes.io/os": platform.system().lower(),
        "kubernetes.io/hostname": _HOSTNAME,
    }
    for key, want in selector.items():
        label = key.replace("beta.kubernetes.io/", "kubernetes.io/")
        if label in labels and str(want) != labels[label]:
            return f"1 node(s) didn't match Pod's node affinity/selector ({key}={want})."
    return ""


def _read_output(path: Path) -> str | None:
    if path.is_dir():
        return None
    return path.read_text(errors="replace")


async def build_pod_spec(run: WorkflowRunner, call: Call, node: NodeStatus, pod_name: str) -> PodSpec:
    """Translate a processed container/script template into the executor's PodSpec."""
    from argento.executors.base import PodSpec

    tmpl = call.template
    kind = "script" if tmpl.get("script") is not None else "container"
    container = tmpl[kind]
    workdir = run.run_dir / pod_name  # created by the executor (the fake executor needs none)
    mounts = volume_mounts(run, tmpl, container, workdir)
    if run.options_artifacts is not None:
        mounts.update(await run.options_artifacts.load_inputs(run, call, node, workdir))
    elif (tmpl.get("inputs") or {}).get("artifacts"):
        mounts.update(_raw_inputs(tmpl, workdir))
    timeout = pod_timeout(run, tmpl)
    sidecars = []
    for i, side in enumerate(tmpl.get("sidecars") or []):
        side_dir = workdir / f"sidecar-{i}"
        sidecars.append(
            PodSpec(
                node_id=node.id,
                workflow=run.name,
                template=tmpl.get("name", ""),
                image=side.get("image", ""),
                command=[str(c) for c in side.get("command") or []],
                args=[str(a) for a in side.get("args") or []],
                env=step_env(run, call, node, pod_name, side),
                working_dir=side.get("workingDir"),
                script_source=None,
                requests={},
                limits={},
                mounts={**mounts, **volume_mounts(run, tmpl, side, workdir)},
                log_path=workdir / f"{side.get('name', f'sidecar-{i}')}.log",
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
        script_source=container.get("source") if kind == "script" else None,
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
    run: WorkflowRunner,
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
    from argento.executors.base import PodSpec

    tmpl = call.template
    resources = container.get("resources") or {}
    return PodSpec(
        node_id=node.id,
        workflow=run.name,
        template=tmpl.get("name", ""),
        image=str(container.get("image", "")),
        command=[anystr(c) for c in container.get("command") or []],
        args=[anystr(a) for a in container.get("args") or []],
        env=step_env(run, call, node, pod_name, container),
        working_dir=container.get("workingDir"),
        script_source=script_source,
        requests={k: anystr(v) for k, v in (resources.get("requests") or {}).items()},
        limits={k: anystr(v) for k, v in (resources.get("limits") or {}).items()},
        mounts=mounts,
        log_path=log_path,
        workdir=workdir,
        sidecars=sidecars or [],
        timeout=timeout,
        output_paths=output_paths or [],
        tty=bool(container.get("tty")),
        node_selector={
            str(k): anystr(v)
            for k, v in {**(run.spec.get("nodeSelector") or {}), **(tmpl.get("nodeSelector") or {})}.items()
        },
    )


def _raw_inputs(tmpl: dict[str, Any], workdir: Path) -> dict[str, Path]:
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


def pod_timeout(run: WorkflowRunner, tmpl: dict[str, Any]) -> float | None:
    limits: list[float] = []
    ads = tmpl.get("activeDeadlineSeconds")
    if ads not in (None, ""):
        limits.append(parse_duration(ads, field="activeDeadlineSeconds"))
    if tmpl.get("timeout") not in (None, ""):
        limits.append(parse_duration(tmpl["timeout"], field="timeout"))
    return min(limits) * run.options.time_scale if limits else None


def volume_mounts(
    run: WorkflowRunner, tmpl: dict[str, Any], container: dict[str, Any], workdir: Path
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
            host = run.run_dir / "volumes" / name
        elif name in volumes:
            vol = volumes[name]
            if "persistentVolumeClaim" in vol:
                claim = vol["persistentVolumeClaim"].get("claimName", name)
                host = run.settings.home / "volumes" / run.workflow["metadata"]["namespace"] / claim
            elif "configMap" in vol:
                host = workdir / "volumes" / name
                cm = run.options.configmaps.get(vol["configMap"].get("name", ""), {})
                host.mkdir(parents=True, exist_ok=True)
                for key, value in cm.items():
                    (host / key).write_text(value)
            else:  # emptyDir and anything else: a fresh dir per pod
                host = workdir / "volumes" / name
        else:
            raise SpecError(
                f"volumeMounts: volume '{name}' not found in spec.volumes or volumeClaimTemplates"
            )
        if mount.get("subPath"):
            host = host / mount["subPath"]
        host.mkdir(parents=True, exist_ok=True)
        mounts[path] = host
    return mounts


def step_env(
    run: WorkflowRunner, call: Call, node: NodeStatus, pod_name: str, container: dict[str, Any]
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
        "ARGO_INCLUDE_SCRIPT_OUTPUT": "true" if run._include_result else "false",
        "ARGO_PROGRESS_FILE": "/tmp/argo/progress",
        "ARGO_CONTAINER_RUNTIME_EXECUTOR": "argento",
        # A step can reach Argento itself (`argento deploy …`, argento.models): the server and the home.
        "ARGENTO_SERVER": run.options.settings.server,
        "ARGENTO_HOME": str(run.options.settings.home),
    }
    if run.options.settings.token:  # a server in client auth mode: its step token
        env["ARGENTO_TOKEN"] = run.options.settings.token
    labels = meta.get("labels") or {}
    for var in container.get("env") or []:
        name = var.get("name")
        if not name:
            continue
        if "value" in var:
            env[name] = anystr(var["value"])
            continue
        source = var.get("valueFrom") or {}
        if source.get("fieldRef"):
            path = source["fieldRef"].get("fieldPath", "")
            env[name] = {
                "metadata.name": pod_name,
                "metadata.namespace": meta.get("namespace", ""),
                "metadata.uid": node.id,
                "status.podIP": "127.0.0.1",
                "spec.nodeName": _HOSTNAME,
                "spec.serviceAccountName": run.spec.get("serviceAccountName", "default"),
            }.get(path, "")
            if path.startswith("metadata.labels["):
                env[name] = str(labels.get(path[len("metadata.labels[") :].strip("]'\""), ""))
        elif source.get("configMapKeyRef"):
            from argento.engine.args import configmap_value

            env[name] = configmap_value(source["configMapKeyRef"], run.options.configmaps)
        elif source.get("secretKeyRef") and run.options_secrets is not None:
            env[name] = run.options_secrets.resolve(meta.get("namespace", ""), source["secretKeyRef"])
        elif source.get("secretKeyRef"):
            ref = source["secretKeyRef"]
            if not ref.get("optional"):
                raise SpecError(
                    f"env {name}: secret '{ref.get('name')}' not found (create it with `argento secret create`)"
                )
    if run.options.platform is not None:  # defaults: a variable the container sets wins
        for key, value in run.options.platform.env(run, node).items():
            env.setdefault(key, value)
    return env
