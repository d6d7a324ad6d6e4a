"""Streams against a real server and real steps: watch, follow logs, SSE, Kubernetes events."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import httpx
import pytest
from serverconf import ServerProcess, hello
from wait import eventually

NS = "/api/v1/workflows/argo"


def _collect(
    url: str,
    params: dict[str, str],
    out: list[str],
    headers: dict[str, str] | None = None,
    until: Callable[[list[str]], bool] = lambda lines: False,
    timeout: float = 20.0,
) -> threading.Thread:
    def read() -> None:
        with httpx.stream("GET", url, params=params, headers=headers, timeout=timeout) as r:
            out.append(f"status {r.status_code} {r.headers.get('content-type')}")
            for line in r.iter_lines():
                if line:
                    out.append(line)
                if until(out):
                    return

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


@pytest.mark.slow
def test_watch_logs_follow_sse_and_events(server_process: Callable[..., ServerProcess]) -> None:
    srv = server_process()
    watched: list[str] = []
    events: list[str] = []

    def finished(lines: list[str]) -> bool:
        return any('"phase":"Succeeded"' in line and '"type":"MODIFIED"' in line for line in lines)

    w = _collect(
        f"{srv.url}/api/v1/workflow-events/argo",
        {
            "listOptions.fieldSelector": "metadata.name=s1",
            "fields": "result.type,result.object.metadata.name,result.object.status.phase",
        },
        watched,
        until=finished,
    )
    e = _collect(
        f"{srv.url}/api/v1/stream/events/argo",
        {},
        events,
        until=lambda lines: any("WorkflowSucceeded" in x for x in lines),
    )
    # the server subscribes before it answers: once both streams have their status line, nothing is missed
    eventually(lambda: watched[:1] + events[:1], until=lambda firsts: len(firsts) == 2, timeout=10)
    wf = hello("s1", cmd="for i in 1 2 3; do echo line$i; sleep 0.3; done")
    assert httpx.post(f"{srv.url}{NS}", json={"workflow": wf}).status_code == 200
    followed: list[str] = []
    sse: list[str] = []
    f = _collect(f"{srv.url}{NS}/s1/log", {"logOptions.follow": "true"}, followed)
    s = _collect(
        f"{srv.url}{NS}/s1/log",
        {"logOptions.follow": "true", "grep": "line[23]"},
        sse,
        headers={"Accept": "text/event-stream"},
    )
    for t in (w, e, f, s):
        t.join(30)
        assert not t.is_alive()
    results = [json.loads(x)["result"] for x in watched[1:]]
    assert results[0]["type"] == "ADDED" and results[-1]["object"]["status"]["phase"] == "Succeeded"
    assert all(set(r) <= {"type", "object"} and set(r["object"]) <= {"metadata", "status"} for r in results)
    assert [json.loads(x)["result"]["content"] for x in followed[1:]] == ["line1", "line2", "line3"]
    assert sse[0].startswith("status 200 text/event-stream")
    assert [json.loads(x[len("data: ") :])["result"]["content"] for x in sse[1:]] == ["line2", "line3"]
    reasons = [json.loads(x)["result"]["reason"] for x in events[1:]]
    assert "WorkflowNodeSucceeded" in reasons and reasons[-1] == "WorkflowSucceeded"
    # not following: the whole log at once, and tailLines
    r = httpx.get(f"{srv.url}{NS}/s1/log", params={"logOptions.tailLines": "1"})
    assert [json.loads(x)["result"]["content"] for x in r.text.splitlines()] == ["line3"]
    pod = json.loads(r.text.splitlines()[0])["result"]["podName"]
    r = httpx.get(f"{srv.url}{NS}/s1/{pod}/log")
    assert len(r.text.splitlines()) == 3
    assert httpx.get(f"{srv.url}{NS}/nope/log").status_code == 404
    assert httpx.get(f"{srv.url}{NS}/s1/log", params={"grep": "("}).status_code == 400
