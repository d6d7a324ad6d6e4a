"""Memoization entries in the artifact repository: two machines (two ARGENTO_HOMEs) sharing one S3 bucket.

Argo keys an entry by its cache ConfigMap's name and ``memoize.key`` (workflow/controller/cache/
configmap_cache.go); the repository holds it at ``argento-cache/<namespace>/<cache name>/<key>.json``.
S3 is moto's server on 127.0.0.1 (``art_support.MotoServer``); steps run on the local executor.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from art_support import BUCKET, MotoServer, make_secrets
from click.testing import CliRunner

from argento.cli.main import cli
from argento.config import Settings
from argento.engine.shared_cache import object_key

PIPE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: shared-}
spec:
  entrypoint: main
  arguments: {parameters: [{name: who, value: laptop}]}
  templates:
  - name: main
    dag:
      tasks:
      - {name: gen, template: gen}
      - {name: use, depends: gen, template: use,
         arguments: {artifacts: [{name: d, from: "{{tasks.gen.outputs.artifacts.d}}"}]}}
      - {name: memo, template: memo}
  - name: gen
    script:
      image: python:3.11
      command: [python]
      source: |
        import pathlib, time
        pathlib.Path("/tmp/d.txt").write_text(str(time.time_ns()))
    outputs: {artifacts: [{name: d, path: /tmp/d.txt}]}
  - name: use
    inputs: {artifacts: [{name: d, path: /tmp/d.txt}]}
    script: {image: alpine, command: [sh], source: "cat /tmp/d.txt"}
  - name: memo
    memoize: {key: "v1-{{workflow.parameters.who}}", cache: {configMap: {name: team-cache}}}
    script: {image: alpine, command: [sh], source: "date +%s%N"}
"""


def _machine(tmp_path: Path, name: str, s3: MotoServer) -> dict[str, str]:
    home = tmp_path / name
    home.mkdir()
    make_secrets(Settings(home=home))
    url = f"s3://{BUCKET}?endpoint={s3.endpoint}&insecure=true&secret=s3-creds"
    return {
        "ARGENTO_HOME": str(home),
        "ARGENTO_ARTIFACT_REPOSITORY": url,
        "ARGENTO_CACHE": "repository",
        "ARGENTO_SERVER": "",
    }


def _run(env: dict[str, str], path: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["run", str(path), "-o", "json", *args], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _nodes(wf: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["displayName"]: n for n in wf["status"]["nodes"].values()}


def test_a_laptop_and_ci_share_hits_through_the_bucket(tmp_path: Path, s3: MotoServer) -> None:
    path = tmp_path / "pipe.yaml"
    path.write_text(PIPE)
    laptop, ci = _machine(tmp_path, "laptop", s3), _machine(tmp_path, "ci", s3)

    first = _nodes(_run(laptop, path, "--cache"))
    assert {d: first[d]["memoizationStatus"]["hit"] for d in ("gen", "use", "memo")} == {
        "gen": False,
        "use": False,
        "memo": False,
    }
    keys = {o["Key"] for o in s3.client().list_objects_v2(Bucket=BUCKET)["Contents"]}
    # Argo's key: the cache ConfigMap's name and memoize.key
    assert object_key("", "argo", "team-cache", "v1-laptop") in keys
    assert object_key("", "argo", "argento-cache", first["gen"]["memoizationStatus"]["key"]) in keys

    # another machine, nothing local in common: every step hits, outputs are the laptop's
    second = _nodes(_run(ci, path, "--cache"))
    assert all(second[d]["memoizationStatus"]["hit"] for d in ("gen", "use", "memo"))
    assert second["use"]["outputs"] == first["use"]["outputs"]
    assert second["memo"]["outputs"]["result"] == first["memo"]["outputs"]["result"]

    # the artifact the laptop's `gen` stored feeds a step CI runs: `use` changed, gen still hits
    changed = tmp_path / "changed.yaml"
    changed.write_text(PIPE.replace('source: "cat /tmp/d.txt"', 'source: "cat /tmp/d.txt; echo; echo !"'))
    third = _nodes(_run(ci, changed, "--cache"))
    assert third["gen"]["memoizationStatus"]["hit"] is True
    assert third["use"]["memoizationStatus"]["hit"] is False
    assert third["use"]["outputs"]["result"] == first["use"]["outputs"]["result"] + "\n!"

    # memoize without --cache uses the shared entries too; a new key misses
    assert _nodes(_run(ci, path))["memo"]["memoizationStatus"]["hit"] is True
    assert _nodes(_run(ci, path, "-p", "who=ci"))["memo"]["memoizationStatus"]["hit"] is False


def test_an_unreachable_cache_is_a_miss_not_a_failure(tmp_path: Path, s3: MotoServer) -> None:
    path = tmp_path / "pipe.yaml"
    path.write_text(PIPE)
    env = _machine(tmp_path, "offline", s3)
    env["ARGENTO_CACHE"] = f"s3://no-such-bucket?endpoint={s3.endpoint}&insecure=true&secret=s3-creds"
    wf = _run(env, path, "--cache")
    assert wf["status"]["phase"] == "Succeeded"
    assert all(n["memoizationStatus"]["hit"] is False for d, n in _nodes(wf).items() if d in ("gen", "use"))


def test_ci_reruns_a_laptop_run_through_the_bucket(tmp_path: Path, s3: MotoServer) -> None:
    path = tmp_path / "pipe.yaml"
    path.write_text(PIPE)
    laptop, ci = _machine(tmp_path, "laptop", s3), _machine(tmp_path, "ci", s3)
    first = _run(laptop, path)
    name = first["metadata"]["name"]
    # CI has no such local run: it comes from the shared repository, and its artifacts too
    result = CliRunner().invoke(cli, ["rerun", name, "--from", "use", "-o", "json"], env=ci)
    assert result.exit_code == 0, result.output
    nodes, old = _nodes(json.loads(result.stdout)), _nodes(first)
    assert nodes["gen"]["memoizationStatus"]["cacheName"] == "argento-rerun"
    assert nodes["use"]["outputs"]["result"] == old["use"]["outputs"]["result"]  # read gen's artifact from S3
    assert (Path(ci["ARGENTO_HOME"]) / "runs" / name / "workflow.json").is_file()
