"""Auth (SPEC §6 R4): with client auth, every operation of /openapi.json answers 401 without a token or with
a wrong one (``/healthz`` excepted); a valid token (header or the UI's cookie) gets through."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from serverconf import ServerProcess, serve

from argento.config import Settings
from argento.errors import SpecError
from argento.server.auth import check_bind, is_loopback
from argento.store import open_store


def test_every_openapi_operation_needs_a_token(settings: Settings, run: Any) -> None:
    store = open_store(settings)
    _, token = store.tokens.create("tester")
    revoked, revoked_token = store.tokens.create("old")
    store.tokens.revoke(revoked.id)

    async def go() -> None:
        async with serve(settings, store=store, auth_mode="client") as (client, _):
            assert (await client.get("/openapi.json")).status_code == 401
            doc = (await client.get("/openapi.json", headers={"Authorization": f"Bearer {token}"})).json()
            operations = [(m.upper(), p) for p, ops in doc["paths"].items() for m in ops]
            assert len(operations) >= 50
            wrong = [
                {},
                {"Authorization": "Bearer argento_nope_nope"},
                {"Authorization": f"Bearer {token}x"},
                {"Authorization": token[:-1]},
                {"Authorization": f"Bearer {revoked_token}"},
                {"Cookie": "authorization=Bearer%20garbage"},
            ]
            for method, path in operations:
                url = re.sub(r"{\w+}", "x", path)
                for headers in wrong:
                    r = await client.request(method, url, headers=headers, json={})
                    if path == "/healthz":
                        assert r.status_code == 200
                        continue
                    assert r.status_code == 401, (method, path, headers, r.status_code)
                    assert r.json()["code"] == 16
            ok = {"Authorization": f"Bearer {token}"}
            assert (await client.get("/api/v1/workflows/argo", headers=ok)).status_code == 200
            who = (await client.get("/api/v1/userinfo", headers=ok)).json()
            assert who["subject"] == "tester"
            cookie = {"Cookie": f"authorization=Bearer%20{token}"}
            assert (await client.get("/api/v1/info", headers=cookie)).status_code == 200
            assert (await client.get("/metrics", headers=ok)).status_code == 200

    try:
        run(go())
    finally:
        store.close()


def test_binding_rules() -> None:
    assert (
        is_loopback("127.0.0.1")
        and is_loopback("::1")
        and is_loopback("localhost")
        and is_loopback("127.1.2.3")
    )
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.1")
    check_bind("127.0.0.1", "server")
    check_bind("0.0.0.0", "client")
    with pytest.raises(SpecError, match="refusing to bind"):
        check_bind("0.0.0.0", "server")


STEP_CALLS_SERVER = """
metadata: {name: calls-home}
spec:
  entrypoint: main
  templates:
  - name: main
    script:
      image: python:3.11
      command: [python]
      source: |
        import json, os, urllib.request
        req = urllib.request.Request(os.environ["ARGENTO_SERVER"] + "/api/v1/userinfo",
                                     headers={"Authorization": "Bearer " + os.environ["ARGENTO_TOKEN"]})
        print(json.load(urllib.request.urlopen(req))["subject"])
"""


def test_steps_reach_a_client_auth_server_with_its_step_token(
    argento_home: Path, server_process: Callable[..., ServerProcess]
) -> None:
    store = open_store(Settings.from_env({"ARGENTO_HOME": str(argento_home)}))
    try:
        _, token = store.tokens.create("ci")
    finally:
        store.close()
    srv = server_process("--auth-mode", "client")
    ok = {"Authorization": f"Bearer {token}"}
    manifest = yaml.safe_load(STEP_CALLS_SERVER)
    r = httpx.post(f"{srv.url}/api/v1/workflows/argo", json={"workflow": manifest}, headers=ok)
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        wf = httpx.get(f"{srv.url}/api/v1/workflows/argo/calls-home", headers=ok).json()
        if wf.get("status", {}).get("phase") in ("Succeeded", "Failed", "Error"):
            break
        time.sleep(0.1)
    assert wf["status"]["phase"] == "Succeeded", wf["status"]
    assert wf["status"]["nodes"]["calls-home"]["outputs"]["result"] == "argento-steps"
    # The step token is the server's own: not in the store, and no use once that server process is gone.
    assert httpx.get(f"{srv.url}/api/v1/userinfo", headers={"Authorization": "Bearer x"}).status_code == 401
