"""`argento run` with images the table does not map, strict images, and the isolation warning (issues 16.1,
14.3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from argento.cli.main import cli

UNMAPPED = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: unmapped}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: tool}
      - {name: b, template: tool}
  - name: tool
    container: {image: "myorg/tool:1.0", command: [sh, -c], args: ["echo from the host"]}
"""


def _run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    path = tmp_path / "wf.yaml"
    path.write_text(UNMAPPED)
    result = CliRunner().invoke(cli, ["run", str(path), "-o", "json", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_an_unmapped_image_runs_on_the_host_with_one_warning(tmp_path: Path, argento_home: Path) -> None:
    code, out, err = _run(tmp_path)
    assert code == 0, err
    wf = json.loads(out)
    assert wf["status"]["phase"] == "Succeeded"
    pods = [n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]
    assert [n["outputs"].get("exitCode") for n in pods] == ["0", "0"] and not any(
        n.get("message") for n in pods
    )
    # Argo keeps a node's message for failures: the warning is a workflow condition, once per image …
    warnings = [c for c in wf["status"]["conditions"] if c["type"] == "SpecWarning"]
    assert len(warnings) == 1 and warnings[0]["status"] == "True"
    assert warnings[0]["message"].startswith('image "myorg/tool:1.0" has no local runtime mapping')
    # … a line on stderr before the run (with the manifest's location) …
    assert err.count("has no local runtime mapping") == 1 and "wf.yaml:13:" in err
    # … and the first line of each step's log.
    log = (argento_home / "runs" / "unmapped").rglob("main.log")
    assert all(p.read_text().startswith('argento: warning: image "myorg/tool:1.0"') for p in log)


def test_strict_images_refuse_it(tmp_path: Path, argento_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = _run(tmp_path, "--strict-images")
    assert code == 1
    wf = json.loads(out)
    pods = [n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]
    assert {n["phase"] for n in pods} == {"Error"}
    assert all("no local runtime mapping (strict images)" in n["message"] for n in pods)
    monkeypatch.setenv("ARGENTO_STRICT_IMAGES", "1")
    code, _, _ = _run(tmp_path)
    assert code == 1


def test_rewrite_mode_warns_that_steps_are_not_isolated(
    tmp_path: Path, argento_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARGENTO_ISOLATION", "rewrite")
    code, _, err = _run(tmp_path)
    assert code == 0
    assert "warning: steps are not isolated" in err and "secret store" in err


def test_server_warns_at_start_up_and_takes_strict_images(
    argento_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    import argento.server
    from argento import logrepeat

    served: list[object] = []

    class Started:  # start-up only, no serving
        started = True

        def __init__(self, config: uvicorn.Config) -> None:
            served.append(config.app)

        def run(self) -> None:
            pass

    monkeypatch.setattr(uvicorn, "Server", Started)
    monkeypatch.setattr(logrepeat, "install", lambda: None)  # leave this process's logging alone
    monkeypatch.setattr(argento.server, "create_app", lambda settings, **kw: settings)
    monkeypatch.setenv("ARGENTO_ISOLATION", "rewrite")
    result = CliRunner().invoke(cli, ["server", "--port", "0", "--strict-images"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "warning: steps are not isolated" in result.stderr
    assert [s.strict_images for s in served] == [True]  # type: ignore[attr-defined]
    monkeypatch.setenv("ARGENTO_ISOLATION", "auto")
    result = CliRunner().invoke(cli, ["server", "--port", "0"], catch_exceptions=False)
    if exec_namespaces():
        assert "not isolated" not in result.stderr


def exec_namespaces() -> bool:
    from argento.executors.sandbox import detect

    try:
        detect("namespace").close()
    except OSError:
        return False
    return True
