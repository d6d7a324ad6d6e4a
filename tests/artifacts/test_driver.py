"""Driver features through the engine: http/git/raw inputs, mode, optional, archiveLogs, GC, and the CLI."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from art_support import ARTIFACT_PASSING, make_driver, nodes, run_workflow, start_thread
from click.testing import CliRunner

from argento.cli.main import cli
from argento.config import Settings
from argento.secrets import SecretStore


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/private.txt":
            expected = "Basic " + base64.b64encode(b"user:pa55word").decode()
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.end_headers()
                return
        if self.path in ("/file.txt", "/private.txt"):
            body = b"downloaded over http\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def http_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    start_thread(server.serve_forever)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _one_step(inputs: list[dict[str, Any]], args: str, **tmpl: Any) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "drv-"},
        "spec": {"entrypoint": "main", "templates": [{
            "name": "main", "inputs": {"artifacts": inputs},
            "container": {"image": "busybox", "command": ["sh", "-c"], "args": [args]}, **tmpl}]},
    }


def _log(settings: Settings, wf: dict[str, Any]) -> str:
    return (settings.runs_dir / wf["metadata"]["name"] / wf["metadata"]["name"] / "main.log").read_text()


def test_http_inputs(http_url: str, settings: Settings) -> None:
    SecretStore(settings.home).create("argo", "web", {"user": "user", "password": "pa55word"})
    auth = {"basicAuth": {"usernameSecret": {"name": "web", "key": "user"},
                          "passwordSecret": {"name": "web", "key": "password"}}}
    wf = _one_step([
        {"name": "public", "path": "/in/public.txt", "http": {"url": f"{http_url}/file.txt"}},
        {"name": "private", "path": "/in/private.txt", "http": {"url": f"{http_url}/private.txt", "auth": auth}},
        {"name": "missing", "path": "/in/missing", "optional": True, "http": {"url": f"{http_url}/nope"}},
        {"name": "tool", "path": "/in/tool", "mode": 0o755, "raw": {"data": "#!/bin/sh\necho tool ran\n"}},
    ], "cat /in/public.txt /in/private.txt; test -e /in/missing || echo no-missing; /in/tool")
    out = run_workflow(wf, settings, make_driver(settings))
    assert out["status"]["phase"] == "Succeeded", out["status"].get("message")
    assert _log(settings, out) == "downloaded over http\ndownloaded over http\nno-missing\ntool ran\n"
    assert "pa55word" not in json.dumps(out)

    wf = _one_step([{"name": "missing", "path": "/in/m", "http": {"url": f"{http_url}/nope"}}], "true")
    out = run_workflow(wf, settings, make_driver(settings))
    [node] = out["status"]["nodes"].values()
    assert node["phase"] == "Error"
    assert node["message"].startswith("artifact missing failed to load: loading file from HTTP: 404 Not Found")


def test_git_input(tmp_path: Path, settings: Settings) -> None:
    repo = tmp_path / "repo"
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e"}

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], env=env, check=True, capture_output=True,
                              text=True).stdout.strip()

    repo.mkdir()
    git("init", "-q", "-b", "main")
    (repo / "README").write_text("first\n")
    git("add", "README")
    git("commit", "-q", "-m", "one")
    first = git("rev-parse", "HEAD")
    (repo / "README").write_text("second\n")
    git("commit", "-q", "-am", "two")
    wf = _one_step([{"name": "src", "path": "/src", "git": {"repo": f"file://{repo}", "revision": first,
                                                            "depth": 1}}], "cat /src/README")
    out = run_workflow(wf, settings, make_driver(settings))
    assert out["status"]["phase"] == "Succeeded", out["status"].get("message")
    assert _log(settings, out) == "first\n"


def test_archive_logs_also_after_failure_and_gc(settings: Settings) -> None:
    wf = {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "logs-"},
        "spec": {"entrypoint": "main", "archiveLogs": True, "artifactGC": {"strategy": "OnWorkflowCompletion"},
                 "templates": [
                     {"name": "main", "steps": [[{"name": "ok", "template": "ok"}], [{"name": "bad", "template": "bad"}]]},
                     {"name": "ok", "container": {"image": "busybox", "command": ["sh", "-c"],
                                                  "args": ["echo keep me; echo data > /tmp/d"]},
                      "outputs": {"artifacts": [
                          {"name": "d", "path": "/tmp/d"},
                          {"name": "kept", "path": "/tmp/d", "artifactGC": {"strategy": "Never"}}]}},
                     {"name": "bad", "container": {"image": "busybox", "command": ["sh", "-c"],
                                                   "args": ["echo about to fail; exit 3"]}},
                 ]},
    }
    out = run_workflow(wf, settings, make_driver(settings))
    by = nodes(out)
    assert out["status"]["phase"] == "Failed"
    ok = {a["name"]: a for a in by["ok"]["outputs"]["artifacts"]}
    assert ok["d"]["deleted"] is True and "deleted" not in ok["kept"]  # GC OnWorkflowCompletion vs Never
    assert ok["main-logs"]["s3"]["key"].endswith("/main.log")
    [bad_log] = by["bad"]["outputs"]["artifacts"]
    root = settings.home / "artifacts"
    assert (root / bad_log["s3"]["key"]).read_text() == "about to fail\n"
    assert (root / ok["main-logs"]["s3"]["key"]).read_text() == "keep me\n"
    assert not (root / ok["d"]["s3"]["key"]).exists() and (root / ok["kept"]["s3"]["key"]).exists()


def test_archive_logs_of_a_container_set_has_one_artifact_per_container(settings: Settings) -> None:
    wf = {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "set-logs-"},
        "spec": {"entrypoint": "main", "archiveLogs": True, "templates": [
            {"name": "main", "containerSet": {"containers": [
                {"name": "prep", "image": "busybox", "command": ["sh", "-c"], "args": ["echo from prep"]},
                {"name": "main", "image": "busybox", "command": ["sh", "-c"], "args": ["echo from main"],
                 "dependencies": ["prep"]},
            ]}},
        ]},
    }
    out = run_workflow(wf, settings, make_driver(settings))
    assert out["status"]["phase"] == "Succeeded", out["status"].get("message")
    pod = next(n for n in out["status"]["nodes"].values() if n["type"] == "Pod")
    logs = {a["name"]: a for a in pod["outputs"]["artifacts"]}
    assert set(logs) == {"main-logs", "prep-logs"}
    root = settings.home / "artifacts"
    assert (root / logs["prep-logs"]["s3"]["key"]).read_text() == "from prep\n"
    assert (root / logs["main-logs"]["s3"]["key"]).read_text() == "from main\n"


def test_missing_output_wording(settings: Settings) -> None:
    wf = _one_step([], "true", outputs={"artifacts": [{"name": "opt", "path": "/tmp/nope", "optional": True},
                                                      {"name": "req", "path": "/tmp/absent.txt"}]})
    out = run_workflow(wf, settings, make_driver(settings))
    [node] = out["status"]["nodes"].values()
    assert node["phase"] == "Error" and node["message"] == "/tmp/absent.txt no such file or directory"


def test_cli_ls_and_get(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARGENTO_SLEEP_SCALE", "0.02")
    example = tmp_path / "artifact-passing.yaml"
    example.write_text(ARTIFACT_PASSING)
    runner = CliRunner()
    result = runner.invoke(cli, ["run", str(example), "-o", "name"])
    assert result.exit_code == 0, result.output
    name = result.stdout.strip().splitlines()[-1]
    result = runner.invoke(cli, ["artifacts", "ls", name, "-o", "json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["name"] == "hello-art" and row["node"] == "generate-artifact" and row["size"] > 0
    result = runner.invoke(cli, ["artifacts", "ls", name, "generate-artifact"])
    assert "hello-art" in result.stdout and "LOCATION" in result.stdout
    dest = tmp_path / "dl"
    dest.mkdir()
    result = runner.invoke(cli, ["artifacts", "get", name, "--to", str(dest)])
    assert result.exit_code == 0, result.output
    assert (dest / "hello-art").read_text() == "hello world\n"
    result = runner.invoke(cli, ["artifacts", "get", name, "--raw", "--to", str(dest)])
    assert (dest / "hello-art.tgz").exists()
    result = runner.invoke(cli, ["artifacts", "ls", "no-such-workflow"])
    assert result.exit_code == 2 and 'workflow "no-such-workflow" not found' in result.output
