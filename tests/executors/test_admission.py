"""Admission control: quantities, the Unschedulable message, FIFO queueing, the executor's Pending state."""

from __future__ import annotations

import asyncio

import exec_support
import pytest
from exec_support import run
from wait import eventually_async

from argento.config import Settings
from argento.executors import Admission, Resources, Unschedulable, parse_quantity
from argento.executors.admission import pod_capacity
from argento.executors.local import LocalExecutor

make_pod = exec_support.make_pod  # a fixture

GI = 2**30


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", 0.5),
        ("2", 2.0),
        ("0.25", 0.25),
        ("64Mi", 64 * 2**20),
        ("1Gi", GI),
        ("1G", 1e9),
        ("128M", 128e6),
        ("1e3", 1000.0),
        ("1.5Ki", 1536.0),
        (3, 3.0),
    ],
)
def test_parse_quantity(text, value) -> None:
    assert parse_quantity(text) == value


def test_bad_quantity() -> None:
    with pytest.raises(ValueError):
        parse_quantity("lots")


def test_requests_default_to_limits() -> None:
    assert Resources.of_container({}, {"cpu": "2", "memory": "1Gi"}) == Resources(2.0, GI)
    assert Resources.of_container({"cpu": "100m"}, {"cpu": "2"}) == Resources(0.1, 0.0)


def test_machine_capacity_is_known() -> None:
    cap = Resources.of_machine()
    assert cap.cpu >= 1 and cap.memory > 100 * 2**20


def test_too_big_fails_at_once_with_the_scheduler_message() -> None:
    adm = Admission(Resources(2, 4 * GI))
    with pytest.raises(
        Unschedulable, match=r"^Unschedulable: 0/1 nodes are available: 1 Insufficient cpu\.$"
    ):
        adm.check(Resources(3, GI))
    with pytest.raises(Unschedulable, match=r"1 Insufficient cpu, 1 Insufficient memory\."):
        adm.check(Resources(3, 8 * GI))


def test_fifo_queue_is_fair() -> None:
    async def go():
        adm = Admission(Resources(2, 4 * GI))
        order: list[str] = []

        async def pod(name: str, cpu: float, hold: float) -> None:
            await adm.acquire(Resources(cpu, 0))
            order.append(name)
            await asyncio.sleep(hold)
            adm.release(Resources(cpu, 0))

        first = asyncio.create_task(pod("a", 1.5, 0.05))
        await asyncio.sleep(0)
        big = asyncio.create_task(pod("big", 2, 0.01))  # must wait for a
        await asyncio.sleep(0)
        small = asyncio.create_task(pod("small", 0.5, 0))  # fits now, but queues behind big (no starvation)
        await eventually_async(lambda: adm.waiting, until=lambda n: n == 2, timeout=5, interval=0)
        assert order == ["a"]
        assert adm.try_acquire(Resources()) is True  # BestEffort pods never wait
        await asyncio.gather(first, big, small)
        assert order == ["a", "big", "small"] and adm.used == Resources()

    run(go())


def test_cancelled_waiter_frees_the_queue() -> None:
    async def go():
        adm = Admission(Resources(1, GI))
        await adm.acquire(Resources(1, 0))
        blocked = asyncio.create_task(adm.acquire(Resources(1, 0)))
        behind = asyncio.create_task(adm.acquire(Resources(0.5, 0)))
        await asyncio.sleep(0)
        blocked.cancel()
        adm.release(Resources(1, 0))
        await behind
        assert adm.used == Resources(0.5, 0)

    run(go())


def test_executor_holds_pods_pending_until_they_fit(settings: Settings, make_pod) -> None:
    async def go():
        ex = LocalExecutor(settings, admission=Admission(Resources(1, GI)))
        a = await ex.start(make_pod("busybox", ["sh", "-c"], ["sleep 0.2; echo a"], requests={"cpu": "800m"}))
        b = await ex.start(make_pod("busybox", ["sh", "-c"], ["echo b"], requests={"cpu": "500m"}))
        assert a.admitted.is_set() and not b.admitted.is_set() and b.pid is None
        ra = await a.wait()
        await asyncio.wait_for(b.admitted.wait(), 2)
        rb = await b.wait()
        assert (ra.result, rb.result) == ("a", "b") and rb.started_at >= ra.finished_at
        # A pending pod can be killed without ever starting.
        c = await ex.start(make_pod("busybox", ["sh", "-c"], ["sleep 1"], requests={"cpu": "1"}))
        d = await ex.start(make_pod("busybox", ["sh", "-c"], ["echo d"], requests={"cpu": "1"}))
        await d.kill()
        rd = await d.wait()
        assert rd.killed and d.pid is None
        await c.kill(grace=0)
        assert ex.admission.used == Resources()
        with pytest.raises(Unschedulable):
            await ex.start(make_pod("busybox", ["true"], limits={"memory": "2Gi"}))
        await ex.close()

    run(go())


def test_past_its_pod_capacity_every_pod_waits_in_the_queue() -> None:
    # The kubelet's maxPods: BestEffort pods do not wait for cpu, but they do for a pod slot.
    async def go():
        adm = Admission(Resources(2, GI), max_pods=2)
        assert adm.try_acquire(Resources()) and adm.try_acquire(Resources())
        assert not adm.try_acquire(Resources())
        third = asyncio.create_task(adm.acquire(Resources()))
        await eventually_async(lambda: adm.waiting, until=lambda n: n == 1, timeout=5, interval=0)
        adm.release(Resources())
        await asyncio.wait_for(third, 2)
        assert adm.pods == 2

    run(go())


def test_the_executor_runs_a_fan_out_wider_than_its_slots(settings: Settings, make_pod) -> None:
    # A 10,000-item fan-out failed its later steps with "[Errno 24] Too many open files": each running step
    # holds descriptors, so the open-file limit bounds how many run at once; the rest wait for a slot.
    async def go():
        assert LocalExecutor(settings).admission.max_pods == pod_capacity() < float("inf")
        ex = LocalExecutor(settings, admission=Admission(max_pods=2))
        handles = [
            await ex.start(make_pod("busybox", ["sh", "-c"], [f"sleep 0.05; echo {i}"])) for i in range(6)
        ]
        assert sum(h.admitted.is_set() for h in handles) == 2
        results = [await h.wait() for h in handles]
        assert [r.result for r in results] == [str(i) for i in range(6)]
        spans = sorted((r.started_at, r.finished_at) for r in results)
        for i, (start, _) in enumerate(spans):  # never more than two at once
            assert sum(1 for s, f in spans[:i] if f > start) <= 1
        assert ex.admission.pods == 0
        await ex.close()

    run(go())
