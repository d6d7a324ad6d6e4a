"""A step gets the secret values its spec references, and nothing else of the store (issue 14.3, SPEC §2.10).

In Argo a pod receives what its spec references (env ``secretKeyRef``, resolved by the kubelet), never the
API server's store. Here the engine resolves references, and the step's view of ARGENTO_HOME has no
``secrets/`` (nor the database, nor other runs): with the store's key a step could decrypt every namespace.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from argento.cli.main import cli
from argento.executors.sandbox import detect
from argento.secrets import SecretStore

WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: secret-reader}
spec:
  entrypoint: main
  templates:
  - name: main
    script:
      image: python:3.11
      command: [python]
      env:
      - name: DB_PASSWORD
        valueFrom: {secretKeyRef: {name: db, key: password}}
      source: |
        import json, os
        from pathlib import Path
        from argento.secrets import SecretStore
        home = Path(os.environ["ARGENTO_HOME"])
        seen = {"env": sorted(v for v in os.environ.values() if v.endswith("-value"))}
        for rel in ("secrets/key", "secrets/prod/api", "argento.db", "runs/earlier-run/pod/main.log"):
            seen[rel] = (home / rel).exists()
        try:
            seen["decrypted"] = SecretStore(home).get("prod", "api")
        except Exception as exc:
            seen["decrypted"] = type(exc).__name__
        print(json.dumps(seen, sort_keys=True))
"""


def _namespaces() -> bool:
    try:
        detect("namespace").close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(
    not _namespaces(), reason="mount namespaces are not available here (rewrite mode hides nothing)"
)
def test_a_step_gets_only_the_secret_it_references(tmp_path: Path, argento_home: Path) -> None:
    store = SecretStore(argento_home)
    store.create("argo", "db", {"password": "db-password-value"})
    store.create("argo", "unused", {"token": "unused-token-value"})
    store.create("prod", "api", {"key": "prod-api-value"})
    (argento_home / "argento.db").write_text("state")
    earlier = argento_home / "runs" / "earlier-run" / "pod"
    earlier.mkdir(parents=True)
    (earlier / "main.log").write_text("earlier output")
    path = tmp_path / "wf.yaml"
    path.write_text(WORKFLOW)
    result = CliRunner().invoke(cli, ["run", str(path), "-o", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    wf = json.loads(result.stdout)
    [node] = [n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]
    seen = json.loads(node["outputs"]["result"])
    assert seen == {
        "env": ["db-password-value"],  # the one value its spec references
        "secrets/key": False,
        "secrets/prod/api": False,
        "argento.db": False,
        "runs/earlier-run/pod/main.log": False,
        "decrypted": "SecretNotFound",
    }
    assert (argento_home / "secrets" / "key").exists()  # hidden from the step, not removed


VOLUME = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: secret-volume}
spec:
  entrypoint: main
  volumes:
  - {name: all, secret: {secretName: db}}
  - {name: one, secret: {secretName: db, items: [{key: password, path: nested/pw}]}}
  - {name: absent, secret: {secretName: nope, optional: true}}
  templates:
  - name: main
    container:
      image: alpine:3
      command: [sh, -c]
      args: ["cat /all/password; echo; cat /all/user; echo; ls /one/nested; cat /one/nested/pw; echo; ls -A /absent | wc -l"]
      volumeMounts:
      - {name: all, mountPath: /all}
      - {name: one, mountPath: /one}
      - {name: absent, mountPath: /absent}
"""


def test_secret_volumes_hold_the_referenced_secret(tmp_path: Path, argento_home: Path) -> None:
    # examples/secrets.yaml mounts a secret as files (spec.volumes[].secret.secretName): the engine writes
    # them, as the kubelet does.
    SecretStore(argento_home).create("argo", "db", {"password": "pw-value", "user": "admin"})
    path = tmp_path / "wf.yaml"
    path.write_text(VOLUME)
    result = CliRunner().invoke(cli, ["run", str(path), "-o", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    wf = json.loads(result.stdout)
    [node] = [n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]
    assert node["outputs"]["exitCode"] == "0"
    log = next((argento_home / "runs" / "secret-volume").rglob("main.log")).read_text()
    assert log.split() == ["pw-value", "admin", "pw", "pw-value", "0"]
    missing = VOLUME.replace("secretName: nope, optional: true", "secretName: nope")
    path.write_text(missing)
    result = CliRunner().invoke(cli, ["run", str(path), "-o", "json"], catch_exceptions=False)
    [node] = [n for n in json.loads(result.stdout)["status"]["nodes"].values() if n["type"] == "Pod"]
    assert node["phase"] == "Error" and "secret 'nope' not found in namespace 'argo'" in node["message"]
