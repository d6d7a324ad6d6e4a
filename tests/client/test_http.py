"""The HTTP layer: error mapping, auth header, stream parsing, unreachable servers."""

from __future__ import annotations

import socket

import httpx
import pytest
from fake_argo import FakeArgo

from argento.client import ArgoClient
from argento.client.errors import error_from_body
from argento.client.http import HttpClient, auth_header, clean_params, normalize_server, parse_stream_line
from argento.errors import (
    AlreadyExists,
    ArgentoError,
    Conflict,
    NotFound,
    PermissionDenied,
    SpecError,
    Unauthenticated,
    Unavailable,
)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (404, {"code": 5, "message": 'workflows.argoproj.io "x" not found'}, NotFound),
        (409, {"code": 6, "message": "already exists"}, AlreadyExists),
        (409, {"message": 'workflowtemplates "t" already exists'}, AlreadyExists),
        (409, {"message": "the object has been modified"}, Conflict),
        (400, {"code": 9, "message": "workflow must be Failed/Error to retry"}, Conflict),
        (400, {"code": 3, "message": "spec.templates is required"}, SpecError),
        (400, "bad", SpecError),
        (401, {"code": 16, "message": "token not valid"}, Unauthenticated),
        (403, {}, PermissionDenied),
        (503, None, Unavailable),
        (500, {"code": 2, "message": "boom"}, ArgentoError),
        (0, {"error": {"grpcCode": 5, "httpCode": 404, "message": "gone"}}, NotFound),
    ],
)
def test_error_mapping(status: int, body: object, expected: type[ArgentoError]) -> None:
    err = error_from_body(status, body)
    assert type(err) is expected
    assert str(err)


def test_error_round_trips_argento_errors() -> None:
    for cls in (NotFound, AlreadyExists, Conflict, SpecError, Unauthenticated, PermissionDenied, Unavailable):
        original = cls("some message")
        back = error_from_body(cls.http_status, original.to_dict())
        assert type(back) is cls and back.exit_code == original.exit_code


def test_unauthenticated_message_hints_at_token() -> None:
    err = error_from_body(401, {"code": 16, "message": "Unauthorized"})
    assert "ARGENTO_TOKEN" in str(err)


def test_helpers() -> None:
    assert normalize_server("localhost:2746") == "http://localhost:2746"
    assert normalize_server("https://argo.example/", default_scheme="http") == "https://argo.example"
    assert normalize_server("argo:2746", default_scheme="https") == "https://argo:2746"
    assert auth_header("abc") == {"Authorization": "Bearer abc"}
    assert auth_header("Bearer abc") == {"Authorization": "Bearer abc"}
    assert auth_header("") == {}
    assert clean_params({"a": "", "b": None, "c": False, "d": True, "e": 3, "f": ["x"]}) == {
        "d": "true",
        "e": "3",
        "f": ["x"],
    }


def test_parse_stream_line_forms() -> None:
    assert parse_stream_line("") is None
    assert parse_stream_line(": keep-alive") is None
    assert parse_stream_line('{"result": {"content": "x"}}') == ("result", {"content": "x"})
    assert parse_stream_line('data: {"content": "x"}') == ("result", {"content": "x"})
    kind, body = parse_stream_line('{"error": {"grpcCode": 5, "message": "no"}}') or ("", None)
    assert kind == "error" and body["error"]["message"] == "no"


def test_stream_error_line_raises() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        lines = (
            b'{"result": {"content": "a", "podName": "p"}}\n{"error": {"grpcCode": 5, "message": "gone"}}\n'
        )
        return httpx.Response(200, content=lines)

    http = HttpClient("http://x", transport=httpx.MockTransport(handler))
    got = []
    with pytest.raises(NotFound, match="gone"):
        for item in http.stream("/api/v1/workflows/argo/w/log"):
            got.append(item)
    assert got == [{"content": "a", "podName": "p"}]


def test_token_is_sent_and_checked() -> None:
    fake = FakeArgo(token="s3cret")
    with ArgoClient("http://fake", transport=fake.transport) as anonymous, pytest.raises(Unauthenticated):
        anonymous.workflows.list()
    with (
        ArgoClient("http://fake", token="wrong", transport=fake.transport) as wrong,
        pytest.raises(Unauthenticated),
    ):
        wrong.info()
    with ArgoClient("http://fake", token="s3cret", transport=fake.transport) as good:
        assert good.workflows.list() == []
    assert fake.requests[-1].headers["authorization"] == "Bearer s3cret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_is_unavailable_naming_the_server() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    with ArgoClient(url, timeout=2) as client, pytest.raises(Unavailable) as info:
        client.workflows.list()
    assert url in str(info.value) and "argento server" in str(info.value)
    assert info.value.exit_code == 3
    assert "\n" not in str(info.value)
