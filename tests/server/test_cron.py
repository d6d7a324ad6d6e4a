"""CronWorkflows: schedule parsing, and the controller driven by explicit times (no waiting)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from serverconf import hello, serve, wait_phase

from argento.config import Settings
from argento.errors import SpecError
from argento.executors.base import StepResult
from argento.executors.fake import FakeExecutor
from argento.spec.cron import parse_schedule

CRONS = "/api/v1/cron-workflows/argo"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_schedule_next_times() -> None:
    assert parse_schedule("*/15 * * * *").next(utc(2024, 1, 1, 10, 7)) == utc(2024, 1, 1, 10, 15)
    assert parse_schedule("0 9 * * MON-FRI").next(utc(2024, 1, 6, 12, 0)) == utc(
        2024, 1, 8, 9, 0
    )  # Sat → Mon
    ny = parse_schedule("0 9 * * *", "America/New_York")
    assert ny.next(utc(2024, 1, 10, 0, 0)) == utc(2024, 1, 10, 14, 0)
    assert ny.next(utc(2024, 7, 10, 0, 0)) == utc(2024, 7, 10, 13, 0)
    assert parse_schedule("CRON_TZ=Asia/Tokyo 30 8 * * *").next(utc(2024, 1, 1, 0, 0)) == utc(
        2024, 1, 1, 23, 30
    )
    assert parse_schedule("@hourly").next(utc(2024, 1, 1, 10, 0)) == utc(2024, 1, 1, 11, 0)
    assert parse_schedule("@every 90s").next(utc(2024, 1, 1, 10, 0)) == utc(2024, 1, 1, 10, 1, 30)
    # day-of-month and day-of-week are OR-ed when both are restricted: the 13th, or a Friday
    assert parse_schedule("0 0 13 * 5").next(utc(2024, 9, 1)) == utc(2024, 9, 6)
    assert parse_schedule("0 0 1 1 *").times_between(utc(2023, 6, 1), utc(2026, 6, 1)) == [
        utc(2024, 1, 1),
        utc(2025, 1, 1),
        utc(2026, 1, 1),
    ]
    for bad in ("* * * *", "61 * * * *", "@sometimes", "a b c d e", "*/0 * * * *"):
        with pytest.raises(SpecError):
            parse_schedule(bad)
    with pytest.raises(SpecError, match="timezone"):
        parse_schedule("* * * * *", "Mars/Olympus")


def cron(name: str, **spec: Any) -> dict[str, Any]:
    wf = hello(name)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {"name": name},
        "spec": {"schedules": ["* * * * *"], "workflowSpec": wf["spec"], **spec},
    }


async def _create(client: Any, body: dict[str, Any]) -> datetime:
    r = await client.post(CRONS, json={"cronWorkflow": body})
    assert r.status_code == 200, r.text
    return datetime.strptime(r.json()["metadata"]["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=UTC
    )


def _minute_after(t: datetime, n: int = 1) -> datetime:
    return t.replace(second=0) + timedelta(minutes=n, seconds=5)


def test_cron_starts_named_children_once_per_activation(settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(settings, run_crons=False) as (client, c):
            created = await _create(client, cron("tick"))
            assert c.crons.tick(created) == []  # nothing due yet
            now = _minute_after(created)
            started = c.crons.tick(now)
            due = now.replace(second=0)
            assert started == [f"tick-{int(due.timestamp())}"]
            assert c.crons.tick(now) == []  # same activation: not again
            wf = await wait_phase(client, started[0])
            assert wf["metadata"]["labels"]["workflows.argoproj.io/cron-workflow"] == "tick"
            assert wf["metadata"]["annotations"]["workflows.argoproj.io/scheduled-time"] == due.strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
            c.crons.tick(now + timedelta(seconds=1))  # settles the finished child
            status = (await client.get(f"{CRONS}/tick")).json()["status"]
            assert status["succeeded"] == 1 and status["active"] == []
            assert status["lastScheduledTime"] == due.strftime("%Y-%m-%dT%H:%M:%SZ")
            # suspended: nothing runs; resumed: the next activation runs
            assert (await client.put(f"{CRONS}/tick/suspend")).json()["spec"]["suspend"] is True
            assert c.crons.tick(_minute_after(created, 2)) == []
            await client.put(f"{CRONS}/tick/resume")
            assert len(c.crons.tick(_minute_after(created, 3))) == 1
            # a missed activation older than startingDeadlineSeconds is skipped
            body = (await client.get(f"{CRONS}/tick")).json()
            body["spec"]["startingDeadlineSeconds"] = 10
            assert (await client.put(f"{CRONS}/tick", json={"cronWorkflow": body})).status_code == 200
            assert c.crons.tick(_minute_after(created, 4) + timedelta(seconds=30)) == []
            assert (await client.get("/metrics")).text.count(
                'argo_workflows_cronworkflows_triggered_total{name="tick"'
            ) == 1

    run(go())


def test_concurrency_policies_history_and_stop_strategy(settings: Settings, run: Any) -> None:
    gate = asyncio.Event()
    outcome = {"code": 0}

    async def script(pod: Any) -> StepResult:
        if pod.workflow.startswith("hold-"):
            await gate.wait()
        return StepResult(exit_code=outcome["code"])

    async def go() -> None:
        async with serve(settings, run_crons=False, executor=FakeExecutor(script)) as (client, c):
            created = await _create(client, cron("hold", concurrencyPolicy="Forbid"))
            first = c.crons.tick(_minute_after(created, 1))
            assert len(first) == 1
            assert c.crons.tick(_minute_after(created, 2)) == []  # Forbid: the first still runs
            body = (await client.get(f"{CRONS}/hold")).json()
            body["spec"]["concurrencyPolicy"] = "Replace"
            await client.put(f"{CRONS}/hold", json={"cronWorkflow": body})
            second = c.crons.tick(_minute_after(created, 3))
            assert len(second) == 1
            assert (await wait_phase(client, first[0]))["spec"]["shutdown"] == "Terminate"
            gate.set()
            await wait_phase(client, second[0])
            assert (await client.delete(f"{CRONS}/hold")).json() == {}

            # history: keep one succeeded child; stop after the first failure
            created = await _create(
                client,
                cron(
                    "hist",
                    successfulJobsHistoryLimit=1,
                    stopStrategy={"expression": "cronworkflow.failed >= 1"},
                ),
            )
            names = []
            for n in (1, 2, 3):
                names += c.crons.tick(_minute_after(created, n))
                await wait_phase(client, names[-1])
            c.crons.tick(_minute_after(created, 3) + timedelta(seconds=1))
            listed = (
                await client.get(
                    "/api/v1/workflows/argo",
                    params={"listOptions.labelSelector": "workflows.argoproj.io/cron-workflow=hist"},
                )
            ).json()["items"]
            assert [w["metadata"]["name"] for w in listed] == [names[-1]]
            outcome["code"] = 1
            names += c.crons.tick(_minute_after(created, 4))
            await wait_phase(client, names[-1])
            c.crons.tick(_minute_after(created, 4) + timedelta(seconds=1))
            status = (await client.get(f"{CRONS}/hist")).json()["status"]
            assert status["failed"] == 1 and status["phase"] == "Stopped"
            assert c.crons.tick(_minute_after(created, 5)) == []

    run(go())


def test_when_expression(settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(settings, run_crons=False) as (client, c):
            created = await _create(client, cron("once", when="{{= cronworkflow.lastScheduledTime == nil }}"))
            started = c.crons.tick(_minute_after(created, 1))
            assert len(started) == 1
            await wait_phase(client, started[0])
            assert c.crons.tick(_minute_after(created, 2)) == []  # lastScheduledTime is set now
            # now() in `when` is the controller's clock, not the wall clock.
            later = await _create(client, cron("later", when="{{= now().Year() == 2031 }}"))
            assert c.crons.tick(_minute_after(later, 1)) == []
            assert len(c.crons.tick(utc(2031, 1, 1, 0, 0, 30))) == 1
            r = await client.post(CRONS, json={"cronWorkflow": cron("bad", schedules=["not a cron"])})
            assert r.status_code == 400 and "cronWorkflow.spec.schedules" in r.json()["message"]

    run(go())
