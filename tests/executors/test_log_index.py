"""Issue 17 item 7: a step's log records when and from which stream each chunk came (`logcap`'s index).

The executor (in every isolation mode, and the durable supervisor) writes ``<log>.idx`` next to the plain
log; `argento.server.logread` puts lines back together per stream with their times."""

from __future__ import annotations

import dataclasses
import struct
import time

import exec_support
from exec_support import run, run_pod

from argento.config import Settings
from argento.executors.local import LocalExecutor
from argento.executors.logcap import RECORD, STDERR, STDOUT, index_path
from argento.server.logread import LogTail

executor = exec_support.executor  # a fixture
isolation = exec_support.isolation  # a fixture
make_pod = exec_support.make_pod  # a fixture

SCRIPT = (
    "import sys, time\n"
    "print('out 1', flush=True); time.sleep(0.05)\n"
    "sys.stdout.write('partial '); sys.stdout.flush(); time.sleep(0.05)\n"
    "print('err 1', file=sys.stderr, flush=True); time.sleep(0.05)\n"
    "print('stdout', flush=True); time.sleep(0.05)\n"
    "print('err 2', file=sys.stderr, flush=True)\n"
)


def test_each_line_has_its_time_and_stream(executor: LocalExecutor, make_pod) -> None:
    pod = make_pod("python:3", ["python", "-c"], [SCRIPT])
    before = time.time_ns()
    _, r = run(run_pod(executor, pod))
    after = time.time_ns()
    assert r.exit_code == 0
    # the log stays plain text (main-logs, kubectl logs): a partial stdout line is cut by a stderr chunk
    assert pod.log_path.read_text() == "out 1\npartial err 1\nstdout\nerr 2\n"
    lines = sorted(LogTail(pod.log_path).read(final=True), key=lambda line: line.ns)  # as the server does
    got = [(line.stream, line.text) for line in lines]
    assert got == [(STDOUT, "out 1"), (STDOUT, "partial stdout"), (STDERR, "err 1"), (STDERR, "err 2")]
    times = [line.ns for line in lines]
    assert before <= min(times) and max(times) <= after
    out1, partial, err1, err2 = times
    assert out1 + 40_000_000 <= partial + 1 and partial + 40_000_000 <= err1 and err1 + 80_000_000 <= err2
    assert index_path(pod.log_path).stat().st_mode & 0o777 == 0o600


def test_a_capped_log_stops_indexing_too(settings: Settings, make_pod) -> None:
    """The cap still holds with the index, and a log filled exactly to the cap gets its marker (the durable
    supervisor used to drop it when the cap fell on a chunk boundary: ten 100-byte lines, cap 1000)."""
    ex = LocalExecutor(dataclasses.replace(settings, max_step_log_bytes=1000), durable=True)
    try:
        script = "import sys\nfor i in range(200):\n    print('x' * 99, flush=True)\n"
        pod = make_pod("python:3", ["python", "-c"], [script])
        run(run_pod(ex, pod))
        records = list(RECORD.iter_unpack(index_path(pod.log_path).read_bytes()))
        assert 1 <= len(records) <= 11 and all(off <= 1000 for off, _, _ in records)  # the last: the marker
        lines = LogTail(pod.log_path).read(final=True)
        shown = (records, pod.log_path.read_bytes()[-200:], lines[-3:])
        assert lines[-1].text.startswith("[argento] log truncated"), shown
    finally:
        run(ex.close())


def test_the_record_format_is_the_zygotes() -> None:
    from argento.executors import zygote

    assert zygote.LOG_RECORD.format == RECORD.format and RECORD.size == struct.calcsize("<QQB") == 17
    assert (zygote.LOG_STDOUT, zygote.LOG_STDERR) == (STDOUT, STDERR)


def test_a_line_written_byte_by_byte_costs_one_record(executor: LocalExecutor, make_pod) -> None:
    """Only chunks in which a line starts (or the stream changes) are indexed: progress dots written one by
    one do not add a record per byte."""
    script = (
        "import sys, time\n"
        "for i in range(300):\n"
        "    sys.stdout.write('.'); sys.stdout.flush(); time.sleep(0.0005)\n"
        "print(' done', flush=True)\n"
    )
    pod = make_pod("python:3", ["python", "-c"], [script])
    _, r = run(run_pod(executor, pod))
    assert r.exit_code == 0
    records = list(RECORD.iter_unpack(index_path(pod.log_path).read_bytes()))
    assert len(records) == 1, records[:5]
    assert [line.text for line in LogTail(pod.log_path).read(final=True)] == ["." * 300 + " done"]
