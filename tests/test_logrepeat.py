"""Repeated log records are folded: logged once, then counted (``… (repeated N times)``)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from argento import logrepeat
from argento.logrepeat import RepeatFilter


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO, RepeatFilter]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    flt = RepeatFilter(window=60.0)
    handler.addFilter(flt)
    logger = logging.getLogger("argento.test.repeat")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, stream, flt
    logger.removeHandler(handler)


def _fail(logger: logging.Logger, n: int) -> None:
    try:
        raise OSError(28, "No space left on device")
    except OSError:
        logger.exception("could not record workflow %s", n)


def test_identical_tracebacks_are_logged_once_then_counted(captured, monkeypatch: pytest.MonkeyPatch) -> None:
    logger, stream, flt = captured
    for _ in range(11_483):
        _fail(logger, 1)
    logger.error("something else")
    text = stream.getvalue()
    assert text.count("Traceback") == 1 and text.count("could not record workflow 1") == 1
    assert "something else" in text
    flt.flush()  # at exit
    assert text.count("repeated") == 0
    assert stream.getvalue().splitlines()[-1] == "ERROR could not record workflow 1 (repeated 11482 times)"


def test_after_the_window_the_message_comes_back_with_its_count(
    captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    logger, stream, _flt = captured
    clock = [1000.0]
    monkeypatch.setattr(logrepeat.time, "monotonic", lambda: clock[0])
    for _ in range(5):
        logger.warning("disk full")
    clock[0] += 61
    logger.warning("disk full")
    assert stream.getvalue().splitlines() == ["WARNING disk full", "WARNING disk full (repeated 4 times)"]


def test_different_messages_and_exceptions_are_not_folded(captured) -> None:
    logger, stream, _ = captured
    _fail(logger, 1)
    _fail(logger, 2)
    logger.error("x")
    logger.warning("x")  # another level
    assert stream.getvalue().count("Traceback") == 2
    assert stream.getvalue().count("x\n") == 2
