"""Sync APIs run inline on the event loop while their measured calls are short, in threads otherwise
(argento.serving.inline), without giving up traffic.timeout; the thread that ran a call is in its answer."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from serving_apps import Gate
from serving_support import Running, serve_in_thread

import argento
from argento.serving import inline
from argento.serving.routes import CompiledAPI


@pytest.fixture()
def gate() -> Iterator[Running]:
    with serve_in_thread(Gate) as running:
        yield running


def compiled(running: Running, name: str) -> CompiledAPI:
    return next(api for api in running.app.apis if api.name == name)


def in_thread(name: str) -> bool:
    return name.startswith("argento-api")


def make_inline(c: httpx.Client, api: CompiledAPI, path: str = "/seed_style", limit: int = 3000) -> None:
    """Send fast calls until the gate admits the API (bounded: probes fail only when the machine stalls them)."""
    deadline = time.monotonic() + 60
    for _ in range(limit):
        assert c.post(path, json={}).status_code == 200
        if api.gate.inline or time.monotonic() > deadline:
            break
    assert api.gate.inline, (
        f"not admitted: interval {api.gate.interval}, last probe {api.gate.last_cost * 1e3:.2f} ms"
    )


def test_a_fast_sync_api_moves_inline(gate: Running) -> None:
    api = compiled(gate, "seed_style")
    with gate.client() as c:
        assert in_thread(c.post("/seed_style", json={}).json()["thread"])  # measured in threads first
        make_inline(c, api)
        threads = {c.post("/seed_style", json={}).json()["thread"] for _ in range(20)}
    assert not any(in_thread(t) for t in threads), threads  # the loop's own thread answered


def test_a_slow_sync_api_stays_in_threads_and_probes_less_often(gate: Running) -> None:
    api = compiled(gate, "slow")
    with gate.client() as c:
        threads = {c.post("/slow", json={"ms": 3}).json()["thread"] for _ in range(60)}
    assert all(in_thread(t) for t in threads), threads
    assert not api.gate.inline
    assert api.gate.interval > 8  # failed probes back off


def test_a_call_that_turns_slow_moves_back_to_threads(gate: Running) -> None:
    api = compiled(gate, "seed_style")
    with gate.client() as c:
        make_inline(c, api)
        r = c.post("/seed_style", json={"delay": 0.02})  # slow, or preempted: a suspect
        assert r.status_code == 200 and not in_thread(r.json()["thread"])  # it ran inline…
        assert api.gate.inline and api.gate.verify  # … and the next call settles it
        r = c.post("/seed_style", json={"delay": 0.02})
        assert in_thread(r.json()["thread"])  # a probe: the loop waited PROBE_WAIT at most
        assert not api.gate.inline and api.gate.floor == 2  # re-admission is slower after an eviction
        assert in_thread(c.post("/seed_style", json={}).json()["thread"])
        make_inline(c, api)
        # Past any preemption: evicted at once.
        r = c.post("/seed_style", json={"delay": inline.STALL_LIMIT * 1.5})
        assert not in_thread(r.json()["thread"]) and not api.gate.inline and api.gate.floor == 4


def test_a_suspect_followed_by_fast_calls_stays_inline(gate: Running) -> None:
    api = compiled(gate, "seed_style")
    with gate.client() as c:
        make_inline(c, api)
        c.post("/seed_style", json={"delay": 0.005})
        assert api.gate.verify
        deadline = time.monotonic() + 30  # a probe the OS preempted says nothing: the next call probes again
        while api.gate.verify and time.monotonic() < deadline:
            assert in_thread(c.post("/seed_style", json={}).json()["thread"])
        assert api.gate.inline and not api.gate.verify
        assert not in_thread(c.post("/seed_style", json={}).json()["thread"])


def test_the_timeout_still_fires_for_a_slow_inline_eligible_call(gate: Running) -> None:
    api = compiled(gate, "seed_style")
    app = gate.app
    with gate.client() as c:
        make_inline(c, api)
        # Inline, the call that blocks cannot be interrupted: its request gets a 504 when it returns late, and
        # the API leaves the loop.
        r = c.post("/seed_style", json={"delay": 1.2})  # traffic.timeout is 1 s
        assert r.status_code == 504 and r.json()["error"] == "timeout"
        assert not api.gate.inline
        # In a thread again: the 504 comes at the timeout while the call still runs, and the loop answers others.
        r = c.post("/seed_style", json={"delay": 3})
        assert r.status_code == 504
        assert app.inflight == 1  # the call has not ended: the timeout fired first
        assert c.get("/livez").status_code == 200
        deadline = time.monotonic() + 10
        while app.inflight and time.monotonic() < deadline:
            time.sleep(0.05)
        assert app.inflight == 0


def test_run_inline_overrides_the_measurements(gate: Running) -> None:
    with gate.client() as c:
        assert all(in_thread(c.post("/never").json()["thread"]) for _ in range(50))
        assert not any(in_thread(c.post("/always").json()["thread"]) for _ in range(5))
    assert not compiled(gate, "never").gate.inline and compiled(gate, "always").gate.inline


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited")  # the one asyncio.run() refused
def test_code_that_needs_its_own_event_loop_is_retried_in_a_thread_and_pinned_there(gate: Running) -> None:
    api = compiled(gate, "nested")
    with gate.client() as c:
        assert c.post("/nested", json={"x": 2}).json()["value"] == 4
        api.gate.inline = True  # as if admitted: asyncio.run() cannot run on the serving loop's thread
        r = c.post("/nested", json={"x": 3})
        assert r.status_code == 200 and r.json()["value"] == 6 and in_thread(r.json()["thread"])
        assert api.gate.fixed and not api.gate.inline
        assert all(c.post("/nested", json={"x": i}).json()["value"] == 2 * i for i in range(20))


def test_probes_decide_and_preempted_ones_say_nothing() -> None:
    g = inline.InlineGate("x")
    for _ in range(inline.ADMIT_AFTER - 1):
        assert g.probe_due()
        g.probed(0.0001, 0.0001)
    g.probed(0.05, 0.0001, preempted=True)  # the OS took the CPU: ignored
    assert g.good == inline.ADMIT_AFTER - 1
    g.probed(None)  # the loop stopped waiting at PROBE_WAIT
    assert not g.inline and g.good == 0 and g.interval == 2
    g.probed(0.0006, 0.0001)  # fast but mostly waiting (I/O, a lock): overlaps better in threads
    assert g.good == 0 and g.interval == 4
    for _ in range(inline.ADMIT_AFTER):
        g.probed(0.0001, 0.0001)
    assert g.inline and g.interval == 1
    for _ in range(100):  # suspects now and then (a preempted process) settle with a probe each
        g.ran_inline(0.0001)
    g.ran_inline(0.005)
    assert g.inline and g.verify and g.probe_due()
    g.probed(0.0001, 0.0001)
    assert g.inline and not g.verify
    for _ in range(40):  # but a steady share of slow calls evicts without waiting for probes
        g.ran_inline(0.005)
        g.verify = False
    assert not g.inline


def test_run_inline_is_for_sync_apis() -> None:
    with pytest.raises(ValueError, match="run_inline applies to sync"):

        @argento.api(run_inline=True)
        async def predict(self: object, x: int) -> int:
            return x

    with pytest.raises(TypeError, match="run_inline is True, False or None"):

        @argento.api(run_inline="yes")  # type: ignore[arg-type]
        def other(self: object, x: int) -> int:
            return x
