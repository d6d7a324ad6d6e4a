"""Whose fault an exception of the API is: the request's (400 ``invalid_input``) or the service's (500).

The rule (docs/serving.md, "Traffic and errors"):

1. What the input descriptor or the type hints declare — JSON schema, pydantic models, array shape and dtype,
   multipart fields — is checked before the API runs; a mismatch is a 400 naming the field.
2. While the API runs, a ``ValueError`` or ``TypeError`` is the request's fault: they are how Python, NumPy,
   pandas, scikit-learn, PyTorch and pydantic reject a value of the wrong shape, dtype or content
   (``X has 2 features, but LogisticRegression is expecting 4``). The answer is 400 with the exception's
   message, prefixed with the field the API last read from a JSON object body (``features: …``) or, for other
   bodies, the API's input parameter. A key the API reads from a JSON object body and the body lacks
   (``input_data["features"]``) is a 400 ``features: missing`` too.
3. Everything else is a bug in the service: 500 with the request id, the traceback in the log. So are the
   ``TypeError``\\ s the interpreter raises for a call that does not match a signature (``predict() takes 2
   positional arguments but 3 were given``): they fail on every request, whatever it holds.

A ``ValueError`` raised by a real bug therefore answers 400: its traceback is logged (DEBUG) with the
request id; a service that wants a 500 raises another exception type. A batch the model rejects this way is
run again one request at a time (`Dispatcher`), so one request's bad rows do not fail the others.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from argento.serving.errors import InvalidInput

log = logging.getLogger("argento.serving")

#: The interpreter's messages for a call that does not match the callee's signature (a bug, not the input).
_SIGNATURE = re.compile(
    r"takes \d+ positional arguments? but \d+ (were|was) given"
    r"|missing \d+ required (positional|keyword-only) arguments?"
    r"|got an unexpected keyword argument"
    r"|got multiple values for argument"
    r"|takes no arguments"
)


class MissingField(KeyError):
    """A key the API read from a JSON object body that the body does not have."""


class RequestObject(dict[str, Any]):
    """A JSON object body as the API receives it: a ``dict`` that remembers the keys read from it (to name
    the field a later ``ValueError`` is about) and raises :class:`MissingField` for a missing one."""

    __slots__ = ("read",)

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data)
        self.read: list[Any] = []

    def __getitem__(self, key: Any) -> Any:
        self.read.append(key)
        return dict.__getitem__(self, key)

    def get(self, key: Any, default: Any = None) -> Any:
        self.read.append(key)
        return dict.get(self, key, default)

    def __missing__(self, key: Any) -> Any:
        raise MissingField(key)


def track(value: Any) -> Any:
    """The body as the API receives it: a JSON object becomes a :class:`RequestObject`."""
    return RequestObject(value) if type(value) is dict else value


def request_error(exc: BaseException, value: Any, params: list[str], rid: str) -> InvalidInput | None:
    """The 400 that ``exc`` (raised by the API for the request ``value``) means, or None for a 500."""
    if isinstance(exc, MissingField):
        key = str(exc.args[0]) if exc.args else ""
        if not isinstance(value, RequestObject) or exc.args[0] in value:
            return None  # raised for another mapping than the body
        return InvalidInput(f"{key}: missing (the API reads this field)", path=key)
    if not isinstance(exc, (ValueError, TypeError)):
        return None
    text = str(exc) or type(exc).__name__
    if isinstance(exc, TypeError) and _SIGNATURE.search(text):
        return None
    field = ""
    if isinstance(value, RequestObject) and value.read:
        field = str(value.read[-1])
    elif len(params) == 1:
        field = params[0]
    log.debug("request %s rejected by the API: %s", rid, text, exc_info=exc)
    return InvalidInput(f"{field}: {text}" if field else text, path=field)
