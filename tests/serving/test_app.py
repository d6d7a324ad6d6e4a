"""The runtime's HTTP contract (SPEC §3.3), against a real uvicorn in a thread."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serving_apps import Echo, Hooks, Limited, Queued
from serving_support import Running, serve_in_thread

from argento.serving.io.multipart import encode_multipart


@pytest.fixture(scope="module")
def echo() -> Iterator[Running]:
    with serve_in_thread(Echo) as running:
        yield running


def error_of(response: httpx.Response) -> dict:
    body = response.json()
    assert set(body) == {"error", "detail"}, body
    assert response.headers["content-type"] == "application/json"
    return body


def test_descriptor_and_type_hint_apis(echo: Running) -> None:
    with echo.client() as c:
        assert c.post("/echo", json={"a": [1, 2]}).json() == {"a": [1, 2]}
        assert c.post("/echo_sync", json=[1, "x"]).json() == [1, "x"]
        assert c.post("/add", json={"a": 2}).json() == 3
        assert c.post("/add", json={"a": 2, "b": 5}).json() == 7
        assert c.post("/norm", json={"p": {"x": 3, "y": 4}}).json() == 5.0
        r = c.post("/shout", content="héllo")
        assert r.text == "HÉLLO" and r.headers["content-type"].startswith("text/plain")


def test_request_id_is_echoed_or_generated(echo: Running) -> None:
    with echo.client() as c:
        assert c.post("/add", json={"a": 1}, headers={"x-request-id": "abc-1"}).headers["x-request-id"] == "abc-1"
        ids = {c.post("/add", json={"a": 1}).headers["x-request-id"] for _ in range(3)}
        assert len(ids) == 3


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/add", b"{not json", "body is not valid JSON"),
        ("/add", b'{"a": "x"}', "a: Input should be a valid integer"),
        ("/add", b'{"b": 1}', "a: Field required"),
        ("/add", b'{"a": 1, "zzz": 2}', "zzz: Extra inputs are not permitted"),
        ("/norm", b'{"p": {"x": 1}}', "p.y: Field required"),
        ("/shout", b"\xff\xfe", "not valid UTF-8"),
        ("/echo", b"", "body is not valid JSON"),
    ],
)
def test_invalid_input_is_400_naming_the_field(echo: Running, path: str, body: bytes, field: str) -> None:
    with echo.client() as c:
        r = c.post(path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    err = error_of(r)
    assert err["error"] == "invalid_input" and field in err["detail"]


def test_404_405_413(echo: Running) -> None:
    with echo.client() as c:
        r = c.post("/nope", json={})
        assert r.status_code == 404 and error_of(r)["error"] == "not_found"
        r = c.get("/add")
        assert r.status_code == 405 and r.headers["allow"] == "POST" and error_of(r)["error"] == "method_not_allowed"
        r = c.post("/livez")
        assert r.status_code == 405 and error_of(r)
        r = c.post("/echo", content=b"[" + b"1," * 40_000 + b"1]")
        assert r.status_code == 413 and error_of(r)["error"] == "payload_too_large"

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies while streaming
            for _ in range(100):
                yield b" " * 1024

        r = c.post("/echo", content=chunks())
        assert r.status_code == 413


def test_user_error_is_500_with_request_id_and_no_trace(echo: Running) -> None:
    with echo.client() as c:
        r = c.post("/boom", json={"secret": "hunter2"})
    assert r.status_code == 500
    err = error_of(r)
    assert err["error"] == "internal_error"
    assert r.headers["x-request-id"] in err["detail"]
    assert "hunter2" not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text


def test_timeout_is_504_and_the_slot_is_held_until_the_code_ends(echo: Running) -> None:
    app = echo.app
    gauge = app.metrics.in_progress.labels("Echo", "dev", "hang")
    with echo.client() as c:
        started = time.monotonic()
        r = c.post("/hang", json={"seconds": 2.5})
        assert r.status_code == 504 and error_of(r)["error"] == "timeout"
        assert time.monotonic() - started < 2.2
        assert app.inflight == 1 and gauge._value.get() == 1  # the thread still runs
        while time.monotonic() - started < 2.5:
            time.sleep(0.05)
        deadline = time.monotonic() + 2
        while app.inflight and time.monotonic() < deadline:
            time.sleep(0.02)
        assert app.inflight == 0 and gauge._value.get() == 0
        r = c.post("/ahang", json={"seconds": 5})  # async code is cancelled at the timeout
        assert r.status_code == 504
        assert app.inflight == 0


def test_a_batched_request_times_out_with_504_and_holds_its_slot_until_the_batch_ends(echo: Running) -> None:
    app = echo.app
    with echo.client() as c:
        started = time.monotonic()
        r = c.post("/slow_batch", json=1.6)
        assert r.status_code == 504 and error_of(r)["error"] == "timeout"
        assert 0.9 < time.monotonic() - started < 1.55  # traffic.timeout is 1 s; the batch takes 1.6 s
        assert app.inflight == 1  # the batch still runs
        deadline = time.monotonic() + 3
        while app.inflight and time.monotonic() < deadline:
            time.sleep(0.02)
        assert app.inflight == 0 and time.monotonic() - started >= 1.6
        assert c.post("/slow_batch", json=0.01).json() == 0.01  # the dispatcher goes on
        assert app.inflight == 0


def test_ctx_sets_status_and_headers(echo: Running) -> None:
    with echo.client() as c:
        r = c.post("/with_ctx", json={"name": "ann"}, headers={"user-agent": "t/1", "x-request-id": "rid-9"})
    assert r.status_code == 201 and r.headers["x-hello"] == "ann"
    assert r.json() == {"rid": "rid-9", "agent": "t/1"}


def test_generators_stream(echo: Running) -> None:
    with echo.client() as c:
        assert c.post("/count", json={"n": 3}).text == "0\n1\n2\n"
        r = c.post("/events", json={"n": 2})
        assert r.headers["content-type"] == "application/x-ndjson"
        assert [json.loads(line) for line in r.text.splitlines()] == [{"i": 0}, {"i": 1}]


def test_multipart(echo: Running) -> None:
    body, ctype = encode_multipart({"note": (b"hi", "text/plain", ""), "meta": (b'{"k": 1}', "application/json", "")})
    with echo.client() as c:
        r = c.post("/form", content=body, headers={"content-type": ctype})
        assert r.json() == {"note": "hi", "meta": {"k": 1}}
        body, ctype = encode_multipart({"note": (b"hi", "text/plain", "")})
        r = c.post("/form", content=body, headers={"content-type": ctype})
        assert r.status_code == 400 and "meta" in error_of(r)["detail"]


def test_health_ready_docs_and_metrics(echo: Running) -> None:
    with echo.client() as c:
        for path in ("/livez", "/healthz", "/readyz"):
            assert c.get(path).status_code == 200
        doc = c.get("/docs.json").json()
        assert doc["openapi"].startswith("3.")
        assert doc["paths"]["/add"]["post"]["requestBody"]["content"]["application/json"]["schema"]["required"] == ["a"]
        assert doc["paths"]["/add"]["post"]["responses"]["400"]
        assert "<title>Echo" in c.get("/").text
        c.post("/add", json={"a": 1})
        c.post("/add", json={"a": "x"})
        text = c.get("/metrics").text
    assert 'argento_service_request_total{endpoint="add",service="Echo",status="200",version="dev"}' in text
    assert 'argento_service_request_total{endpoint="add",service="Echo",status="400",version="dev"}' in text
    assert "argento_service_request_duration_seconds_bucket" in text
    assert "argento_service_request_in_progress" in text
    assert "process_resident_memory_bytes" in text


def test_over_max_concurrency_is_429_fast() -> None:
    with serve_in_thread(Limited) as running, httpx.Client(base_url=running.url, timeout=5) as c:
        import concurrent.futures as cf

        with cf.ThreadPoolExecutor(8) as pool:
            slow = [pool.submit(c.post, "/work", json={"ms": 300}) for _ in range(2)]  # within the 0.5 s timeout
            deadline = time.monotonic() + 5
            while running.app.inflight < 2 and time.monotonic() < deadline:  # both slots taken
                time.sleep(0.01)
            started = time.monotonic()
            r = c.post("/work", json={"ms": 1})
            assert r.status_code == 429 and error_of(r)["error"] == "too_many_requests"
            assert time.monotonic() - started < 0.25  # refused at once, not queued behind the 0.3 s calls
            assert [f.result().status_code for f in slow] == [200, 200]
        assert c.post("/work", json={"ms": 1}).status_code == 200


def test_queue_policy_waits_for_a_slot() -> None:
    import concurrent.futures as cf

    with serve_in_thread(Queued) as running, httpx.Client(base_url=running.url, timeout=5) as c:
        with cf.ThreadPoolExecutor(8) as pool:
            codes = [f.result().status_code for f in [pool.submit(c.post, "/work", json={"ms": 100}) for _ in range(7)]]
        assert codes.count(200) >= 5 and set(codes) <= {200, 429}


def test_hooks_dependencies_and_shutdown(tmp_path: Path) -> None:
    Hooks.marker = tmp_path / "bye"
    try:
        with serve_in_thread(Hooks) as running, running.client() as c:
            assert c.post("/status").json() == {"started": True, "echo": "via dependency"}
        assert Hooks.marker.read_text() == "bye"
    finally:
        Hooks.marker = None


def test_batching_end_to_end_with_a_costly_model() -> None:
    import asyncio

    from serving_apps import CostlyBatch

    async def main(url: str) -> list:
        async with httpx.AsyncClient(base_url=url, timeout=10) as c:
            responses = await asyncio.gather(*(c.post("/predict", json={"rows": [i, i + 0.5]}) for i in range(64)))
        return [r.json() for r in responses]

    with serve_in_thread(CostlyBatch) as running:
        started = time.monotonic()
        results = asyncio.run(main(running.url))
        elapsed = time.monotonic() - started
        metrics = running.app.metrics.render().decode()
    assert results == [[2 * i, 2 * i + 1] for i in range(64)]
    assert elapsed < 5
    count = next(line for line in metrics.splitlines()
                 if line.startswith("argento_service_adaptive_batch_size_count") and 'unit="rows"' in line)
    assert float(count.split()[-1]) < 32
