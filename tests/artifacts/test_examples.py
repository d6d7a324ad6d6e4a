"""Argo's artifact examples through the engine (local executor) on the local folder and on S3 (moto)."""

from __future__ import annotations

import copy
import io
import json
import tarfile
from typing import Any

import pytest
import yaml
from art_support import BUCKET, load, log_of, make_driver, nodes, run_workflow, s3_spec

from argento.config import Settings

EXAMPLES = [
    "examples/artifact-passing.yaml",
    "examples/artifact-path-placeholders.yaml",
    "examples/input-artifact-raw.yaml",
    "examples/key-only-artifact.yaml",
    "examples/global-outputs.yaml",
    "examples/conditional-artifacts.yaml",
    "examples/dag-conditional-artifacts.yaml",
    "examples/artifact-passing-subpath.yaml",
    "e2e/functional/artifact-input-output-samedir.yaml",
]


@pytest.fixture(params=["local", "s3"])
def repo(request: pytest.FixtureRequest, settings: Settings) -> dict[str, Any]:
    """The default repository of the run: the local folder, or the moto S3 bucket."""
    if request.param == "local":
        return {}
    server = request.getfixturevalue("s3")
    return {"s3": s3_spec(server.endpoint)}


def _objects(settings: Settings, repo: dict[str, Any], request: pytest.FixtureRequest) -> list[str]:
    if not repo:
        root = settings.home / "artifacts"
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    client = request.getfixturevalue("s3").client()
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_succeeds(example: str, repo: dict[str, Any], settings: Settings, request: pytest.FixtureRequest) -> None:
    wf = run_workflow(load(example), settings, make_driver(settings, repo))
    status = wf["status"]
    assert status["phase"] == "Succeeded", status.get("message")
    assert status["artifactRepositoryRef"]["default"] is True
    if "raw" not in example:
        assert _objects(settings, repo, request), "nothing was stored"


def test_artifact_passing_status_and_content(repo: dict[str, Any], settings: Settings) -> None:
    wf = run_workflow(load("examples/artifact-passing.yaml"), settings, make_driver(settings, repo))
    name = wf["metadata"]["name"]
    gen = nodes(wf)["generate-artifact"]
    from argento.cli.tree import pod_name

    # Argo's status shape for the default repository: key-only, <workflow>/<pod>/<artifact>.tgz
    assert gen["outputs"]["artifacts"] == [
        {"name": "hello-art", "path": "/tmp/hello_world.txt",
         "s3": {"key": f"{name}/{pod_name(wf, gen)}/hello-art.tgz"}}
    ]
    consume = nodes(wf)["consume-artifact"]
    assert consume["inputs"]["artifacts"][0]["s3"] == gen["outputs"]["artifacts"][0]["s3"]
    assert log_of(settings, wf, "consume-artifact").strip() == "hello world"


def test_disable_archive_and_subpath_contents(  # artifact-disable-archive uploads the host's /etc: slow-ish
repo: dict[str, Any], settings: Settings) -> None:
    wf = run_workflow(load("examples/artifact-disable-archive.yaml"), settings, make_driver(settings, repo))
    arts = {a["name"]: a for a in nodes(wf)["generate-artifact"]["outputs"]["artifacts"]}
    assert arts["hello-txt"]["s3"]["key"].endswith("/hello_world.txt")  # archive none: the file's own name
    assert arts["etc"]["s3"]["key"].endswith("/etc")  # a folder: objects under etc/
    assert arts["hello-txt-nc"]["s3"]["key"].endswith("/hello-txt-nc.tgz")
    out = log_of(settings, wf, "consume-artifact")
    assert out.startswith("hello world\nhello world\n") and "./passwd" in out

    wf = run_workflow(load("examples/artifact-passing-subpath.yaml"), settings, make_driver(settings, repo))
    assert "hello_world.txt" in log_of(settings, wf, "list-artifact")
    assert log_of(settings, wf, "consume-artifact").strip() == "hello world"


def test_global_outputs_record_workflow_artifact(repo: dict[str, Any], settings: Settings) -> None:
    wf = run_workflow(load("examples/global-outputs.yaml"), settings, make_driver(settings, repo))
    [art] = wf["status"]["outputs"]["artifacts"]
    assert art["name"] == "my-global-art" and art["s3"]["key"].endswith("/hello-art.tgz")
    assert log_of(settings, wf, "consume-global-art").strip() == "hello world"


def test_key_only_artifact_keeps_its_key(repo: dict[str, Any], settings: Settings, request: pytest.FixtureRequest) -> None:
    wf = run_workflow(load("examples/key-only-artifact.yaml"), settings, make_driver(settings, repo))
    assert nodes(wf)["generate"]["outputs"]["artifacts"][0]["s3"] == {"key": "my-file"}
    assert "my-file" in _objects(settings, repo, request)
    assert log_of(settings, wf, "consume").strip() == "hello"


def test_artifact_repository_ref_from_configmap(repo: dict[str, Any], settings: Settings, request: pytest.FixtureRequest) -> None:
    entry = yaml.safe_dump({"archiveLogs": True, **repo})
    configmaps = {"artifact-repositories": {"my-key": entry, "other": "s3: {bucket: nope}"}}
    wf = run_workflow(load("examples/artifact-repository-ref.yaml"), settings, make_driver(settings, {}),
                      configmaps=configmaps)
    status = wf["status"]
    assert status["phase"] == "Succeeded", status.get("message")
    ref = status["artifactRepositoryRef"]
    assert ref["configMap"] == "artifact-repositories" and ref["key"] == "my-key"
    names = [a["name"] for a in nodes(wf)[wf["metadata"]["name"]]["outputs"]["artifacts"]]
    assert names == ["hello_world", "main-logs"]  # archiveLogs from the referenced repository
    stored = _objects(settings, repo, request)
    assert any(k.endswith("/main.log") for k in stored) and any(k.endswith("/hello_world.tgz") for k in stored)


def test_artifact_repository_ref_missing_configmap_errors(settings: Settings) -> None:
    wf = run_workflow(load("examples/artifact-repository-ref.yaml"), settings, make_driver(settings, {}))
    assert wf["status"]["phase"] == "Error"
    assert 'configmap "artifact-repositories" not found' in wf["status"]["message"]


def _adapt(example: str, endpoint: str) -> dict[str, Any]:
    """The s3 examples pointed at the local endpoint and test bucket (an in-test copy; the corpus is untouched)."""
    wf = copy.deepcopy(load(example))
    for tmpl in wf["spec"]["templates"]:
        for side in ("inputs", "outputs"):
            for art in (tmpl.get(side) or {}).get("artifacts") or []:
                s3 = art["s3"]
                s3.update(endpoint=endpoint, insecure=True, bucket=BUCKET)
                s3["accessKeySecret"] = {"name": "s3-creds", "key": "accessKey"}
                s3["secretKeySecret"] = {"name": "s3-creds", "key": "secretKey"}
    return wf


def test_output_and_input_artifact_s3(s3: Any, settings: Settings) -> None:
    wf = run_workflow(_adapt("examples/output-artifact-s3.yaml", s3.endpoint), settings, make_driver(settings))
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    [art] = nodes(wf)[wf["metadata"]["name"]]["outputs"]["artifacts"]
    assert art["s3"]["key"] == "path/in/bucket/hello_world.txt.tgz" and art["s3"]["bucket"] == BUCKET
    body = s3.client().get_object(Bucket=BUCKET, Key="path/in/bucket/hello_world.txt.tgz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        assert "tmp/hello_world.txt" in tar.getnames()

    s3.client().put_object(Bucket=BUCKET, Key="path/in/bucket", Body=b"plain file\n")
    wf = run_workflow(_adapt("examples/input-artifact-s3.yaml", s3.endpoint), settings, make_driver(settings))
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    assert "/my-artifact" in log_of(settings, wf, wf["metadata"]["name"])


def test_data_template_lists_and_transforms_then_fans_out(s3: Any, settings: Settings) -> None:
    client = s3.client()
    for key, body in (("runs/a/main.log", b"log of a\n"), ("runs/b/main.log", b"log of b\n"),
                      ("runs/b/other.txt", b"not a log\n"), ("elsewhere/main.log", b"outside the key\n")):
        client.put_object(Bucket=BUCKET, Key=key, Body=body)
    wf = copy.deepcopy(load("examples/data-transformations.yaml"))
    source = wf["spec"]["templates"][1]["data"]["source"]["artifactPaths"]
    source["s3"] = {**s3_spec(s3.endpoint), "key": "runs"}
    driver = make_driver(settings, {"s3": s3_spec(s3.endpoint)})  # the fan-out's `key: {{item}}` uses it
    out = run_workflow(wf, settings, driver)
    assert out["status"]["phase"] == "Succeeded", out["status"].get("message")
    by = nodes(out)
    listing = by["list-log-files"]
    assert listing["type"] == "Pod"
    assert json.loads(listing["outputs"]["result"]) == ["runs/a/main.log", "runs/b/main.log"]
    logs = [log_of(settings, out, f"process-logs({i}:{key})") for i, key in enumerate(json.loads(
        listing["outputs"]["result"]))]
    assert "log of a" in logs[0] and "log of b" in logs[1]


def test_data_template_errors_name_the_field(settings: Settings) -> None:
    bad = {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "data-bad-"},
        "spec": {"entrypoint": "main", "templates": [{"name": "main", "data": {
            "source": {"artifactPaths": {"name": "files"}},
            "transformation": [{"expression": "filter(data, {# endsWith })"}]}}]},
    }
    out = run_workflow(bad, settings, make_driver(settings))
    node = next(iter(out["status"]["nodes"].values()))
    assert out["status"]["phase"] == "Error" and node["phase"] == "Error"
    assert node["message"].startswith("data.transformation[0].expression:"), node["message"]
