"""The CLI half of the fact harness: one real ``argento server`` per module, the real ``argento`` CLI as
subprocesses against it (Argo's ``RunCli``: combined stdout and stderr, and the exit code).

Argo's CLI suite starts each test on an empty cluster; here each test takes a namespace of its own
(``Cli.ns``), so ``list`` shows only the test's workflows and ``@latest`` is the test's newest one.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from serverconf import ServerProcess
from wait import eventually

ARGENTO = str(Path(sys.executable).with_name("argento"))
FINISHED = ("Succeeded", "Failed", "Error")
_NAMESPACES = itertools.count(1)


@dataclass
class Out:
    """What one CLI call left: its exit code and its combined output."""

    code: int
    text: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.text.splitlines() if line.strip()]

    def json(self) -> Any:
        return json.loads(self.text)


@dataclass
class Cli:
    """The CLI and the API of the module's server, in one namespace (``ns``)."""

    url: str
    home: Path
    tmp: Path
    ns: str

    def __call__(self, *args: str, stdin: str | None = None, timeout: float = 60.0) -> Out:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARGENTO_")}
        env.update(ARGENTO_SERVER=self.url, ARGENTO_NAMESPACE=self.ns, ARGENTO_HOME=str(self.home))
        proc = subprocess.run(
            [ARGENTO, *args],
            input=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            timeout=timeout,
            cwd=self.tmp,
        )
        return Out(proc.returncode, proc.stdout)

    def file(self, text: str, name: str = "wf.yaml") -> str:
        """Write ``text`` (dedented) under the test's folder; its path."""
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
        return str(path)

    # -- the API, for set-up and for the resulting state -----------------------------------------------
    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, self.url + path, timeout=30, **kwargs)

    def get(self, name: str) -> dict[str, Any]:
        r = self.api("GET", f"/api/v1/workflows/{self.ns}/{name}")
        assert r.status_code == 200, r.text
        return dict(r.json())

    def names(self) -> list[str]:
        r = self.api("GET", f"/api/v1/workflows/{self.ns}", params={"fields": "items.metadata.name"})
        return sorted(i["metadata"]["name"] for i in r.json().get("items") or [])

    def submit(self, text: str, *args: str) -> str:
        """``argento submit -o name``; the created workflow's name."""
        out = self("submit", self.file(text, "submitted.yaml"), "-o", "name", *args)
        assert out.code == 0, out.text
        return out.lines[-1]

    def wait_for(
        self, name: str, until: Callable[[dict[str, Any]], bool] | None = None, timeout: float = 30.0
    ) -> dict[str, Any]:
        """The workflow once ``until`` holds (default: it finished)."""
        return eventually(
            lambda: self.get(name),
            until=until or (lambda wf: phase(wf) in FINISHED),
            timeout=timeout,
            what=f"workflow {name}",
        )

    def create_template(self, text: str, *, cluster: bool = False) -> None:
        import yaml

        body = yaml.safe_load(textwrap.dedent(text))
        path = "/api/v1/cluster-workflow-templates" if cluster else f"/api/v1/workflow-templates/{self.ns}"
        r = self.api("POST", path, json={"namespace": self.ns, "template": body})
        assert r.status_code == 200, r.text


def phase(wf: dict[str, Any]) -> str:
    return str((wf.get("status") or {}).get("phase") or "")


def nodes(wf: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Nodes by display name (the first of each name)."""
    out: dict[str, dict[str, Any]] = {}
    for node in ((wf.get("status") or {}).get("nodes") or {}).values():
        out.setdefault(str(node.get("displayName")), node)
    return out


def suspended(wf: dict[str, Any]) -> bool:
    """Argo's ``AnyActiveSuspendNode``."""
    return any(
        n.get("type") == "Suspend" and n.get("phase") == "Running"
        for n in ((wf.get("status") or {}).get("nodes") or {}).values()
    )


@pytest.fixture(scope="module")
def cli_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One ``argento server`` for the module (its own ARGENTO_HOME, 127.0.0.1, a free port)."""
    with ServerProcess(tmp_path_factory.mktemp("cli-facts-server")) as proc:
        yield proc


def new_cli(url: str, tmp: Path) -> Cli:
    """The CLI against the server at ``url``, in a fresh namespace, its files and client home under ``tmp``."""
    home = tmp / "client-home"
    home.mkdir()
    return Cli(url, home, tmp, f"cli{next(_NAMESPACES)}")


@pytest.fixture
def cli(cli_server: ServerProcess, tmp_path: Path) -> Cli:
    """The CLI against the module's server, in a namespace of the test's own."""
    return new_cli(cli_server.url, tmp_path)


# -- what several CLI fact modules share ---------------------------------------------------------------------
CAT = "cli-e2e"
E2E = "test/e2e/cli_test.go"

BASIC = """
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata:
      generateName: basic-
    spec:
      entrypoint: run-workflow
      templates:
        - name: run-workflow
          container:
            image: argoproj/argosay:v2
            args: [echo, ":) Hello Argo!"]
    """

EXIT_1 = """
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata:
      generateName: exit-1-
      labels:
        workflows.argoproj.io/test: "true"
    spec:
      entrypoint: exit
      templates:
        - name: exit
          container:
            image: argoproj/argosay:v2
            args: [exit, "1"]
    """

#: The lines of the summary `argo submit`/`get` print (Argo's e2e tests check them).
SUMMARY = ("Name:", "Namespace:", "ServiceAccount:", "Status:", "Created:")


def created_name(text: str) -> str:
    found = re.search(r"^Name:\s+(\S+)", text, re.M)
    assert found, text
    return found.group(1)
