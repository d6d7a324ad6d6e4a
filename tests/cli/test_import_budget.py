"""What `argento run` and the client commands import (issue 18 goal 1): a budget of modules, and the heavy
ones they must not load.

The CLI's wall time for a short workflow or a one-shot client command is mostly imports, so the import set
is the regression to catch — and unlike a timing it is deterministic. Each case runs the real CLI in a fresh
interpreter (a trivial workflow; a real ``argento server`` for the client commands) and counts
``sys.modules`` once it is done. The budgets sit a little above the counts with Python 3.11 (``run``:
280 warm, 421 cold; ``get``/``list``/``delete``/``logs``/``wait``: 176–182, ``submit``: 326 as it lints
locally); raise one only for a module the command really needs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from serverconf import ServerProcess

#: modules in sys.modules after `argento run` of a manifest it has checked before (no YAML models, no lint)
WARM_BUDGET = 281
#: … and of a manifest seen for the first time (parse, pydantic models, lint)
COLD_BUDGET = 422

#: never needed by a local run of a workflow with no artifacts, HTTP templates or tracking server
NEVER = (
    "httpx",
    "argento.artifacts.s3",
    "argento.artifacts.sources",
    "urllib.request",
    "argento.server",
    "sqlalchemy",
    # a steps workflow without `when`: the DAG handler, `depends`, govaluate and containerSets load on use
    "argento.engine.dag",
    "argento.engine.containerset",
    "argento.expr.depends",
    "argento.expr.govaluate",
    "_strptime",
)
#: not needed once the manifest is known to be valid
#: (nor YAML: the home has no images.yaml or config.yaml, and no step names an in-cluster address)
NOT_WHEN_WARM = ("pydantic", "argento.spec.models", "argento.spec.lint", "argento.spec.load", "yaml")

#: modules after a one-shot client command (`get`, `list`, `delete`, `logs`, `wait`) against a server
CLIENT_BUDGET = 190
#: … and after `submit` of files it has not checked before: it reads and lints them first (YAML, the models);
#: a second submit of the same files stays within CLIENT_BUDGET
SUBMIT_BUDGET = 335
#: never needed by a client command: httpx is for the asyncio client, a test transport or a proxy
CLIENT_NEVER = (
    "httpx",
    "httpcore",
    "anyio",
    "h11",
    "sqlalchemy",
    "argento.store.sql",
    "argento.engine.controller",
)
#: nor, beyond `submit`, parsing or validating manifests
CLIENT_NEVER_BUT_SUBMIT = ("pydantic", "yaml", "argento.spec.models", "argento.spec.lint")

WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: budget}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: noop}
  - name: noop
    container: {image: alpine, command: [sh, -c, "true"]}
"""

PROBE = """
import json, sys
from argento.cli.main import main
sys.argv = ["argento", *json.loads(sys.argv[1])]
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code
sys.__stdout__.write("\\nMODULES " + json.dumps({"code": code, "modules": sorted(sys.modules)}) + "\\n")
"""


#: settings that add services to a run (a tracking server, a remote server, …): not this test's trivial run
_SCRUBBED = ("ARGENTO_", "MLFLOW_", "BENTOML_", "YATAI_", "RAY_")


def _argento(args: list[str], home: Path, server: str = "") -> tuple[int, list[str], str]:
    """(exit code, sys.modules, stdout) of ``argento ARGS`` in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED)}
    env["ARGENTO_HOME"] = str(home)
    if server:
        env["ARGENTO_SERVER"] = server
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)], env=env, capture_output=True, text=True, timeout=120
    )
    out, _, line = proc.stdout.rpartition("\nMODULES ")
    assert line, proc.stderr
    data = json.loads(line)
    return data["code"], data["modules"], out


def _run(path: Path, home: Path) -> tuple[int, list[str]]:
    code, modules, _ = _argento(["run", "-o", "name", str(path)], home)
    return code, modules


def _loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in names)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[str]]:
    tmp = tmp_path_factory.mktemp("budget")
    path = tmp / "wf.yaml"
    path.write_text(WORKFLOW)
    home = tmp / "home"
    cold_code, cold = _run(path, home)
    warm_code, warm = _run(path, home)
    assert (cold_code, warm_code) == (0, 0)
    return cold, warm


def test_a_first_run_stays_within_its_import_budget(runs: tuple[list[str], list[str]]) -> None:
    cold, _ = runs
    assert _loaded(cold, NEVER) == []
    assert len(cold) <= COLD_BUDGET, f"{len(cold)} modules > {COLD_BUDGET}"


def test_a_run_of_a_checked_manifest_skips_parsing_and_stays_within_its_budget(
    runs: tuple[list[str], list[str]],
) -> None:
    _, warm = runs
    assert _loaded(warm, NEVER + NOT_WHEN_WARM) == []
    assert len(warm) <= WARM_BUDGET, f"{len(warm)} modules > {WARM_BUDGET}"


@pytest.fixture(scope="module")
def client_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, list[str]]]:
    """Each client command's (exit code, modules) against a live ``argento server`` (fake executor)."""
    tmp = tmp_path_factory.mktemp("client-budget")
    path = tmp / "wf.yaml"
    path.write_text(WORKFLOW.replace("name: budget", "generateName: budget-"))
    home = tmp / "client-home"
    out: dict[str, tuple[int, list[str]]] = {}
    with ServerProcess(tmp_path_factory.mktemp("server-home"), "--executor", "fake") as server:
        code, modules, stdout = _argento(["submit", "-o", "name", str(path)], home, server.url)
        out["submit"] = (code, modules)
        name = stdout.strip().splitlines()[-1] if code == 0 else ""
        assert name, stdout
        code, modules, _ = _argento(["submit", "-o", "name", str(path)], home, server.url)
        out["submit, warm"] = (code, modules)
        for verb in ("wait", "get", "logs", "list", "delete"):
            code, modules, _ = _argento([verb, name] if verb != "list" else [verb], home, server.url)
            out[verb] = (code, modules)
    return out


@pytest.mark.parametrize("verb", ["get", "list", "delete", "logs", "wait"])
def test_a_client_command_imports_no_httpx_and_stays_within_its_budget(
    client_runs: dict[str, tuple[int, list[str]]], verb: str
) -> None:
    code, modules = client_runs[verb]
    assert code == 0
    assert _loaded(modules, CLIENT_NEVER + CLIENT_NEVER_BUT_SUBMIT) == []
    assert len(modules) <= CLIENT_BUDGET, f"{len(modules)} modules > {CLIENT_BUDGET}"


def test_submit_imports_no_httpx_and_stays_within_its_budget(
    client_runs: dict[str, tuple[int, list[str]]],
) -> None:
    code, modules = client_runs["submit"]
    assert code == 0
    assert _loaded(modules, CLIENT_NEVER) == []
    assert len(modules) <= SUBMIT_BUDGET, f"{len(modules)} modules > {SUBMIT_BUDGET}"


def test_submit_of_files_it_checked_before_parses_nothing(
    client_runs: dict[str, tuple[int, list[str]]],
) -> None:
    """The second submit of the same bytes takes the checked entry (`argento.cli.checked`): no YAML, no models."""
    code, modules = client_runs["submit, warm"]
    assert code == 0
    assert _loaded(modules, CLIENT_NEVER + CLIENT_NEVER_BUT_SUBMIT) == []
    assert len(modules) <= CLIENT_BUDGET, f"{len(modules)} modules > {CLIENT_BUDGET}"
