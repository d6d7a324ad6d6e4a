"""The seed guide (``../shared/seed/mlops-workflows-guide.md``), read at test time: its code blocks, found by the
heading they sit under, and what tests/seed needs to run them as written.

Nothing here edits a block. Template fragments (a ``- name: …`` list item) are wrapped into a Workflow whose
``templates`` are the fragment itself; pseudo-code the guide leaves undefined comes from ``pseudocode/``.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
GUIDE = REPO.parent / "shared" / "seed" / "mlops-workflows-guide.md"
#: The folder whose ``sitecustomize`` defines ``model``, ``train_model`` and ``data_chunks``.
PSEUDOCODE = HERE / "pseudocode"

_FENCE = re.compile(r"^```(\w*)\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced code block: its language, text, 1-based line and the headings above it (outermost first)."""

    index: int
    lang: str
    text: str
    line: int
    headings: tuple[str, ...]

    @property
    def heading(self) -> str:
        """The nearest heading."""
        return self.headings[-1] if self.headings else ""

    @property
    def key(self) -> tuple[str, str]:
        """``(section, language)`` with the top-level section: identifies a block across edits of the guide."""
        return (f"{self.headings[1] if len(self.headings) > 1 else ''} / {self.heading}", self.lang)

    def __str__(self) -> str:
        return f"block {self.index} ({self.lang}, line {self.line}, under {self.heading!r})"


def blocks(text: str | None = None) -> list[Block]:
    """Every fenced code block of the guide, in order."""
    lines = (GUIDE.read_text() if text is None else text).splitlines()
    out: list[Block] = []
    stack: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        heading = _HEADING.match(lines[i])
        fence = _FENCE.match(lines[i])
        if heading:
            level = len(heading.group(1))
            stack = [(lvl, h) for lvl, h in stack if lvl < level] + [(level, heading.group(2))]
        elif fence:
            start, body = i + 2, []  # 1-based line of the first code line
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            out.append(
                Block(
                    len(out),
                    fence.group(1) or "text",
                    "\n".join(body) + "\n",
                    start,
                    tuple(h for _, h in stack),
                )
            )
        i += 1
    return out


def find(heading: str, lang: str, *, under: str | None = None) -> Block:
    """The one block of language ``lang`` under ``heading`` (and, to tell twins apart, under section ``under``)."""
    found = [
        b
        for b in blocks()
        if b.heading == heading and b.lang == lang and (under is None or under in b.headings)
    ]
    assert len(found) == 1, f"the guide has {len(found)} {lang} block(s) under {heading!r} (under {under!r})"
    return found[0]


def wrap(
    fragment: str, *, template_defaults: dict[str, Any] | None = None, name: str = "guide"
) -> dict[str, Any]:
    """A Workflow whose ``templates`` are the fragment's list items, unedited, entry point the first one."""
    templates = yaml.safe_load(fragment)
    assert isinstance(templates, list) and templates and "name" in templates[0], "not a template fragment"
    spec: dict[str, Any] = {"entrypoint": templates[0]["name"], "templates": templates}
    if template_defaults:
        spec["templateDefaults"] = template_defaults
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": f"{name}-"},
        "spec": spec,
    }


def pseudocode_defaults() -> dict[str, Any]:
    """``templateDefaults`` giving every step the pseudo-code folder on ``PYTHONPATH`` (merged by name with the
    template's own ``env``, as Argo merges template defaults)."""
    return {"container": {"env": [{"name": "PYTHONPATH", "value": str(PSEUDOCODE)}]}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def argento(
    *args: str,
    env: Mapping[str, str],
    cwd: Path | None = None,
    timeout: float = 300,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the ``argento`` CLI of this checkout."""
    return subprocess.run(
        [sys.executable, "-m", "argento", *args],
        capture_output=True,
        text=True,
        env=dict(env),
        cwd=cwd,
        timeout=timeout,
        input=stdin,
    )


@dataclass
class Platform:
    """``argento up`` (server + MLflow) on free ports with its own home: what the guide's cluster is here."""

    home: Path
    env: dict[str, str]
    server: str
    mlflow: str

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.server, trust_env=False, timeout=30)

    def wait_deployment(self, name: str, *, timeout: float = 240) -> dict[str, Any]:
        """The deployment once every replica is ready."""
        deadline = time.monotonic() + timeout
        with self.client() as http:
            while True:
                resp = http.get(f"/api/v1/deployments/{name}/wait", params={"timeout": 10})
                if resp.status_code == 200:
                    return resp.json()
                assert time.monotonic() < deadline, f"deployment {name} not ready: {resp.text}"

    def predict(self, deployment: str, body: Any, route: str = "predict") -> Any:
        with self.client() as http:
            resp = http.post(f"/deployments/{deployment}/{route}", json=body)
        assert resp.status_code == 200, resp.text
        return resp.json()


@contextmanager
def platform(home: Path, *, mlflow: bool = True) -> Iterator[Platform]:
    """Start ``argento up -d`` in ``home``; ``argento down`` at the end (everything stopped by PID)."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARGENTO_", "MLFLOW_"))}
    env.update(
        ARGENTO_HOME=str(home),
        ARGENTO_SERVER=f"http://127.0.0.1:{port}",
        PYTHONPATH=os.pathsep.join([str(PSEUDOCODE), *filter(None, [os.environ.get("PYTHONPATH")])]),
    )
    args = ["up", "-d", "--port", str(port), "-o", "json"]
    args += ["--mlflow-port", str(free_port())] if mlflow else ["--no-mlflow"]
    proc = argento(*args, env=env, timeout=240)
    assert proc.returncode == 0, proc.stderr
    state = json.loads(proc.stdout)
    try:
        yield Platform(home, env, state["server"]["url"], (state.get("mlflow") or {}).get("url", ""))
    finally:
        down = argento("down", env=env, timeout=120)
        assert down.returncode == 0, down.stderr


__all__ = [
    "GUIDE",
    "PSEUDOCODE",
    "Block",
    "Platform",
    "argento",
    "blocks",
    "find",
    "free_port",
    "platform",
    "pseudocode_defaults",
    "wrap",
]
