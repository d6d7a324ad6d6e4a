"""The gateway answers from the one error tree, and its own port logs a failing handler (issue 19 item 5)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import pytest
from deploy_support import free_port

from argento import errors
from argento.deployments.gateway import Gateway
from argento.deployments.httpserver import start_server
from argento.serving import errors as serving_errors
from argento.serving.errors import error_from_status


def test_serving_errors_are_the_core_errors() -> None:
    # One tree: the serving runtime's 405/413/415 are the core classes (status, exit code, gRPC code).
    for serving, core in (
        (serving_errors.MethodNotAllowed, errors.MethodNotAllowed),
        (serving_errors.PayloadTooLarge, errors.PayloadTooLarge),
        (serving_errors.UnsupportedMediaType, errors.UnsupportedMediaType),
        (serving_errors.Unauthorized, errors.Unauthenticated),
    ):
        assert issubclass(serving, core)
        err = serving("x")
        assert (err.http_status, err.exit_code, err.grpc_code) == (
            core.http_status,
            core.exit_code,
            core.grpc_code,
        )


def _answer(answer: tuple[int, list[tuple[bytes, bytes]], Any]) -> serving_errors.ServingError:
    status, headers, body = answer
    assert (b"content-type", b"application/json") in headers
    assert set(json.loads(body)) == {"error", "detail"}
    return error_from_status(status, body)


def test_gateway_error_answers_rebuild_as_their_class() -> None:
    async def scenario() -> None:
        gw = Gateway()
        local = [(b"host", b"127.0.0.1")]
        missing = _answer(await gw.proxy("nope", b"POST", b"/predict", b"", local, b"{}"))
        assert isinstance(missing, serving_errors.RouteNotFound) and "no deployment 'nope'" in missing.message
        forbidden = _answer(
            await gw.port_handler("nope", b"GET", b"/readyz", b"", [(b"host", b"evil.example")], b"")
        )
        assert isinstance(forbidden, serving_errors.Forbidden)
        not_ready = _answer(await gw.port_handler("nope", b"GET", b"/readyz", b"", local, b""))
        assert isinstance(not_ready, serving_errors.ServiceUnavailable)
        gw.authorize = lambda headers: False
        status, headers, body = await gw.port_handler("nope", b"POST", b"/predict", b"", local, b"{}")
        assert (b"www-authenticate", b"Bearer") in headers
        assert isinstance(_answer((status, headers, body)), serving_errors.Unauthorized)

    asyncio.run(scenario())


def test_client_rebuilds_bad_gateway_and_timeout() -> None:
    assert isinstance(
        error_from_status(502, b'{"error":"bad_gateway","detail":"d"}'), serving_errors.BadGateway
    )
    assert isinstance(
        error_from_status(504, b'{"error":"timeout","detail":"d"}'), serving_errors.GatewayTimeout
    )


def test_own_port_logs_a_failing_handler_and_answers_500(caplog: pytest.LogCaptureFixture) -> None:
    async def handler(*request: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        raise RuntimeError("handler bug")

    async def scenario() -> httpx.Response:
        port = free_port()
        server = await start_server(handler, "127.0.0.1", port)
        try:
            async with httpx.AsyncClient() as client:
                return await client.post(f"http://127.0.0.1:{port}/predict", content=b"{}")
        finally:
            server.close()
            await server.wait_closed()

    with caplog.at_level(logging.ERROR, logger="argento.deployments.httpserver"):
        reply = asyncio.run(scenario())
    assert reply.status_code == 500
    body = reply.json()
    assert (
        body["error"] == "internal_error"
        and "request id" in body["detail"]
        and "handler bug" not in body["detail"]
    )
    # Before: a 500 and nothing in the log. Now the trace is logged, findable by the request id.
    record = next(r for r in caplog.records if r.name == "argento.deployments.httpserver")
    assert record.exc_info is not None and "handler bug" in str(record.exc_info[1])
    assert body["detail"].rsplit("request id ", 1)[1].rstrip(")") in record.getMessage()


def _raw(port: int, request: bytes) -> bytes:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _own_port_answer(request: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, Any]]:
    from argento.deployments import httpserver

    monkeypatch.setattr(httpserver, "MAX_BODY", 1024)

    async def handler(*request: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        return 200, [(b"content-type", b"application/json")], b"{}"

    async def scenario() -> bytes:
        port = free_port()
        server = await start_server(handler, "127.0.0.1", port)
        try:
            return await asyncio.to_thread(_raw, port, request)
        finally:
            server.close()
            await server.wait_closed()

    reply = asyncio.run(scenario())
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body)


def test_own_port_rejects_with_the_error_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: every rejection was {"error": "bad_request"} (a 413 too), its detail pasted into JSON by hand.
    status, body = _own_port_answer(
        b"POST /predict HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 4096\r\n\r\n" + b"x" * 4096,
        monkeypatch,
    )
    assert status == 413 and body["error"] == "payload_too_large" and "1024 bytes" in body["detail"]
    status, body = _own_port_answer(b'GET /"\\\x01 HTTP/1.1\r\n\r\n', monkeypatch)
    assert (
        status == 400
        and body["error"] == "bad_request"
        and body["detail"].startswith("malformed HTTP request")
    )
