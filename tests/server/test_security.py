"""Other web pages cannot drive the server (issue 14 item 1): Host allow-list (DNS rebinding), Origin check and
JSON-only bodies (cross-site "simple" requests), the request body cap (413, item 4), security headers, the
anti-CSRF token of cookie sessions, and streams that end when their token is revoked (item 8)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from serverconf import ServerProcess, hello, serve

from argento.config import Settings
from argento.hosts import HostCheck
from argento.store import open_store

NS = "/api/v1/workflows/argo"


def _body(name: str = "") -> dict[str, Any]:
    return {"workflow": hello(name)}


# -- cross-site "simple" requests ----------------------------------------------------------------------------
def test_a_simple_cross_site_post_is_refused_and_creates_nothing(settings: Settings, run: Any) -> None:
    """The attack of issue 14: a form or ``fetch(..., {mode: "no-cors"})`` POST with ``text/plain``."""
    import json

    payload = json.dumps(_body("pwned")).encode()

    async def go() -> None:
        async with serve(settings) as (client, _):
            for ctype in (
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
            ):
                r = await client.post(NS, content=payload, headers={"content-type": ctype})
                assert r.status_code == 415, (ctype, r.text)
                assert r.json()["code"] == 3 and "application/json" in r.json()["message"]
            r = await client.post(NS, content=payload)  # no Content-Type at all
            assert r.status_code == 415
            # The same request from another origin, even with a JSON type, is refused: 403.
            r = await client.post(NS, json=_body("pwned"), headers={"origin": "http://evil.example"})
            assert r.status_code == 403 and r.json()["code"] == 7
            r = await client.post(NS, json=_body("pwned"), headers={"origin": "null"})
            assert r.status_code == 403
            r = await client.post(NS, json=_body("pwned"), headers={"sec-fetch-site": "cross-site"})
            assert r.status_code == 403
            r = await client.delete(f"{NS}/x", headers={"origin": "http://127.0.0.1:9999"})
            assert r.status_code == 403  # another port is another origin
            assert (await client.get(f"{NS}/pwned")).status_code == 404
            assert (await client.get(NS)).json()["items"] == []
            # The server's own origin (the UI) and clients that send no Origin (CLI, Hera) get through.
            r = await client.post(NS, json=_body("mine"), headers={"origin": "http://127.0.0.1"})
            assert r.status_code == 200, r.text
            r = await client.post(
                NS, json=_body("cli"), headers={"content-type": "application/json; charset=utf-8"}
            )
            assert r.status_code == 200, r.text
            # A body-less action needs no Content-Type (Argo's clients send PUT .../suspend without one).
            r = await client.put(f"{NS}/cli/suspend")
            assert r.status_code in (200, 409), r.text

    run(go())


def test_allowed_origins_setting(settings: Settings, run: Any) -> None:
    custom = Settings.from_env(
        {"ARGENTO_HOME": str(settings.home), "ARGENTO_ALLOWED_ORIGINS": "https://ui.example"}
    )

    async def go() -> None:
        async with serve(custom) as (client, _):
            r = await client.post(NS, json=_body("a"), headers={"origin": "https://ui.example"})
            assert r.status_code == 200, r.text
            r = await client.post(NS, json=_body("b"), headers={"origin": "https://other.example"})
            assert r.status_code == 403

    run(go())


# -- DNS rebinding: the Host allow-list ---------------------------------------------------------------------
PATHS = [
    "/",
    "/workflows/argo",
    "/ui/app.css",
    NS,
    "/metrics",
    "/api/v1/workflow-events/argo",
    "/api/v1/workflows/argo/x/log",
    "/artifact-files/argo/workflows/x/n/outputs/a",
    "/deployments/x/predict",
    "/openapi.json",
    "/healthz",
]


def test_unknown_host_names_are_refused_on_every_path(settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(settings) as (client, _):
            for path in PATHS:
                for host in (
                    "evil.example",
                    "evil.example:2746",
                    "127.0.0.1.evil.example",
                    "localhost.evil.example",
                ):
                    r = await client.get(path, headers={"host": host})
                    assert r.status_code == 403, (path, host, r.status_code)
                    assert r.json()["code"] == 7 and "ARGENTO_ALLOWED_HOSTS" in r.json()["message"]
                r = await client.post("/deployments/x/predict", json={}, headers={"host": "evil.example"})
                assert r.status_code == 403
            for host in (
                "localhost",
                "localhost:2746",
                "127.0.0.1:1234",
                "[::1]:2746",
                "127.0.0.2",
                "LOCALHOST",
            ):
                r = await client.get(NS, headers={"host": host})
                assert r.status_code == 200, (host, r.text)

    run(go())


def test_allowed_hosts_setting_and_wildcard_bind(settings: Settings, run: Any) -> None:
    custom = Settings.from_env({"ARGENTO_HOME": str(settings.home), "ARGENTO_ALLOWED_HOSTS": "argento.lan"})

    async def go() -> None:
        async with serve(custom) as (client, _):
            assert (await client.get(NS, headers={"host": "argento.lan:2746"})).status_code == 200
            assert (await client.get(NS, headers={"host": "other.lan"})).status_code == 403

    run(go())
    # Bound to every interface: IP literals (which never go through DNS) and the machine's names are answered.
    check = HostCheck("0.0.0.0")
    assert check.allows(b"192.168.1.7:2746") and check.allows(b"[fe80::1]:2746")
    assert not check.allows(b"evil.example")
    bound = HostCheck("10.1.2.3")
    assert bound.allows(b"10.1.2.3:2746") and not bound.allows(b"10.1.2.4")
    assert HostCheck("127.0.0.1", ["*"]).allows(b"anything.example")


def test_a_real_server_refuses_rebound_names(server_process: Any) -> None:
    srv: ServerProcess = server_process()
    with httpx.Client(base_url=srv.url, trust_env=False, timeout=10) as client:
        assert client.get("/api/v1/workflows/argo").status_code == 200
        r = client.get("/api/v1/workflows/argo", headers={"host": f"rebind.example:{srv.port}"})
        assert r.status_code == 403 and r.json()["code"] == 7
        r = client.post("/api/v1/workflows/argo", content=b"{}", headers={"content-type": "text/plain"})
        assert r.status_code == 415


# -- size limit ---------------------------------------------------------------------------------------------
def test_request_bodies_are_capped_while_streaming(settings: Settings, run: Any) -> None:
    small = Settings.from_env({"ARGENTO_HOME": str(settings.home), "ARGENTO_MAX_REQUEST_BYTES": "64Ki"})
    big = {"workflow": hello("big", cmd="echo " + "x" * 70_000)}

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the cap counts while reading
        for _ in range(100):
            yield b" " * 1024
        yield b"{}"

    async def go() -> None:
        async with serve(small) as (client, _):
            r = await client.post(NS, json=big)
            assert r.status_code == 413 and r.json()["code"] == 8
            assert "ARGENTO_MAX_REQUEST_BYTES" in r.json()["message"]
            r = await client.post(NS, content=chunks(), headers={"content-type": "application/json"})
            assert r.status_code == 413, r.text
            assert (await client.get(f"{NS}/big")).status_code == 404
            ok = {"workflow": hello("fits", cmd="echo " + "x" * 30_000)}
            assert (await client.post(NS, json=ok)).status_code == 200

    run(go())
    assert Settings.from_env({}).max_request_bytes == 1536 * 1024  # etcd's object limit


# -- headers ------------------------------------------------------------------------------------------------
def test_security_headers(settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(settings) as (client, _):
            page = await client.get("/workflows/argo")
            csp = page.headers["content-security-policy"]
            assert (
                "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
            )
            assert page.headers["x-frame-options"] == "DENY"
            assert page.headers["x-content-type-options"] == "nosniff"
            api = await client.get(NS)
            assert "sandbox" in api.headers["content-security-policy"]
            assert api.headers["x-frame-options"] == "DENY"

    run(go())


# -- cookie sessions: the anti-CSRF token ------------------------------------------------------------------
def test_cookie_sessions_need_the_csrf_token(settings: Settings, run: Any) -> None:
    store = open_store(settings)
    _, token = store.tokens.create("ui")

    async def go() -> None:
        async with serve(settings, store=store, auth_mode="client") as (client, _):
            cookie = f"authorization=Bearer%20{token}"
            r = await client.post(NS, json=_body("a"), headers={"cookie": cookie})
            assert r.status_code == 403 and "CSRF" in r.json()["message"]
            issued = r.cookies.get("argento-csrf")  # the refusal hands out the token to retry with
            assert issued
            page = await client.get(NS, headers={"cookie": cookie})
            assert page.cookies.get("argento-csrf") == issued
            r = await client.post(NS, json=_body("a"), headers={"cookie": cookie, "x-csrf-token": "forged"})
            assert r.status_code == 403
            # A planted cookie does not help: the token must be the HMAC of this session.
            planted = f"{cookie}; argento-csrf=forged"
            r = await client.post(NS, json=_body("a"), headers={"cookie": planted, "x-csrf-token": "forged"})
            assert r.status_code == 403
            r = await client.post(
                NS,
                json=_body("a"),
                headers={"cookie": f"{cookie}; argento-csrf={issued}", "x-csrf-token": issued},
            )
            assert r.status_code == 200, r.text
            # Bearer-header clients (CLI, Hera, steps) need no CSRF token.
            r = await client.post(NS, json=_body("b"), headers={"authorization": f"Bearer {token}"})
            assert r.status_code == 200, r.text
            # Another session's token is not valid for this one.
            _, other = store.tokens.create("other")
            r = await client.post(
                NS,
                json=_body("c"),
                headers={"cookie": f"authorization=Bearer%20{other}", "x-csrf-token": issued},
            )
            assert r.status_code == 403

    try:
        run(go())
    finally:
        store.close()


# -- streams end when their token is revoked (item 8) -----------------------------------------------------
def test_an_open_stream_ends_when_its_token_is_revoked(
    settings: Settings, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from argento.server import auth, streams

    monkeypatch.setattr(streams, "RECHECK", 0.2)
    monkeypatch.setattr(auth, "CACHE_SECONDS", 0.1)
    store = open_store(settings)
    record, token = store.tokens.create("watcher")

    async def go() -> None:
        async with serve(settings, store=store, auth_mode="client") as (client, _):
            headers = {"authorization": f"Bearer {token}"}

            async def revoke_soon() -> None:
                await asyncio.sleep(0.5)
                store.tokens.revoke(record.id)

            task = asyncio.create_task(revoke_soon())
            started = time.monotonic()
            # httpx's ASGI transport returns once the stream has ended: it must end by itself.
            r = await asyncio.wait_for(
                client.get("/api/v1/workflow-events/argo", headers=headers), timeout=20
            )
            await task
            assert r.status_code == 200
            assert '"code":16' in r.text, r.text
            assert time.monotonic() - started < 20

    try:
        run(go())
    finally:
        store.close()
