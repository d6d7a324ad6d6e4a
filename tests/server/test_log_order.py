"""Issue 17 item 7: ``--timestamps`` works, a workflow's lines come in the order they were written (merged by
time across steps, even sub-second ones), and stderr lines are marked — old logs (no index) still read."""

from __future__ import annotations

import asyncio
import json
import os
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from serverconf import serve, wait_phase

from argento.config import Settings
from argento.engine.nodes import fnv1a_32
from argento.executors import logcap
from argento.executors.local import LocalExecutor
from argento.executors.logcap import CappedLog, index_path
from argento.server.logs import LogRequest, log_entries, pod_name

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z ")
T0 = 1_700_000_000 * 1_000_000_000  # 2023-11-14T22:13:20Z


def _node(wf: str, name: str, node_id: str, started: str) -> dict[str, Any]:
    return {"id": node_id, "name": name, "type": "Pod", "templateName": "step", "startedAt": started}


def _write(path: Path, chunks: list[tuple[int, int, bytes]], monkeypatch: Any) -> None:
    """Log ``(ns, stream, bytes)`` chunks as the executor does (with the index)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    idx = os.open(index_path(path), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    sink = CappedLog(fd, 1 << 20, idx)
    for ns, stream, data in chunks:
        monkeypatch.setattr(
            logcap, "time", SimpleNamespace(time_ns=lambda ns=ns: ns)
        )  # this module's clock only
        sink.write(data, stream)
    os.close(fd)
    os.close(idx)


def _entries(workflow: dict[str, Any], run_dir: Path, **kw: Any) -> list[dict[str, str]]:
    async def collect() -> list[dict[str, str]]:
        req = LogRequest(**kw)
        return [e async for e in log_entries(lambda: workflow, lambda: True, run_dir, req)]

    return asyncio.run(collect())


def test_lines_of_all_pods_are_merged_by_the_time_they_were_written(tmp_path: Path, monkeypatch: Any) -> None:
    """Two sub-second steps start within the same second (Argo's startedAt has second precision): their
    lines used to come pod by pod in (startedAt, node id) order, so ``evaluate`` (the smaller id here) came
    before ``train``, which ran first. An old log without an index still shows, at its node's start."""
    wf = "w"
    nodes = {
        "w-9": _node(wf, "w[0].train", "w-9", "2023-11-14T22:13:20Z"),
        "w-1": _node(wf, "w[1].evaluate", "w-1", "2023-11-14T22:13:20Z"),
        "w-0": _node(wf, "w[0].prepare", "w-0", "2023-11-14T22:13:19Z"),  # logged before the index existed
    }
    workflow = {"metadata": {"name": wf}, "status": {"nodes": nodes}}
    run_dir = tmp_path / "runs" / wf
    train, evaluate, prepare = (pod_name(wf, nodes[i]) for i in ("w-9", "w-1", "w-0"))
    assert train.endswith(str(fnv1a_32("w[0].train")))
    _write(
        run_dir / train / "main.log",
        [
            (T0 + 100_000_000, 1, b"epoch 1\nepo"),
            (T0 + 150_000_000, 2, b"warn: slow\n"),
            (T0 + 200_000_000, 1, b"ch 2\n"),
        ],
        monkeypatch,
    )
    _write(run_dir / evaluate / "main.log", [(T0 + 600_000_000, 1, b"accuracy 0.9\n")], monkeypatch)
    (run_dir / prepare).mkdir(parents=True)
    (run_dir / prepare / "main.log").write_text("old line 1\nold line 2")

    got = [(e["podName"], e["content"], e.get("stream")) for e in _entries(workflow, run_dir)]
    assert got == [
        (prepare, "old line 1", None),
        (prepare, "old line 2", None),
        (train, "epoch 1", None),
        (train, "epoch 2", None),  # one stdout line, though a stderr chunk came in the middle of it
        (train, "warn: slow", "stderr"),
        (evaluate, "accuracy 0.9", None),
    ]
    stamped = [e["content"] for e in _entries(workflow, run_dir, timestamps=True)]
    assert stamped == [
        "2023-11-14T22:13:19.000000000Z old line 1",
        "2023-11-14T22:13:19.000000000Z old line 2",
        "2023-11-14T22:13:20.100000000Z epoch 1",
        "2023-11-14T22:13:20.100000000Z epoch 2",
        "2023-11-14T22:13:20.150000000Z warn: slow",
        "2023-11-14T22:13:20.600000000Z accuracy 0.9",
    ]
    one = _entries(workflow, run_dir, pod_name=train, tail_lines=1, timestamps=True)
    assert [e["content"] for e in one] == ["2023-11-14T22:13:20.100000000Z epoch 2"]
    grep = _entries(workflow, run_dir, grep=LogRequest.compile("^2023"), timestamps=True)
    assert grep == []  # grep matches the line, not its timestamp (as Argo)
    assert _entries(workflow, run_dir, since_seconds=3600) == []  # every line is from 2023


def test_timestamps_order_and_stderr_through_the_api(settings: Settings) -> None:
    """Real steps (the local executor), the real endpoint: train runs before evaluate, both well under a
    second; with ``logOptions.timestamps`` every line starts with its RFC 3339 time."""
    script = "import sys; print('{0} out', flush=True); print('{0} err', file=sys.stderr, flush=True)"
    templates = [
        {
            "name": "main",
            "steps": [
                [{"name": "train", "template": "train"}],
                [{"name": "evaluate", "template": "evaluate"}],
            ],
        },
        *(
            {"name": n, "container": {"image": "python:3", "command": ["python", "-c", script.format(n)]}}
            for n in ("train", "evaluate")
        ),
    ]
    manifest = {"metadata": {"name": "order"}, "spec": {"entrypoint": "main", "templates": templates}}

    async def go() -> None:
        executor = LocalExecutor(settings)
        async with serve(settings, executor=executor, executor_name="local") as (client, _):
            assert (
                await client.post("/api/v1/workflows/argo", json={"workflow": manifest})
            ).status_code == 200
            assert (await wait_phase(client, "order", timeout=60))["status"]["phase"] == "Succeeded"
            r = await client.get("/api/v1/workflows/argo/order/log", params={"logOptions.timestamps": "true"})
            entries = [_json(line)["result"] for line in r.text.splitlines() if line.strip()]
            contents = [e["content"] for e in entries]
            assert all(STAMP.match(c) for c in contents), contents
            assert [c.split(" ", 1)[1] for c in contents] == [
                "train out",
                "train err",
                "evaluate out",
                "evaluate err",
            ]
            assert [e.get("stream") for e in entries] == [None, "stderr", None, "stderr"]
            assert sorted(contents) == contents  # the timestamps are in order too
            r = await client.get("/api/v1/workflows/argo/order/log")
            plain = [_json(line)["result"]["content"] for line in r.text.splitlines() if line.strip()]
            assert plain == ["train out", "train err", "evaluate out", "evaluate err"]

    asyncio.run(go())


def _json(line: str) -> Any:
    return json.loads(line)
