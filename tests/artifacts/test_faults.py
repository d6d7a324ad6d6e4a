"""SPEC §6 R5: S3 down, bucket missing, disk full during an artifact upload → the node ends Error with a clear
message, the workflow's state stays consistent, and a re-run succeeds once the fault is gone."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from art_support import (
    ARTIFACT_PASSING,
    BUCKET,
    CREDS,
    READ_KEY,
    MotoServer,
    free_port,
    make_driver,
    nodes,
    run_workflow,
    s3_spec,
)

from argento.config import Settings

BIG_OUTPUT = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: big-output-}
spec:
  entrypoint: main
  templates:
  - name: main
    container:
      image: busybox
      command: [sh, -c]
      args: ["head -c 300000 /dev/urandom > /tmp/big.bin"]
    outputs:
      artifacts:
      - {name: big, path: /tmp/big.bin, archive: {none: {}}}
"""


def _assert_consistent_error(wf: dict[str, Any], node: str, needle: str) -> str:
    status = wf["status"]
    assert status["phase"] in ("Failed", "Error")
    assert status.get("finishedAt")
    by_name = nodes(wf)
    assert by_name[node]["phase"] == "Error"
    message = by_name[node]["message"]
    assert needle in message, message
    assert not any(n["phase"] in ("Running", "Pending") for n in status["nodes"].values())
    assert "consume-artifact" not in by_name  # nothing ran after the failed save
    for value in CREDS.values():
        assert value not in str(wf)
    return message


def test_s3_unreachable_then_recovers(settings: Settings) -> None:
    port = free_port()  # nothing listens there yet
    repo = {"s3": s3_spec(f"127.0.0.1:{port}")}
    wf = run_workflow(ARTIFACT_PASSING, settings, make_driver(settings, repo))
    message = _assert_consistent_error(wf, "generate-artifact", f"cannot reach S3 endpoint http://127.0.0.1:{port}")
    assert message.startswith("failed to save artifact hello-art:")

    server = MotoServer(port).start()  # the fault is gone
    try:
        server.client().create_bucket(Bucket=BUCKET)
        wf = run_workflow(ARTIFACT_PASSING, settings, make_driver(settings, repo))
        assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    finally:
        server.stop()


def test_bucket_missing_then_created(s3: MotoServer, settings: Settings) -> None:
    repo = {"s3": s3_spec(s3.endpoint, bucket="not-there-yet")}
    wf = run_workflow(ARTIFACT_PASSING, settings, make_driver(settings, repo))
    _assert_consistent_error(wf, "generate-artifact", "bucket 'not-there-yet' does not exist at S3 endpoint")

    s3.client().create_bucket(Bucket="not-there-yet")
    wf = run_workflow(ARTIFACT_PASSING, settings, make_driver(settings, repo))
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")


def test_input_missing_in_s3_is_a_clear_error(s3: MotoServer, settings: Settings) -> None:
    out = run_workflow(READ_KEY, settings, make_driver(settings, {"s3": s3_spec(s3.endpoint)}))
    node = nodes(out)["consume"]
    assert node["phase"] == "Error"
    assert node["message"] == f"artifact file failed to load: key my-file does not exist in s3://{BUCKET}"


@contextlib.contextmanager
def _tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_disk_full_then_space_freed(tmp_path: Path, settings: Settings) -> None:
    with _tmpfs(tmp_path / "tiny", "128k") as tiny:
        (tiny / "keep.txt").write_text("stored before the fault\n")
        repo = {"local": {"path": str(tiny)}}
        wf = run_workflow(BIG_OUTPUT, settings, make_driver(settings, repo))
        status = wf["status"]
        [node] = [n for n in status["nodes"].values() if n["type"] == "Pod"]
        assert status["phase"] == "Error" and node["phase"] == "Error"
        assert "no space left on device while writing" in node["message"], node["message"]
        assert str(tiny) in node["message"]
        # Atomic writes: no partial object, no temp file left behind, earlier data intact.
        left = sorted(p.name for p in tiny.rglob("*") if p.is_file())
        assert left == ["keep.txt"], left
        assert (tiny / "keep.txt").read_text() == "stored before the fault\n"

        subprocess.run(["mount", "-o", "remount,size=2m", str(tiny)], check=True)  # the fault is gone
        wf = run_workflow(BIG_OUTPUT, settings, make_driver(settings, repo))
        assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
        [node] = [n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]
        key = node["outputs"]["artifacts"][0]["s3"]["key"]
        assert os.path.getsize(tiny / key) == 300000
