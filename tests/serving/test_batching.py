"""Adaptive batching (SPEC §3.4): the cost model, the release rule and the queue, on a simulated clock."""

from __future__ import annotations

import asyncio
import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from argento.serving.batching import ArrivalRate, Batch, BatchPolicy, BatchQueue, CostModel
from argento.serving.dispatcher import Dispatcher
from argento.serving.errors import DeadlineExceeded
from argento.serving.io.base import ListCodec


def test_cost_model_recovers_the_line_from_noisy_batches() -> None:
    rng = random.Random(1)
    model = CostModel()
    for _ in range(300):
        n = rng.randint(1, 64)
        model.observe(n, 0.002 + 0.0001 * n + rng.gauss(0, 0.00005))
    assert model.a == pytest.approx(0.0001, rel=0.15)
    assert model.b == pytest.approx(0.002, rel=0.1)
    assert model.predict(10) == pytest.approx(0.003, rel=0.1)


def test_cost_model_with_one_batch_size_moves_only_the_intercept() -> None:
    model = CostModel(warmup=0)
    for _ in range(20):
        model.observe(1, 0.004)
    assert model.a == 0 and model.b == pytest.approx(0.004)
    model.observe(1, 1.0)  # one outlier shifts, forgetting brings it back
    for _ in range(200):
        model.observe(1, 0.004)
    assert model.b == pytest.approx(0.004, rel=0.05)


def test_cost_model_skips_the_cold_first_batch() -> None:
    model = CostModel(warmup=1)
    model.observe(1, 5.0)  # imports, JIT, cold caches
    model.observe(1, 0.001)
    assert model.b == pytest.approx(0.001)


def test_release_rule_waits_only_while_it_pays_off() -> None:
    cost, rate = CostModel(), ArrivalRate()
    cost.a, cost.b = 0.0001, 0.004
    policy = BatchPolicy(32, cost, rate)
    assert policy.hold_budget(1) == pytest.approx((0.004 - 0.0001) / 2)
    assert policy.hold_budget(40) == 0.0  # b - n·a <= 0: never wait
    rate.gap, rate.last = 0.0005, 10.0  # requests come every 0.5 ms, the last one now: worth waiting
    assert policy.release_at(10.0, 1, oldest_deadline=11.0) == pytest.approx(10.0 + policy.hold_budget(1))
    assert policy.release_at(10.0, 1, oldest_deadline=10.006) == pytest.approx(10.006 - cost.predict(2))
    assert policy.release_at(10.0, 1, oldest_deadline=10.001) == 10.0  # no time left to wait
    # The hold counts from the last arrival: polled again later with nothing new, it releases.
    assert policy.release_at(10.0 + policy.hold_budget(1), 1, oldest_deadline=11.0) == 10.0 + policy.hold_budget(1)
    assert policy.release_at(10.0, 32, oldest_deadline=11.0) == 10.0  # full
    rate.gap = 0.01  # sparse traffic: release at once
    assert policy.release_at(10.0, 1, oldest_deadline=11.0) == 10.0
    cost.b = 0.0  # no fixed cost: batching buys nothing
    rate.gap = 0.0
    assert policy.release_at(10.0, 1, oldest_deadline=11.0) == 10.0


def test_queue_splits_oversized_requests_and_fills_batches_exactly() -> None:
    q = BatchQueue(4, 1.0, lambda v, a, b: v[a:b])
    big = q.offer(0.0, list(range(10)), 10)
    small = q.offer(0.0, ["x", "y"], 2)
    assert big is not None and small is not None
    batches = []
    while True:
        batch = q.poll(0.0)
        if not isinstance(batch, Batch):
            break
        batches.append([v for p in batch.parts for v in p.value])
        q.finished(0.0, batch, 0.001)
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, "x", "y"]]
    assert all(len(b) <= 4 for b in batches)


def test_queue_sheds_only_requests_predicted_to_miss_the_deadline() -> None:
    cost = CostModel()
    cost.count, cost.a, cost.b, cost.max_rows = 10, 0.001, 0.010, 8  # fitted: a batch of 8 takes 18 ms
    q = BatchQueue(8, 0.050, lambda v, a, b: v[a:b], cost=cost)
    admitted = [q.offer(0.0, [i], 1) for i in range(24)]  # three batches: 54 ms > 50 ms for the last ones
    assert all(r is not None for r in admitted[:16])
    assert any(r is None for r in admitted[16:])
    assert q.offer(0.0, list(range(3)), 3) is None


@dataclass
class SimResult:
    latencies: list[float] = field(default_factory=list)
    shed: int = 0
    batch_rows: list[int] = field(default_factory=list)
    end: float = 0.0

    @property
    def p99(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[int(len(ordered) * 0.99) - 1] if ordered else 0.0


def simulate(
    cost: Callable[[int], float],
    *,
    max_batch_size: int,
    max_latency: float,
    clients: int = 0,
    rate: float = 0.0,
    duration: float = 2.0,
    overhead: float = 0.0002,
    seed: int = 7,
) -> SimResult:
    """Discrete-event run of a BatchQueue: closed loop (``clients``) or Poisson arrivals (``rate``/s).

    ``overhead`` is the per-request time outside the batch (HTTP), added to the client's think time.
    """
    rng = random.Random(seed)
    q = BatchQueue(max_batch_size, max_latency, lambda v, a, b: v[a:b])
    res = SimResult()
    events: list[tuple[float, int, str, object]] = []
    seq = 0

    def push(t: float, kind: str, payload: object = None) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (t, seq, kind, payload))

    if clients:
        for _ in range(clients):
            push(rng.uniform(0, overhead), "arrive")
    else:
        push(rng.expovariate(rate), "arrive")
    wake_at: float | None = None
    while events:
        now, _, kind, payload = heapq.heappop(events)
        if now > duration and kind == "arrive":
            continue
        if kind == "arrive":
            request = q.offer(now, [now], 1, handle=now)
            if request is None:
                res.shed += 1
                if clients:
                    push(now + overhead, "arrive")
            if not clients:
                push(now + rng.expovariate(rate), "arrive")
        elif kind == "done":
            batch = payload
            assert isinstance(batch, Batch)
            q.finished(now, batch, cost(batch.rows))
            for part in batch.parts:
                res.latencies.append(now - part.request.arrival + overhead)
                if clients:
                    push(now + overhead, "arrive")
            res.end = now
        elif kind == "wake" and wake_at is not None and now < wake_at:
            continue
        polled = q.poll(now)
        if isinstance(polled, Batch):
            res.shed += len(q.shed_expired(now, polled))
            assert polled.rows <= max_batch_size
            res.batch_rows.append(polled.rows)
            push(now + cost(polled.rows), "done", polled)
        elif isinstance(polled, float):
            wake_at = polled
            push(polled, "wake")
    return res


def line(a: float, b: float) -> Callable[[int], float]:
    return lambda n: a * n + b


def test_batching_multiplies_throughput_at_c64_within_the_latency_budget() -> None:
    cost = line(0.00005, 0.002)  # 2 ms per call + 50 µs per row: batching pays
    batched = simulate(cost, max_batch_size=64, max_latency=0.1, clients=64)
    single = simulate(cost, max_batch_size=1, max_latency=10.0, clients=64)
    throughput_batched = len(batched.latencies) / batched.end
    throughput_single = len(single.latencies) / single.end
    assert throughput_batched >= 3 * throughput_single
    assert batched.p99 <= 0.1
    assert batched.shed == 0
    assert max(batched.batch_rows) <= 64


def test_light_load_is_not_delayed() -> None:
    cost = line(0.0001, 0.001)
    res = simulate(cost, max_batch_size=32, max_latency=0.5, rate=50)  # one request every 20 ms
    mean = sum(res.latencies) / len(res.latencies)
    assert mean < cost(1) * 1.5 + 0.0002
    assert sum(res.batch_rows) / len(res.batch_rows) < 1.2


def test_open_loop_above_single_capacity_is_absorbed() -> None:
    cost = line(0.0001, 0.004)  # unbatched capacity 243/s
    res = simulate(cost, max_batch_size=32, max_latency=0.05, rate=1500)
    assert res.shed == 0
    assert res.p99 <= 0.05


def test_overload_sheds_the_excess_and_keeps_admitted_latency() -> None:
    cost = line(0.001, 0.004)  # batched capacity ~ 28 batches of 32/s = 890 rows/s
    res = simulate(cost, max_batch_size=32, max_latency=0.1, rate=2000)
    assert res.shed > 0.3 * (res.shed + len(res.latencies))
    assert res.p99 <= 0.1 * 1.2  # predictions, not guarantees: a small overshoot at most


def test_dispatcher_runs_batches_on_the_event_loop() -> None:
    seen: list[tuple[int, int]] = []

    async def model(batch: list[int]) -> list[int]:
        await asyncio.sleep(0.005)
        return [x * 10 for x in batch]

    async def main() -> None:
        d = Dispatcher(model, ListCodec(), max_batch_size=8, max_latency_ms=1000,
                       on_batch=lambda r, n, a, b: seen.append((r, n)))
        d.start()
        futures = [d.submit([i, i + 100])[0] for i in range(10)]
        futures.append(d.submit(list(range(20)))[0])  # bigger than a batch: split, re-assembled
        results = await asyncio.gather(*futures)
        assert results[:10] == [[i * 10, (i + 100) * 10] for i in range(10)]
        assert results[10] == [x * 10 for x in range(20)]
        assert all(rows <= 8 for _, rows in seen)
        assert sum(rows for _, rows in seen) == 40
        await d.stop()

    asyncio.run(main())


def test_dispatcher_gathers_requests_the_loop_already_has_before_a_batch() -> None:
    seen: list[int] = []

    async def model(batch: list[int]) -> list[int]:
        seen.append(len(batch))
        await asyncio.sleep(0.001)
        return batch

    async def main() -> None:
        d = Dispatcher(model, ListCodec(), max_batch_size=64, max_latency_ms=1000)
        d.start()

        async def trickle(n: int) -> list:  # one request per loop turn, like requests parsed one by one
            futures = []
            for i in range(n):
                futures.append(d.submit([i])[0])
                await asyncio.sleep(0)
            return await asyncio.gather(*futures)

        assert await trickle(20) == [[i] for i in range(20)]
        assert seen == [20]  # one batch, not one per turn
        seen.clear()
        started = asyncio.get_running_loop().time()
        assert await d.submit([7])[0] == [7]  # alone: released at once
        assert asyncio.get_running_loop().time() - started < 0.05 and seen == [1]
        await d.stop()

    asyncio.run(main())


def test_dispatcher_reports_failures_to_every_request_of_the_batch() -> None:
    async def broken(batch: list[int]) -> list[int]:
        raise ValueError("bad model")

    async def short(batch: list[int]) -> list[int]:
        return batch[:-1]

    async def main() -> None:
        for fn, message in ((broken, "bad model"), (short, "returned")):
            d = Dispatcher(fn, ListCodec(), max_batch_size=8, max_latency_ms=1000)
            d.start()
            futures = [d.submit([i])[0] for i in range(3)]
            for outcome in await asyncio.gather(*futures, return_exceptions=True):
                assert isinstance(outcome, Exception) and message in str(outcome)
            await d.stop()

    asyncio.run(main())


def test_dispatcher_sheds_on_arrival_with_503() -> None:
    async def slow(batch: list[int]) -> list[int]:
        await asyncio.sleep(0.02)
        return batch

    async def main() -> None:
        cost = CostModel()
        cost.count, cost.a, cost.b, cost.max_rows = 10, 0.0, 0.02, 1
        d = Dispatcher(slow, ListCodec(), max_batch_size=1, max_latency_ms=50, cost=cost)
        d.start()
        outcomes = []
        for i in range(5):
            try:
                outcomes.append(d.submit([i])[0])
            except DeadlineExceeded:
                outcomes.append(None)
        assert outcomes[0] is not None and None in outcomes
        await asyncio.gather(*(f for f in outcomes if f is not None), return_exceptions=True)
        await d.stop()

    asyncio.run(main())


def test_no_shedding_on_a_far_extrapolation() -> None:
    cost = CostModel(warmup=0)
    for n, t in [(1, 0.001), (2, 0.004), (1, 0.001), (2, 0.004)] * 3:  # noisy slope from tiny batches
        cost.observe(n, t)
    assert cost.predict(64) > 0.1
    q = BatchQueue(64, 0.1, lambda v, a, b: v[a:b], cost=cost)
    assert q.offer(0.0, list(range(64)), 64) is not None
    batch = q.poll(0.0)
    assert isinstance(batch, Batch) and q.shed_expired(0.0, batch) == []
