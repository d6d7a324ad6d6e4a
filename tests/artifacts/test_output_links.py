"""Outputs that are symbolic links are read as the step sees them, never as host files (issue 14.3).

Argo's executor archives an output from the container's own filesystem (``cmd/argoexec/commands/emissary.go``
``saveArtifact`` → ``util/archive.TarGzToWriter``, which stats the path inside the container), so a link to
``/etc/passwd`` gives the *container's* file. Locally, a link leading outside the step's own files is refused
at the top of an output, and left out inside a folder artifact.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import yaml
from art_support import make_driver, nodes, run_workflow

from argento.artifacts.archive import zip_path
from argento.artifacts.base import put_tree
from argento.config import Settings

WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: links}
spec:
  entrypoint: main
  templates:
  - name: main
    container:
      image: alpine:3
      command: [sh, -c]
      args:
      - >-
        printf mine > /tmp/mine; ln -s /etc/passwd /tmp/passwd; ln -s @HOME@/secrets/key /tmp/key;
        ln -s mine /tmp/good; mkdir -p /tmp/dir; echo kept > /tmp/dir/kept; ln -s /etc/passwd /tmp/dir/passwd;
        ln -s ../mine /tmp/dir/mine
    outputs:
      @OUTPUTS@
"""


def _run(settings: Settings, outputs: dict) -> dict:
    driver = make_driver(settings)  # creates the secret store and its key
    dumped = yaml.safe_dump(outputs, default_flow_style=True).strip()
    text = WORKFLOW.replace("@HOME@", str(settings.home)).replace("@OUTPUTS@", dumped)
    return run_workflow(text, settings, driver)


def _stored(settings: Settings) -> dict[str, bytes]:
    root = settings.home / "artifacts"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_an_output_artifact_linking_outside_the_step_is_refused(settings: Settings) -> None:
    wf = _run(settings, {"artifacts": [{"name": "pw", "path": "/tmp/passwd", "archive": {"none": {}}}]})
    node = nodes(wf)["links"]
    assert node["phase"] == "Error"
    assert "failed to save artifact pw: /tmp/passwd: a symbolic link leads to /etc/passwd" in node["message"]
    assert not any(b"root:" in data for data in _stored(settings).values())


def test_an_output_parameter_linking_to_the_secret_key_is_refused(settings: Settings) -> None:
    wf = _run(settings, {"parameters": [{"name": "key", "valueFrom": {"path": "/tmp/key"}}]})
    node = nodes(wf)["links"]
    assert node["phase"] == "Error" and "outside the step's own files" in node["message"]
    assert (settings.home / "secrets" / "key").read_text().strip() not in str(wf)


def test_links_inside_the_steps_files_are_followed(settings: Settings) -> None:
    wf = _run(
        settings,
        {
            "parameters": [{"name": "good", "valueFrom": {"path": "/tmp/good"}}],
            "artifacts": [
                {"name": "dir", "path": "/tmp/dir", "archive": {"none": {}}},
                {"name": "tgz", "path": "/tmp/dir"},
            ],
        },
    )
    node = nodes(wf)["links"]
    assert node["phase"] == "Succeeded", node.get("message")
    assert node["outputs"]["parameters"][0]["value"] == "mine"
    stored = _stored(settings)
    folder = {k.rsplit("/dir/", 1)[1]: v for k, v in stored.items() if "/dir/" in k}
    # In the folder: its own file, and the link to the step's /tmp/mine; the link to /etc/passwd is left out.
    assert folder == {"kept": b"kept\n", "mine": b"mine"}
    [tgz] = [v for k, v in stored.items() if k.endswith("tgz.tgz")]
    with tarfile.open(fileobj=io.BytesIO(tgz)) as tar:  # a tarball keeps links as links (as Argo's tarDir)
        link = tar.getmember("dir/passwd")
        assert link.issym() and link.linkname == "/etc/passwd"


def test_put_tree_resolves_links_through_the_step_and_zip_stores_them_empty(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a").write_text("A")
    (tree / "link").symlink_to("/etc/passwd")

    class Repo:
        objects: dict[str, bytes] = {}

        def put(self, key: str, src: Path) -> None:
            self.objects[key] = Path(src).read_bytes()

    repo = Repo()
    assert put_tree(repo, "k", tree, lambda rel: None) == 1  # type: ignore[arg-type]
    assert repo.objects == {"k/a": b"A"}
    out = tmp_path / "t.zip"
    zip_path(tree, out, "tree")  # Argo's zipDir writes a link as an empty entry
    with zipfile.ZipFile(out) as zf:
        assert zf.read("tree/link") == b"" and zf.read("tree/a") == b"A"
