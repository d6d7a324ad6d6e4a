"""One error tree for the whole package.

Every error knows how to show itself: its HTTP status (used by the server with Argo's ``{"code", "message"}``
body), its CLI exit code, and its gRPC code name (Argo's error body carries the gRPC code number).
No layer invents its own mapping. A :class:`SpecError` names the field at fault by its path, written by
:func:`format_path` (``spec.templates[2].name``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

#: One step of a field path: a key or a list index.
PathPart = str | int

_SIMPLE_KEY = re.compile(r"^[A-Za-z0-9_\-/$@]+$")


def format_path(parts: Iterable[PathPart]) -> str:
    """``("spec", "templates", 2, "name")`` → ``spec.templates[2].name``.

    Keys that are not plain words (labels such as ``workflows.argoproj.io/test``) are written
    ``["…"]`` so the path can be parsed back.
    """
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _SIMPLE_KEY.match(part):
            out.append(f".{part}" if out else part)
        else:
            escaped = part.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'["{escaped}"]')
    return "".join(out)


class ArgentoError(Exception):
    """Base of every error Argento raises on purpose."""

    http_status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1
    #: gRPC status code, as Argo Server puts it in the error body's ``code``.
    grpc_code: ClassVar[int] = 13  # INTERNAL
    #: Whether the same operation may succeed if tried again (a retry loop reads this; it is never per instance).
    transient: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, object]:
        """Argo Server's error body."""
        return {"code": self.grpc_code, "message": str(self)}


class SpecError(ArgentoError, ValueError):
    """A manifest (or a request body) is invalid.

    ``path`` is the field path (``spec.templates[2].dag.tasks[1].depends``); ``location`` is ``file:line:col``
    when the input came from a YAML file.
    """

    http_status = 400
    exit_code = 1
    grpc_code = 3  # INVALID_ARGUMENT

    def __init__(self, message: str, *, path: str = "", location: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.location = location

    def __str__(self) -> str:
        prefix = " ".join(p for p in (self.location, self.path and f"{self.path}:") if p)
        return f"{prefix} {self.message}" if prefix else self.message


class SpecErrors(SpecError):
    """Several manifest problems reported together."""

    def __init__(self, errors: Iterable[SpecError]) -> None:
        self.errors = list(errors)
        first = self.errors[0] if self.errors else SpecError("invalid manifest")
        super().__init__(first.message, path=first.path, location=first.location)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class ExpressionError(SpecError):
    """An expression (``when``, expr-lang, ``{{…}}`` tag) cannot be parsed or evaluated."""


class NotFound(ArgentoError, KeyError):
    """The named resource does not exist."""

    http_status = 404
    exit_code = 2
    grpc_code = 5  # NOT_FOUND

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class AlreadyExists(ArgentoError):
    """A resource with that name exists already."""

    http_status = 409
    exit_code = 1
    grpc_code = 6  # ALREADY_EXISTS


class Conflict(ArgentoError):
    """The operation does not fit the resource's current state (e.g. resume a workflow that is not suspended)."""

    http_status = 409
    exit_code = 1
    grpc_code = 9  # FAILED_PRECONDITION


class Unauthenticated(ArgentoError):
    """No or a wrong token."""

    http_status = 401
    exit_code = 4
    grpc_code = 16  # UNAUTHENTICATED


class PermissionDenied(ArgentoError):
    """The token is valid but not allowed to do this."""

    http_status = 403
    exit_code = 4
    grpc_code = 7  # PERMISSION_DENIED


class ExecutorError(ArgentoError):
    """A step could not be started or supervised (unknown image, missing binary, …)."""

    http_status = 500
    exit_code = 1


class Unavailable(ArgentoError):
    """A backend (server, S3, database) cannot be reached."""

    http_status = 503
    exit_code = 3
    grpc_code = 14  # UNAVAILABLE


class DiskFull(Unavailable):
    """A write failed because the disk (the database's, or the home's) is full (SPEC §6 R5)."""

    http_status = 507  # Insufficient Storage
    grpc_code = 8  # RESOURCE_EXHAUSTED


class MethodNotAllowed(ArgentoError):
    """The path exists but not with this HTTP method."""

    http_status = 405
    exit_code = 1
    grpc_code = 12  # UNIMPLEMENTED


class PayloadTooLarge(ArgentoError):
    """A request body is larger than the server accepts."""

    http_status = 413
    exit_code = 1
    grpc_code = 8  # RESOURCE_EXHAUSTED


class UnsupportedMediaType(ArgentoError):
    """A request body of a type the endpoint does not take (the API takes ``application/json``)."""

    http_status = 415
    exit_code = 1
    grpc_code = 3  # INVALID_ARGUMENT
