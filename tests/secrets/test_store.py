"""The local secret store (SPEC §2.10): encrypted at rest, namespaced, atomic; values never leak."""

from __future__ import annotations

import hashlib
import json
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from argento.cli.main import cli
from argento.config import Settings
from argento.errors import AlreadyExists, SpecError
from argento.secrets import SecretNotFound, SecretResolver, SecretStore

VALUE = "Sup3r-S3cret-Valu3-7f1c"

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "artifacts"))


def test_store_round_trip_encrypted_and_namespaced(settings: Settings) -> None:
    store = SecretStore(settings.home)
    store.create("argo", "db", {"password": VALUE, "user": "admin"})
    store.create("team-a", "db", {"password": "other"})
    assert store.get("argo", "db") == {"password": VALUE, "user": "admin"}
    assert store.get("team-a", "db") == {"password": "other"}
    key = settings.home / "secrets" / "key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((settings.home / "secrets").stat().st_mode) == 0o700
    raw = (settings.home / "secrets" / "argo" / "db").read_bytes()
    assert VALUE.encode() not in raw and b"admin" not in raw  # encrypted at rest
    assert [(i.namespace, i.name, i.keys) for i in store.list()] == [("argo", "db", ["password", "user"]),
                                                                     ("team-a", "db", ["password"])]
    with pytest.raises(AlreadyExists):
        store.create("argo", "db", {"x": "y"})
    store.create("argo", "db", {"x": "y"}, overwrite=True)
    assert store.get("argo", "db") == {"x": "y"}
    store.delete("argo", "db")
    with pytest.raises(SecretNotFound):
        store.delete("argo", "db")
    with pytest.raises(SpecError):
        store.create("argo", "../escape", {"a": "b"})
    assert not list((settings.home / "secrets" / "argo").glob(".tmp-*"))


def test_key_readable_by_others_is_refused(settings: Settings) -> None:
    store = SecretStore(settings.home)
    store.create("argo", "s", {"k": "v"})
    (settings.home / "secrets" / "key").chmod(0o644)
    with pytest.raises(Exception, match="readable by others"):
        SecretStore(settings.home).get("argo", "s")


def test_resolver_messages_name_the_secret_never_the_value(settings: Settings) -> None:
    store = SecretStore(settings.home)
    store.create("argo", "creds", {"token": VALUE})
    resolver = SecretResolver(store)
    assert resolver.resolve("argo", {"name": "creds", "key": "token"}) == VALUE
    assert resolver.resolve("argo", {"name": "nope", "key": "k", "optional": True}) == ""
    with pytest.raises(SecretNotFound, match="secret 'creds' does not have the key 'other'") as err:
        resolver.resolve("argo", {"name": "creds", "key": "other"})
    assert VALUE not in str(err.value)
    with pytest.raises(SecretNotFound, match='secret "nope" not found in namespace "argo"'):
        resolver.resolve("argo", {"name": "nope", "key": "k"})
    assert resolver.redact(f"backend said {VALUE}!") == "backend said ***!"


def test_cli(settings: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    (tmp_path / "cert.pem").write_text("-----CERT-----\n")
    out = runner.invoke(cli, ["secret", "create", "creds", "--from-literal", f"token={VALUE}",
                              "--from-file", str(tmp_path / "cert.pem"), "-n", "argo"])
    assert out.exit_code == 0 and out.output == "secret/creds created\n"
    out = runner.invoke(cli, ["secret", "list", "-o", "json"])
    assert json.loads(out.stdout)[0]["keys"] == ["cert.pem", "token"]
    out = runner.invoke(cli, ["secret", "list"])
    assert "creds" in out.stdout and VALUE not in out.stdout
    out = runner.invoke(cli, ["secret", "create", "creds", "--from-literal", "a=b"])
    assert out.exit_code == 1 and 'secret "creds" already exists' in out.output
    out = runner.invoke(cli, ["secret", "delete", "creds"])
    assert out.exit_code == 0
    out = runner.invoke(cli, ["secret", "delete", "creds"])
    assert out.exit_code == 2 and "not found" in out.output


WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: secret-leak}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: use, template: use}
    - - {name: upload-fails, template: upload}
  - name: use
    container:
      image: busybox
      command: [sh, -c]
      args: ['test "$(printf %s "$TOKEN" | sha256sum | cut -c1-64)" = "{digest}" && echo token checked']
      env:
      - name: TOKEN
        valueFrom: {secretKeyRef: {name: creds, key: token}}
    outputs:
      artifacts:
      - name: out
        path: /tmp/out.txt
        optional: true
  - name: upload
    container: {image: busybox, command: [sh, -c], args: ["echo x > /tmp/x"]}
    outputs:
      artifacts:
      - name: x
        path: /tmp/x
        s3:
          endpoint: 127.0.0.1:{port}
          insecure: true
          bucket: b
          key: x
          accessKeySecret: {name: creds, key: token}
          secretKeySecret: {name: creds, key: token}
"""


def test_secret_values_never_appear_in_status_logs_errors_or_cli_output(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from art_support import free_port

    monkeypatch.setenv("ARGENTO_SLEEP_SCALE", "0.02")
    runner = CliRunner()
    assert runner.invoke(cli, ["secret", "create", "creds", "--from-literal", f"token={VALUE}"]).exit_code == 0
    # The step checks its env against the value's digest: the value itself is in no manifest and never echoed.
    manifest = tmp_path / "wf.yaml"
    digest = hashlib.sha256(VALUE.encode()).hexdigest()
    text = WORKFLOW.replace("{port}", str(free_port())).replace("{digest}", digest)
    manifest.write_text(text)
    result = runner.invoke(cli, ["--debug", "run", str(manifest), "-o", "json"])
    assert result.exit_code == 1  # the S3 upload fails: nothing listens there
    wf = json.loads(result.stdout)
    nodes = {n["displayName"]: n for n in wf["status"]["nodes"].values()}
    assert nodes["use"]["phase"] == "Succeeded", nodes["use"].get("message")
    assert nodes["upload-fails"]["phase"] == "Error" and "cannot reach S3 endpoint" in nodes["upload-fails"]["message"]
    assert VALUE not in result.output  # stdout and stderr of `argento run`, error messages included
    for path in settings.home.rglob("*"):  # status (workflow.json), step logs, artifacts, everything but the store
        if path.is_file() and "secrets" not in path.parts:
            assert VALUE.encode() not in path.read_bytes(), path
    assert "token checked" in (settings.runs_dir / "secret-leak").joinpath(
        *[p.name for p in (settings.runs_dir / "secret-leak").iterdir() if p.is_dir() and "use" in p.name],
        "main.log").read_text()
    for args in (["secret", "list"], ["secret", "list", "-o", "json"], ["artifacts", "ls", "secret-leak"]):
        assert VALUE not in runner.invoke(cli, args).output
