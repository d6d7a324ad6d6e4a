"""Run the Argo corpus (``../shared/argo-corpus``) and compare outcomes with what Argo's CI expects.

Used by ``test_corpus_run.py`` and by ``python tests/conformance/corpus.py --markdown`` which regenerates
``docs/conformance.md``. Skips are decided from a manifest's content (the features it needs), never from its
file name; per-file expectations below come from Argo's own e2e tests (see the corpus README).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argo_corpus import CORPUS

TIME_SCALE = 0.02  # examples sleep for show; conformance runs scale sleeps and suspends down
CASE_TIMEOUT = 30.0

# Argo's e2e expectations (corpus README, "Notes from Argo's e2e tests"), as checks on the final nodes.
E2E_CHECKS: dict[str, dict[str, Any]] = {
    "e2e/functional/dag-depends.yaml": {
        "phase": "Succeeded",
        "nodes": {
            "should-execute-1": "Succeeded",
            "should-execute-2": "Succeeded",
            "should-not-execute": "Omitted",
        },
    },
    # Argo's TestContinueOnFail (test/e2e/functional_test.go) runs this file.
    "e2e/functional/continue-on-failed.yaml": {
        "phase": "Succeeded",
        "count": 7,
        "nodes": {"B": "Failed"},
        "fanout": {"B": (1, 1)},
    },
    # INDEX derives "Failed" from the expected-failure label, but Argo's step semantics (the group ignores a
    # child with continueOn.failed, as in TestContinueOnFail) make this workflow Succeed: C is Failed, D runs.
    "examples/continue-on-fail.yaml": {"phase": "Succeeded", "nodes": {"C": "Failed", "D": "Succeeded"}},
    "e2e/functional/continue-on-fail.yaml": {
        "phase": "Succeeded",
        "nodes": {"C": "Failed", "D": "Succeeded"},
    },
    "examples/exit-code-output-variable.yaml": {"phase": "Succeeded"},
    # Fails only under Argo's removed PNS executor (the container exits before PNS can copy /mnt); the emissary
    # executor, and Argento, save the artifact and succeed.
    "e2e/expectedfailures/pns/pns-quick-exit-output-art.yaml": {"phase": "Succeeded"},
    # Argo's TestDAGSkippedOutputRef / TestDAGOmittedOutputRefTerminalError: a reference to a skipped or
    # omitted producer's defaultless output, with no consumer default, is an "absent optional" -> Error.
    "e2e/functional/dag-omitted-output-ref.yaml": {"phase": "Error", "nodes": {"stage-c": "Error"}},
    "e2e/functional/dag-skipped-output-ref.yaml": {"phase": "Error", "nodes": {"stage-c": "Error"}},
    # A well-formed workflow whose referenced template is malformed loads, then fails to resolve it.
    "e2e/wellformed/wellformed-workflow-with-malformed-cluster-workflow-template-ref.yaml": {
        "phase": "Error"
    },
    "e2e/wellformed/wellformed-workflow-with-malformed-workflow-template-ref.yaml": {"phase": "Error"},
    # Argo's TestStepsSkippedWithParamRef: the step group errors on the absent optional, and an errored step
    # group rolls up to the steps template as Failed (not Error).
    "e2e/functional/steps-skipped-withparam-ref.yaml": {"phase": "Failed"},
    # Argo's TestDAGSkippedArtifactSubPathRef / TestStepsSkippedOutputRef: any other simple tag naming an absent
    # optional (an artifact's subPath, a `when`) errors the node too (simple_template.go).
    "e2e/functional/dag-skipped-artifact-subpath-ref.yaml": {"phase": "Error", "nodes": {"consumer": "Error"}},
    "e2e/functional/steps-skipped-output-ref.yaml": {"phase": "Failed", "nodes": {"job1": "Succeeded", "job2": "Skipped"}},
}
KNOWN_DISAGREEMENTS = {
    "e2e/expectedfailures/pns/pns-quick-exit-output-art.yaml": "expected failure of Argo's PNS executor only; emissary succeeds",
    "examples/continue-on-fail.yaml": "INDEX says Failed (expected-failure label); continueOn semantics give Succeeded",
    "e2e/functional/continue-on-fail.yaml": "label expected-failure; continueOn semantics give Succeeded",
}


@dataclass
class Case:
    path: str
    kinds: str
    label: str
    expected: str


@dataclass
class Outcome:
    case: Case
    status: str  # passed | failed | skipped
    reason: str = ""
    phase: str = ""
    seconds: float = 0.0
    nodes: dict[str, Any] = field(default_factory=dict)


def cases() -> list[Case]:
    index = CORPUS / "INDEX.tsv"
    out = []
    for line in index.read_text().splitlines()[1:]:
        path, kinds, label, expected = [*line.split("\t"), "", "", ""][:4]
        if "Workflow" in kinds.split(","):
            out.append(Case(path, kinds, label, expected))
    return out


def _walk(obj: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k, v
            yield from _walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v)


def _containers(obj: Any) -> Iterator[dict[str, Any]]:
    """Every mapping with an ``image`` (containers, scripts, sidecars, init containers)."""
    if isinstance(obj, dict):
        if isinstance(obj.get("image"), str):
            yield obj
        for v in obj.values():
            yield from _containers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _containers(v)


def _unmapped_image(spec: dict[str, Any]) -> str:
    """Why the workflow cannot run here because of an image ("" when every image can).

    A mapped image runs through its runtime; an image with no mapping runs its command on the host (SPEC
    §2.4), which needs a command (its ENTRYPOINT is unknown here) whose program the host has.
    """
    from argento.config import Settings
    from argento.executors.images import ImageTable, Runtime

    settings = Settings.from_env({"ARGENTO_HOME": tempfile.gettempdir() + "/argento-conformance-images"})
    host_path = os.environ.get("PATH", "")
    table = ImageTable(settings, Runtime(settings, host_path), host_path)
    for container in sorted(_containers(spec), key=lambda c: c["image"]):
        image = container["image"]
        if "{{" in image:
            continue
        try:
            runtime = table.resolve(image)
        except Exception as exc:
            return f"image {image}: {str(exc).split(':')[0]}"
        if not runtime.warning:
            continue
        argv = [str(a) for a in (container.get("command") or container.get("args") or [])]
        if not argv or "{{" in argv[0]:
            return f"image {image}: no local mapping, and its ENTRYPOINT is unknown here"
        if shutil.which(argv[0], path=host_path) is None:
            return f"image {image}: no local mapping, and `{argv[0]}` is not on this host's PATH"
    return ""


_SHELLS = {"sh", "/bin/sh", "bash", "/bin/bash", "ash", "/bin/ash"}
_BUILTINS = {
    "[",
    "[[",
    "test",
    "echo",
    "exit",
    "for",
    "if",
    "while",
    "set",
    "export",
    "cd",
    "true",
    "false",
    "printf",
    "read",
    "eval",
    "exec",
    "source",
    ".",
    "trap",
    "wait",
    "until",
    "case",
    "{",
    "(",
    "!",
}


def _missing_program(spec: dict[str, Any]) -> str:
    """A program a step runs first (its command, or the first word of its ``sh -c`` string) that this machine
    lacks: the step would fail here for want of it, whatever the engine does."""
    import shlex
    import shutil

    for tmpl in spec.get("templates") or []:
        ctr = tmpl.get("container") or {}
        command = [str(c) for c in ctr.get("command") or []]
        args = [str(a) for a in ctr.get("args") or []]
        if command[:1] and command[0] in _SHELLS and "-c" in command + args:
            script = [a for a in command[1:] + args if not a.startswith("-")][:1]
            try:
                words = shlex.split(script[0]) if script else []
            except ValueError:
                continue
            first = words[0] if words else ""
        else:
            first = command[0] if command else ""
        if not first or any(c in first for c in "{$=;|&") or first in _BUILTINS or first in _SHELLS:
            continue
        if first in ("argosay", "/argosay", "cowsay") or shutil.which(first):
            continue
        return f"needs `{first}`, which this machine lacks (template {tmpl.get('name')})"
    return ""


_K8S_FAILURE_FIELDS = ("serviceAccountName", "nodeSelector", "podSpecPatch", "securityContext", "affinity")


def _longest_sleep(spec: dict[str, Any]) -> float:

    longest = 0.0
    for key, value in _walk(spec):
        if key in ("args", "command", "source") and value:
            for m in re.finditer(r"sleep\s+(\d+)", json.dumps(value)):
                longest = max(longest, float(m.group(1)))
    return longest


def _loop_size(spec: dict[str, Any]) -> int:
    size = 0
    for key, value in _walk(spec):
        if key == "withSequence" and isinstance(value, dict):
            bound = str(value.get("count") or value.get("end") or 0)
            size = max(size, int(bound) if bound.isdigit() else 0)
        elif key == "withItems" and isinstance(value, list):
            size = max(size, len(value))
    return size


def skip_reason(case: Case, raw: dict[str, Any], configmaps: dict[str, Any] | None = None) -> str:
    """Why this manifest cannot run on this machine (content-based), or ""."""
    if case.expected in ("reject-on-load", "reject-on-lint", "-", "lint-or-setup", "status-in-file"):
        return f"not a run case ({case.expected})"
    spec = raw.get("spec") or {}
    templates = spec.get("templates") or []
    for tmpl in templates:
        for kind, why in (
            ("resource", "needs Kubernetes (resource template)"),
            ("plugin", "needs an executor plugin"),
        ):
            if tmpl.get(kind) is not None:
                return why
        if tmpl.get("http") is not None and "127.0.0.1" not in str(tmpl["http"].get("url")):
            return "needs external network (http template)"
    for key, value in _walk(spec):
        if key in ("artifacts", "archiveLocation", "artifactPaths") and isinstance(value, list | dict):
            for art in value if isinstance(value, list) else [value]:
                why = _external_artifact(art) if isinstance(art, dict) else ""
                if why:
                    return why
    if any(k == "hostAliases" for k, _ in _walk(spec)):
        return "needs Kubernetes DNS (hostAliases)"
    if any(
        k in ("command", "args", "source") and re.search(r"\bkubectl\b", json.dumps(v))
        for k, v in _walk(spec)
    ):
        return "needs Kubernetes (a step runs kubectl against the cluster)"
    for key, value in _walk(spec):
        if (
            key == "configMapKeyRef"
            and isinstance(value, dict)
            and value.get("name") not in (configmaps or {})
        ):
            return f"needs ConfigMap '{value.get('name')}' from the cluster"
        if key in ("semaphore", "mutex") and isinstance(value, dict) and value.get("database") is not None:
            return "database-backed synchronization (argento server)"
        if (
            key in ("semaphores", "mutexes")
            and isinstance(value, list)
            and any(isinstance(v, dict) and v.get("database") for v in value)
        ):
            return "database-backed synchronization (argento server)"
    if "expectedfailures" in case.path:
        used = [f for f in _K8S_FAILURE_FIELDS if any(k == f for k, _ in _walk(spec))]
        if used and not any(k in ("nodeSelector",) for k in used):
            return f"the expected failure comes from Kubernetes ({', '.join(used)})"
    estimate = _longest_sleep(spec) * max(1, _loop_size(spec)) * TIME_SCALE / max(1, os.cpu_count() or 1)
    if estimate > CASE_TIMEOUT:
        return f"duration: ~{estimate / 60:.0f} min even with sleeps scaled by {TIME_SCALE}"
    image = _unmapped_image(spec)
    if image:
        return image
    return _missing_program(spec)


_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def _external_artifact(art: dict[str, Any]) -> str:
    """Why an artifact (or archive location) needs a service this machine does not have, or ""."""
    for kind in ("gcs", "azure", "oss", "hdfs", "artifactory", "plugin"):
        if art.get(kind) is not None:
            return f"needs an external {kind} artifact store"
    url = str((art.get("http") or {}).get("url") or "")
    if url and not any(f"//{h}" in url for h in _LOOPBACK):
        return "needs external network (http artifact)"
    repo = str((art.get("git") or {}).get("repo") or "")
    if repo and not repo.startswith(("file://", "/")):
        return "needs external network (git artifact)"
    s3 = art.get("s3") or {}
    endpoint = str(s3.get("endpoint") or "")
    if (s3.get("bucket") or endpoint) and not any(endpoint.startswith(h) for h in _LOOPBACK):
        return "needs an external S3 endpoint"
    return ""


def _template_files() -> list[Path]:
    out = []
    for line in (CORPUS / "INDEX.tsv").read_text().splitlines()[1:]:
        path, kinds = line.split("\t")[:2]
        if any(k in kinds for k in ("WorkflowTemplate", "ClusterWorkflowTemplate", "ConfigMap")):
            out.append(CORPUS / path)
    return out


def uses_randomness(raw: dict[str, Any]) -> bool:
    """Coin flips and random exits: the corpus README asks for invariants, not a fixed phase."""
    text = json.dumps(raw.get("spec") or {})
    return any(word in text for word in ("random", "RANDOM", "coinflip"))


def _invariants(phase: str, nodes: dict[str, Any], raw: dict[str, Any]) -> str:
    if phase not in ("Succeeded", "Failed"):
        return f"phase {phase}, expected Succeeded or Failed"
    for node in nodes.values():
        if node.get("type") == "Retry":
            tmpl = next(
                (t for t in raw["spec"].get("templates") or [] if t.get("name") == node.get("templateName")),
                {},
            )
            limit = (tmpl.get("retryStrategy") or raw["spec"].get("retryStrategy") or {}).get("limit")
            # attempts are the children flagged `retried` (hooks and onExit nodes are children too)
            attempts = [
                c
                for c in node.get("children") or []
                if (nodes.get(c, {}).get("nodeFlag") or {}).get("retried")
            ]
            if limit is not None and len(attempts) > int(str(limit)) + 1:
                return f"{node['name']}: {len(attempts)} attempts > limit+1"
            last = nodes.get((attempts or [""])[-1], {})
            if last and node["phase"] in ("Succeeded", "Failed") and last.get("phase") != node["phase"]:
                return f"{node['name']}: {node['phase']} but its last attempt is {last.get('phase')}"
    return ""


def _check(case: Case, phase: str, nodes: dict[str, Any]) -> str:
    """ "" when the outcome is what Argo expects, else the reason."""
    check = E2E_CHECKS.get(case.path)
    if check:
        if phase != check["phase"]:
            return f"phase {phase}, Argo: {check['phase']}"
        by_display = {n.get("displayName"): n for n in nodes.values()}
        for name, want in (check.get("nodes") or {}).items():
            got = (by_display.get(name) or {}).get("phase")
            if got != want:
                return f"node {name} {got}, Argo: {want}"
        if "count" in check and len(nodes) != check["count"]:
            return f"{len(nodes)} nodes, Argo: {check['count']}"
        for name, (children, outbound) in (check.get("fanout") or {}).items():
            node = by_display.get(name) or {}
            got = (len(node.get("children") or []), len(node.get("outboundNodes") or []))
            if got != (children, outbound):
                return f"node {name} has {got[0]} children / {got[1]} outbound nodes, Argo: {children} / {outbound}"
        return ""
    want = case.expected
    if want == "Succeeded" or (
        want in ("see-e2e-notes", "no-oracle:duration") and "expectedfailures" not in case.path
    ):
        return "" if phase == "Succeeded" else f"phase {phase}, Argo: Succeeded"
    if want == "Failed":
        return "" if phase == "Failed" else f"phase {phase}, Argo: Failed"
    if want == "Failed-or-Error" or "expectedfailures" in case.path:
        return "" if phase in ("Failed", "Error") else f"phase {phase}, Argo: Failed or Error"
    return ""


async def run_case(case: Case, home: Path) -> Outcome:
    from argento.config import Settings
    from argento.engine import RunOptions, WorkflowRunner
    from argento.engine.inputs import load_run_inputs
    from argento.errors import ArgentoError

    path = CORPUS / case.path
    start = time.monotonic()
    if case.expected in ("reject-on-load", "reject-on-lint", "-", "lint-or-setup", "status-in-file"):
        return Outcome(
            case, "skipped", f"not a run case ({case.expected}; covered by the spec and status suites)"
        )
    try:
        inputs = load_run_inputs(path, [str(p) for p in _template_files()], strict_templates=False)
    except Exception as exc:  # a load failure is a conformance failure, reported with its message
        return Outcome(case, "failed", f"load: {exc}")
    reason = skip_reason(case, inputs.workflow, inputs.configmaps)
    if reason:
        return Outcome(case, "skipped", reason)
    settings = Settings.from_env({"ARGENTO_HOME": str(home), "ARGENTO_SLEEP_SCALE": str(TIME_SCALE)})
    options = RunOptions(
        settings=settings, registry=inputs.registry, configmaps=inputs.configmaps, time_scale=TIME_SCALE
    )
    from argento.artifacts import build_driver

    # Argo's test install has an `artifact-repositories` ConfigMap (key `my-key`); ours is the local folder.
    configmaps = {"artifact-repositories": {"my-key": "archiveLogs: true\n"}, **inputs.configmaps}
    options.artifacts = build_driver(settings, configmaps=configmaps)
    options.secrets = options.artifacts.secrets
    try:
        runner = WorkflowRunner(inputs.workflow, options)
    except ArgentoError as exc:  # refused before it starts, as Argo refuses it at submission
        if case.expected.startswith("no-oracle") or case.label in ("environment", "flaky"):
            return Outcome(
                case,
                "skipped",
                f"Argo: {case.label or case.expected}, no oracle; refused here: {exc}"[:150],
                "Error",
            )
        problem = _check(case, "Error", {})
        return Outcome(case, "failed" if problem else "passed", problem or str(exc), "Error")

    async def approve() -> None:
        # Argo's e2e tests resume suspended workflows (`argo resume`); so does the harness, once per node.
        while True:
            await asyncio.sleep(0.05)
            runner.resume()

    approver = asyncio.create_task(approve())
    try:
        result = await asyncio.wait_for(runner.run(), CASE_TIMEOUT)
    except TimeoutError:
        runner.stop("Terminate")
        if case.label in ("duration", "environment", "flaky") or case.expected.startswith("no-oracle"):
            # e.g. waits in code we do not compress (Python's time.sleep), or on something only a cluster has
            return Outcome(
                case,
                "skipped",
                f"Argo: {case.label or case.expected}, no oracle; still running after {CASE_TIMEOUT:.0f}s here",
            )
        return Outcome(
            case, "failed", f"timed out after {CASE_TIMEOUT:.0f}s", seconds=time.monotonic() - start
        )
    finally:
        approver.cancel()
        if runner._executor is not None:
            await runner._executor.close()
    status = result["status"]
    if case.expected.startswith("no-oracle") or case.label in ("environment", "flaky"):
        # Argo keeps no expected outcome for these (its CI does not run them): Succeeded here counts as a
        # pass unless the workflow flips coins (then the count would change from run to run); anything else is
        # reported, not failed, with what happened.
        if status["phase"] == "Succeeded" and not uses_randomness(inputs.workflow):
            return Outcome(
                case, "passed", "no oracle in Argo; Succeeded here", status["phase"], time.monotonic() - start
            )
        why = {"environment": "environment-specific", "flaky": "flaky"}.get(case.label, case.expected)
        message = status.get("message") or ""
        note = f"Argo: {why}, no oracle; here {status['phase']}" + (f": {message}" if message else "")
        if status["phase"] == "Succeeded":
            note += " (random: not counted)"
        return Outcome(case, "skipped", note[:150], status["phase"])
    if uses_randomness(inputs.workflow) and case.path not in E2E_CHECKS:
        problem = _invariants(status["phase"], status.get("nodes") or {}, inputs.workflow)
        return Outcome(
            case,
            "failed" if problem else "passed",
            problem or "random: invariants hold",
            status["phase"],
            time.monotonic() - start,
            status.get("nodes") or {},
        )
    problem = _check(case, status["phase"], status.get("nodes") or {})
    if not problem and case.path in KNOWN_DISAGREEMENTS:
        status["message"] = KNOWN_DISAGREEMENTS[case.path]
    return Outcome(
        case,
        "failed" if problem else "passed",
        problem or status.get("message", ""),
        status["phase"],
        time.monotonic() - start,
        status.get("nodes") or {},
    )


async def run_all(selected: list[Case], concurrency: int = 8, verbose: bool = False) -> list[Outcome]:
    sem = asyncio.Semaphore(concurrency)
    with tempfile.TemporaryDirectory(prefix="argento-conformance-") as tmp:

        async def one(i: int, case: Case) -> Outcome:
            async with sem:
                outcome = await run_case(case, Path(tmp) / str(i))
                if verbose:
                    print(
                        f"{outcome.status:8} {outcome.seconds:6.1f}s {case.path} {outcome.phase} {outcome.reason[:120]}",
                        file=sys.stderr,
                        flush=True,
                    )
                return outcome

        return list(await asyncio.gather(*(one(i, c) for i, c in enumerate(selected))))


def table(outcomes: list[Outcome]) -> str:
    lines = ["| file | expected | result | phase | note |", "|---|---|---|---|---|"]
    for o in sorted(outcomes, key=lambda o: (o.status != "failed", o.status, o.case.path)):
        lines.append(
            f"| `{o.case.path}` | {o.case.expected} | {o.status} | {o.phase} | {o.reason.replace('|', '/')[:160]} |"
        )
    counts = {s: sum(o.status == s for o in outcomes) for s in ("passed", "failed", "skipped")}
    lines.append("")
    lines.append(
        f"**{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped** of {len(outcomes)} workflows."
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    only = [a for a in argv if not a.startswith("-")]
    selected = [c for c in cases() if not only or any(o in c.path for o in only)]
    outcomes = asyncio.run(run_all(selected, verbose="-v" in argv))
    text = table(outcomes)
    if "--markdown" in argv:
        doc = Path(__file__).resolve().parents[2] / "docs" / "conformance.md"
        # The fact suite's section (argo_facts/report.py --markdown) follows the corpus table: keep it.
        old = doc.read_text() if doc.exists() else ""
        facts = old[old.index("\n## The Argo fact suite") :] if "\n## The Argo fact suite" in old else ""
        doc.write_text(
            "# Conformance with Argo's corpus\n\n"
            "Generated by `make conformance-report` (`python tests/conformance/corpus.py --markdown`): every Workflow of "
            "`../shared/argo-corpus` run with `argento`'s local executor (sleeps scaled by "
            f"{TIME_SCALE}), compared with the outcome Argo's CI expects (`INDEX.tsv`, Argo's e2e notes). Skips "
            "name the feature a manifest needs that this machine or this release lacks. Where Argo keeps no expected "
            "outcome (no-oracle), a run that Succeeds here counts as passed, unless the workflow is random (coin "
            "flips, random exit codes): those are listed with what happened and not counted, so the totals do not "
            "change from run to run.\n\n" + text + "\n" + facts
        )
    print(text)
    if "--json" in argv:
        print(
            json.dumps(
                [
                    {"path": o.case.path, "status": o.status, "phase": o.phase, "reason": o.reason}
                    for o in outcomes
                ]
            )
        )
    return 1 if any(o.status == "failed" for o in outcomes) else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    os.environ.setdefault("ARGENTO_SLEEP_SCALE", str(TIME_SCALE))
    sys.exit(main(sys.argv[1:]))
