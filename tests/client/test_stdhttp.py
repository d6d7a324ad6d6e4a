"""The standard library transport of :class:`HttpClient`: against a real ``argento server`` (auth, Host, JSON
bodies, the error tree) and against a scripted HTTP server (headers and bodies as sent, non-JSON error
bodies, timeouts, a kept-alive connection the server closed, streams, TLS)."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from serverconf import ServerProcess

from argento.client import ArgoClient
from argento.client.http import HttpClient
from argento.client.stdhttp import proxied, target
from argento.config import Settings
from argento.errors import (
    ArgentoError,
    NotFound,
    PermissionDenied,
    SpecError,
    Unauthenticated,
    Unavailable,
)
from argento.store import open_store

HELLO = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"generateName": "std-"},
    "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "busybox"}}]},
}


# -- against a real argento server -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(URL, token) of an ``argento server --auth-mode client`` (fake executor) in its own home."""
    home = tmp_path_factory.mktemp("stdhttp-home")
    store = open_store(Settings.from_env({"ARGENTO_HOME": str(home)}))
    try:
        _, token = store.tokens.create("cli")
    finally:
        store.close()
    with ServerProcess(home, "--auth-mode", "client", "--executor", "fake") as proc:
        yield proc.url, token


def test_round_trip_with_a_token(real: tuple[str, str]) -> None:
    url, token = real
    with ArgoClient(url, token=token) as client:
        assert client.http._std is not None  # the standard library transport, not httpx
        wf = client.workflows.create(HELLO)  # a JSON body: the server takes no other Content-Type
        name = wf["metadata"]["name"]
        assert client.workflows.get(name)["metadata"]["name"] == name
        assert name in [w["metadata"]["name"] for w in client.workflows.list()]
        client.workflows.delete(name)
        with pytest.raises(NotFound) as info:
            client.workflows.get(name)
        assert info.value.exit_code == 2 and name in str(info.value)


def test_missing_or_wrong_token_is_unauthenticated(real: tuple[str, str]) -> None:
    url, _ = real
    for token in ("", "wrong"):
        with ArgoClient(url, token=token) as client, pytest.raises(Unauthenticated) as info:
            client.workflows.list()
        assert "ARGENTO_TOKEN" in str(info.value) or "token" in str(info.value).lower()


def test_a_bad_manifest_maps_to_spec_error(real: tuple[str, str]) -> None:
    url, token = real
    with ArgoClient(url, token=token) as client, pytest.raises(SpecError):
        client.workflows.create({"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "spec": {}})


def test_localhost_is_a_host_the_server_answers(real: tuple[str, str]) -> None:
    url, token = real
    with ArgoClient(url.replace("127.0.0.1", "localhost"), token=token) as client:
        assert isinstance(client.workflows.list(), list)


def test_a_configured_proxy_is_used(real: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """With HTTP_PROXY the request goes to the proxy (through httpx), not straight to the server."""
    url, token = real
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_free_port()}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with ArgoClient(url, token=token) as client:
        assert client.http._std is None
        with pytest.raises(Unavailable):
            client.workflows.list()
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with ArgoClient(url, token=token) as client:
        assert client.http._std is not None
        assert isinstance(client.workflows.list(), list)


def test_proxied_decision() -> None:
    assert not proxied("http://127.0.0.1:2746", {})
    assert proxied("http://127.0.0.1:2746", {"HTTP_PROXY": "http://p:3128"})
    assert not proxied("https://argo:2746", {"HTTP_PROXY": "http://p:3128"})
    assert proxied("https://argo:2746", {"https_proxy": "http://p:3128"})
    assert proxied("https://argo:2746", {"ALL_PROXY": "http://p:3128"})
    assert not proxied("http://127.0.0.1:2746", {"http_proxy": "http://p", "no_proxy": "localhost,127.0.0.1"})
    assert not proxied("http://argo:2746", {"http_proxy": "http://p", "NO_PROXY": "*"})
    assert not proxied("http://argo:2746", {"http_proxy": "http://p", "NO_PROXY": "argo:2746"})
    assert proxied("http://argo:2746", {"http_proxy": "http://p", "NO_PROXY": "other"})


def test_target_encoding() -> None:
    assert target("", "/api/v1/workflows/argo", None) == "/api/v1/workflows/argo"
    assert target("/prefix/", "/api/v1/info", None) == "/prefix/api/v1/info"
    assert target("", "/api/v1/workflows/argo/a b", None) == "/api/v1/workflows/argo/a%20b"
    got = target("", "/x", {"listOptions.labelSelector": "a!=b,c in (d,e)", "fields": ["p", "q"]})
    assert got == "/x?listOptions.labelSelector=a%21%3Db%2Cc%20in%20%28d%2Ce%29&fields=p&fields=q"


# -- against a scripted server -----------------------------------------------------------------------------
Script = Callable[[BaseHTTPRequestHandler], None]


class Scripted:
    """A local HTTP/1.1 server whose answers a test scripts; it records each request and connection."""

    def __init__(self, script: Script, *, tls: tuple[Path, Path] | None = None) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self.connections = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                outer.connections += 1
                super().setup()

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                outer.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers.items()),
                        "body": self.rfile.read(length) if length else b"",
                    }
                )
                outer.script(self)

            do_GET = do_POST = do_PUT = do_DELETE = _any

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        scheme = "http"
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(tls[0]), str(tls[1]))
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _answer(
    handler: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str = "application/json"
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", ctype)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def scripted() -> Iterator[Callable[..., Scripted]]:
    made: list[Scripted] = []

    def make(script: Script, **kwargs: Any) -> Scripted:
        made.append(Scripted(script, **kwargs))
        return made[-1]

    yield make
    for server in made:
        server.close()


def test_headers_and_json_body_as_sent(scripted: Callable[..., Scripted]) -> None:
    srv = scripted(lambda h: _answer(h, 200, b'{"ok": true}'))
    port = srv.url.rsplit(":", 1)[1]
    with HttpClient(srv.url + "/base/", token="s3cret") as http:
        assert http.post("/api/v1/x", {"name": "ü", "n": 1}, {"a": True, "b": ""}) == {"ok": True}
        assert http.get("/api/v1/y") == {"ok": True}
    sent = srv.requests[0]
    assert sent["method"] == "POST" and sent["path"] == "/base/api/v1/x?a=true"
    headers = {k.lower(): v for k, v in sent["headers"].items()}
    assert headers["host"] == f"127.0.0.1:{port}"
    assert headers["content-type"] == "application/json"
    assert headers["authorization"] == "Bearer s3cret"
    assert headers["accept"] == "application/json"
    assert json.loads(sent["body"]) == {"name": "ü", "n": 1}
    assert "content-type" not in {k.lower() for k in srv.requests[1]["headers"]}  # a GET sends no body
    assert srv.connections == 1  # kept alive between the two


def test_empty_and_non_json_answers(scripted: Callable[..., Scripted]) -> None:
    answers = iter([(200, b"", "application/json"), (200, b"plain words", "text/plain")])
    srv = scripted(lambda h: _answer(h, *next(answers)))
    with HttpClient(srv.url) as http:
        assert http.delete("/a") == {}
        assert http.get("/b") == "plain words"


@pytest.mark.parametrize(
    ("status", "body", "ctype", "expected", "words"),
    [
        (404, b"404 page not found\n", "text/plain", NotFound, "404 page not found"),
        (502, b"<html><body>Bad Gateway</body></html>", "text/html", Unavailable, "Bad Gateway"),
        (500, b"", "text/plain", ArgentoError, "500 Internal Server Error from http://127.0.0.1"),
        (
            403,
            b'{"code": 7, "message": "host not allowed"}',
            "application/json",
            PermissionDenied,
            "host not",
        ),
        (
            400,
            b'{"code": 3, "message": "spec.entrypoint is required"}',
            "application/json",
            SpecError,
            "spec.",
        ),
    ],
)
def test_error_answers_map_through_the_error_tree(
    scripted: Callable[..., Scripted],
    status: int,
    body: bytes,
    ctype: str,
    expected: type[ArgentoError],
    words: str,
) -> None:
    srv = scripted(lambda h: _answer(h, status, body, ctype))
    with HttpClient(srv.url) as http, pytest.raises(ArgentoError) as info:
        http.get("/api/v1/workflows/argo/x")
    assert type(info.value) is expected
    assert words in str(info.value)
    assert info.value.exit_code == expected.exit_code


def test_a_slow_server_times_out(scripted: Callable[..., Scripted]) -> None:
    srv = scripted(lambda h: (time.sleep(2), _answer(h, 200, b"{}")))
    with HttpClient(srv.url, timeout=0.3) as http, pytest.raises(Unavailable) as info:
        http.get("/slow")
    assert "timed out" in str(info.value) and srv.url in str(info.value)
    assert info.value.exit_code == 3


def test_a_kept_alive_connection_the_server_closed_is_reopened(scripted: Callable[..., Scripted]) -> None:
    def once(h: BaseHTTPRequestHandler) -> None:
        _answer(h, 200, b"{}")  # no "Connection: close", then the server drops the connection anyway
        h.close_connection = True

    srv = scripted(once)
    with HttpClient(srv.url) as http:
        assert http.post("/a", {}) == {}
        time.sleep(0.1)
        assert http.post("/b", {}) == {}
    assert [r["path"] for r in srv.requests] == ["/a", "/b"] and srv.connections == 2


def _stream(lines: list[bytes], then: Callable[[], None] | None = None) -> Script:
    def script(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for line in lines:
            h.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
            h.wfile.flush()
        if then is not None:
            then()
        h.wfile.write(b"0\r\n\r\n")

    return script


def test_stream_lines_and_an_error_line(scripted: Callable[..., Scripted]) -> None:
    srv = scripted(
        _stream(
            [b'{"result": {"content": "a"}}\n', b"\n", b'{"error": {"grpcCode": 5, "message": "gone"}}\n']
        )
    )
    got = []
    with HttpClient(srv.url) as http, pytest.raises(NotFound, match="gone"):
        for item in http.stream("/log"):
            got.append(item)
    assert got == [{"content": "a"}]


def test_stream_ends_after_idle_seconds(scripted: Callable[..., Scripted]) -> None:
    srv = scripted(_stream([b'{"result": 1}\n'], then=lambda: time.sleep(3)))
    start = time.monotonic()
    with HttpClient(srv.url) as http:
        assert list(http.stream("/watch", idle=0.3)) == [1]
    assert time.monotonic() - start < 2


def test_stream_error_status_and_refused_connection(scripted: Callable[..., Scripted]) -> None:
    srv = scripted(lambda h: _answer(h, 404, b'{"code": 5, "message": "no such workflow"}'))
    with HttpClient(srv.url) as http, pytest.raises(NotFound, match="no such workflow"):
        list(http.stream("/log"))
    with HttpClient(f"http://127.0.0.1:{_free_port()}") as http, pytest.raises(Unavailable) as info:
        list(http.stream("/log"))
    assert "connection refused" in str(info.value)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    request = [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
    ]
    subprocess.run(
        [*request, "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_https_verifies_the_certificate_unless_told_not_to(
    scripted: Callable[..., Scripted], certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    srv = scripted(lambda h: _answer(h, 200, b'{"tls": true}'), tls=certificate)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with HttpClient(srv.url) as http, pytest.raises(Unavailable) as info:
        http.get("/x")  # self-signed: not trusted
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)
    with HttpClient(srv.url, verify=False) as http:
        assert http.get("/x") == {"tls": True}
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trusted as httpx would trust it
    with HttpClient(srv.url) as http:
        assert http.get("/x") == {"tls": True}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
