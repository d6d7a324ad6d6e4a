"""The buffered access log (argento.serving.access_log): the same lines as one logging call per request,
written off the request path, flushed periodically and at shutdown."""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Iterator

import pytest
from serving_apps import Echo
from serving_support import serve_in_thread, serve_process

from argento.serving import access_log
from argento.serving.access_log import ACCESS_FORMAT, AccessLog, AccessLogHandler, logger

LINE = re.compile(
    r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} 127\.0\.0\.1 "(?P<method>\w+) (?P<path>/\S*)" (?P<status>\d{3}) '
    r"\d+\.\d\dms rid=(?P<rid>\S+)$"
)


@pytest.fixture()
def access_stream() -> Iterator[io.StringIO]:
    """The access logger configured as `argento serve` does, writing to a string."""
    saved = logger.handlers[:], logger.propagate, logger.level
    stream = io.StringIO()
    handler = AccessLogHandler(stream)
    handler.setFormatter(logging.Formatter(ACCESS_FORMAT))
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.handlers[:], logger.propagate = saved[0], saved[1]
        logger.setLevel(saved[2])


def test_lines_are_buffered_and_flushed_at_shutdown(access_stream: io.StringIO) -> None:
    with serve_in_thread(Echo, access_log=True) as running, running.client() as c:
        running.app.access.interval = 3600  # only the shutdown flush can write them
        sent = [
            c.post("/echo_sync", json={"a": 1}),
            c.post("/add", json={"a": "not a number"}),
            c.get("/echo"),
            c.post("/echo", json=[1], headers={"x-request-id": "mine-1"}),
        ]
        assert access_stream.getvalue() == ""  # nothing written on the request path
    lines = access_stream.getvalue().splitlines()
    assert len(lines) == 4, lines
    got = [LINE.match(line) for line in lines]
    assert all(got), lines
    assert [(m["method"], m["path"], int(m["status"]), m["rid"]) for m in got] == [  # type: ignore[index]
        (r.request.method, r.request.url.path, r.status_code, r.headers["x-request-id"]) for r in sent
    ]
    assert got[3]["rid"] == "mine-1"  # type: ignore[index]


def test_periodic_flush_through_any_logging_configuration(caplog: pytest.LogCaptureFixture) -> None:
    """Without the fast handler (here pytest's), every line becomes a LogRecord stamped with its request's time."""
    with (
        caplog.at_level(logging.INFO, logger="argento.serving.access"),
        serve_in_thread(Echo, access_log=True) as running,
        running.client() as c,
    ):
        running.app.access.interval = 0.05
        before = time.time()
        r = c.post("/echo", json={"x": 1})
        deadline = time.monotonic() + 10
        while not [x for x in caplog.records if x.name == "argento.serving.access"]:
            assert time.monotonic() < deadline, "the periodic flush never ran"
            time.sleep(0.02)
    records = [x for x in caplog.records if x.name == "argento.serving.access"]
    assert len(records) == 1
    record = records[0]
    message = record.getMessage()
    assert message.startswith('127.0.0.1 "POST /echo" 200 ') and message.endswith(
        f"rid={r.headers['x-request-id']}"
    )
    assert before <= record.created <= time.time()


def test_the_fast_path_formats_exactly_as_logging_would() -> None:
    log = AccessLog()
    formatter = logging.Formatter(ACCESS_FORMAT)
    for created in (1_790_000_000.0, 1_790_000_000.0999, 1_790_000_059.9996, time.time()):
        entry = (created, "10.1.2.3", "POST", "/predict", 200, 0.4567, "abc123")
        records: list[logging.LogRecord] = []
        AccessLog._records([entry], records.append)
        assert log._line(entry) == formatter.format(records[0]) + "\n"


def test_a_full_buffer_is_flushed_at_once(access_stream: io.StringIO) -> None:
    with serve_in_thread(Echo, access_log=True) as running, running.client() as c:
        running.app.access.interval = 3600
        running.app.access.max_buffered = 3
        for i in range(3):
            c.post("/echo", json=i)
        deadline = time.monotonic() + 5  # the third line's flush runs after its response was sent
        while len(access_stream.getvalue().splitlines()) < 3:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        c.post("/echo", json=4)
        time.sleep(0.1)
        assert len(access_stream.getvalue().splitlines()) == 3


def test_served_process_writes_every_line_by_the_time_it_exits() -> None:
    with serve_process("serving_apps:Echo") as running, running.client() as c:
        rids = [c.post("/echo", json=i).headers["x-request-id"] for i in range(25)]
        proc = running.proc
    assert proc is not None and proc.wait(20) == 0
    assert running.log is not None
    lines = [m for m in map(LINE.match, running.log.read_text().splitlines()) if m]
    assert [m["rid"] for m in lines] == rids


def test_blocks_are_written_in_whole_lines_small_enough_for_an_atomic_pipe_write() -> None:
    """Workers of one `argento serve --workers N` share stdout: each write must be whole lines, ≤ PIPE_BUF."""

    class Recorder(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.writes: list[str] = []

        def write(self, text: str) -> int:
            self.writes.append(text)
            return super().write(text)

    stream = Recorder()
    handler = AccessLogHandler(stream)
    lines = [
        f'2026-12-06 08:00:00,{i % 1000:03d} 127.0.0.1 "POST /predict" 200 0.42ms rid={i:012x}\n'
        for i in range(500)
    ]
    handler.emit_block(lines)
    assert "".join(stream.writes) == "".join(lines)
    assert len(stream.writes) > 1
    assert all(len(w.encode()) <= access_log.ATOMIC_WRITE and w.endswith("\n") for w in stream.writes)
