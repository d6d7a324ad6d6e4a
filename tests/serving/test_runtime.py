"""`argento serve` as a process: readiness, several workers on one socket, metrics summed, graceful drain."""

from __future__ import annotations

import concurrent.futures as cf
import signal
import subprocess
import sys
import time

import httpx
from serving_support import HERE, serve_process, wait_ready


def test_readiness_waits_for_models_and_startup() -> None:
    with serve_process("serving_apps:SlowStart", ready=False) as running:
        saw_live_not_ready = False
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                live = httpx.get(running.url + "/livez", timeout=1)
                ready = httpx.get(running.url + "/readyz", timeout=1)
            except httpx.TransportError:
                time.sleep(0.02)
                continue
            if live.status_code == 200 and ready.status_code == 503:
                saw_live_not_ready = True
                assert ready.json()["error"] == "unavailable"
                r = httpx.post(running.url + "/ping", json={}, timeout=1)
                assert r.status_code == 200 or "starting" in r.json()["detail"]  # 200 if it became ready
            if ready.status_code == 200:
                break
            time.sleep(0.02)
        assert saw_live_not_ready
        assert httpx.post(running.url + "/ping", json={}).text == "pong"


def test_startup_failure_exits_with_one_line() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "argento.cli.main", "serve", "serving_apps:Broken", "--port", "0",
         "--working-dir", str(HERE)],
        capture_output=True, text=True, timeout=30,
    )
    assert proc.returncode == 1
    assert "error: service failed to start: RuntimeError: model file missing" in proc.stderr


def test_unknown_target_is_a_clear_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "argento.cli.main", "serve", "no_such_module:Svc", "--working-dir", str(HERE)],
        capture_output=True, text=True, timeout=30,
    )
    assert proc.returncode != 0 and "error: cannot import 'no_such_module'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_two_workers_share_the_socket_and_sum_metrics() -> None:
    with serve_process("serving_apps:Echo", "--workers", "2", "--no-access-log") as running:
        with httpx.Client(base_url=running.url, timeout=5) as c:
            pids = set()
            sent = 0
            deadline = time.monotonic() + 20  # /readyz answered by one worker: the other may still be starting
            while len(pids) < 2 and time.monotonic() < deadline:  # new connections land on either worker
                with httpx.Client(base_url=running.url, timeout=5) as fresh:
                    r = fresh.post("/add", json={"a": 1})
                    assert r.status_code == 200
                    pids.add(r.headers["x-request-id"][:8])  # each worker has its own id prefix
                sent += 1
                time.sleep(0.01)
            for _ in range(10):
                c.post("/add", json={"a": 1})
            total = 0.0
            for line in c.get("/metrics").text.splitlines():
                if line.startswith("argento_service_request_total") and 'endpoint="add"' in line:
                    total += float(line.split()[-1])
        assert len(pids) == 2
        assert total >= sent + 10


def test_sigterm_drains_in_flight_requests() -> None:
    with serve_process("serving_apps:Limited", "--graceful-timeout", "5") as running:
        with cf.ThreadPoolExecutor(2) as pool:
            pending = pool.submit(httpx.post, running.url + "/work", json={"ms": 400}, timeout=5)
            time.sleep(0.15)
            assert running.proc is not None
            running.proc.send_signal(signal.SIGTERM)
            assert pending.result().status_code == 200  # finished, not cut
        assert running.proc.wait(10) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once drained
        log = running.log.read_text() if running.log else ""
        assert "Application shutdown complete" in log


def test_p8_start_to_ready_is_fast() -> None:
    started = time.monotonic()
    with serve_process("serving_apps:Echo", "--no-access-log", ready=False) as running:
        wait_ready(running)
        # SPEC P8 (≤ 1.5 s + model load) is measured by bench/serving.py on a quiet machine; here only a bound
        # that survives a busy CI box.
        assert time.monotonic() - started < 10.0
