"""The serving runtime's error contract (SPEC §3.3): every error is one JSON object ``{"error", "detail"}``.

Each error is an :class:`~argento.errors.ArgentoError` that knows its HTTP status and its short machine-readable
``code`` (the ``error`` field). The runtime renders all of them, and its own 404/405/413/…, through
:func:`error_body`; no route invents another shape. A user-code failure becomes :class:`InternalError`, whose
detail names the request id and never carries a stack trace (the trace goes to the server log).
"""

from __future__ import annotations

import json
from typing import ClassVar

from argento import errors
from argento.errors import ArgentoError, NotFound, PermissionDenied, SpecError, Unavailable


class ServingError(ArgentoError):
    """Base of the errors the serving runtime answers with; ``code`` is the body's ``error`` field."""

    code: ClassVar[str] = "internal_error"
    http_status = 500

    def to_body(self) -> bytes:
        """The JSON error body for this error."""
        return error_body(self.code, self.message)


class InvalidInput(ServingError, SpecError):
    """The request body is not valid for the API: bad JSON, schema, shape or dtype. ``path`` names the field."""

    code = "invalid_input"
    http_status = 400
    grpc_code = 3


class BadRequest(ServingError, SpecError):
    """The request is not valid HTTP (a deployment's own port parses requests itself)."""

    code = "bad_request"
    http_status = 400
    grpc_code = 3


class RouteNotFound(ServingError, NotFound):
    """No route at that path."""

    code = "not_found"
    http_status = 404


class Forbidden(ServingError, PermissionDenied):
    """The request names a ``Host`` this service does not answer (DNS-rebinding defence)."""

    code = "forbidden"
    http_status = 403


class Unauthorized(ServingError, errors.Unauthenticated):
    """No or a wrong token (a deployment's own port, in ``client`` auth mode)."""

    code = "unauthenticated"
    http_status = 401


class MethodNotAllowed(ServingError, errors.MethodNotAllowed):
    """The route exists but does not accept that HTTP method."""

    code = "method_not_allowed"
    http_status = 405


class RequestTimeout(ServingError):
    """The client did not send its body within the time allowed (a slow or stalled client)."""

    code = "request_timeout"
    http_status = 408


class PayloadTooLarge(ServingError, errors.PayloadTooLarge):
    """The request body is larger than ``traffic.max_body_size``."""

    code = "payload_too_large"
    http_status = 413


class UnsupportedMediaType(ServingError, errors.UnsupportedMediaType):
    """The body's media type cannot be read by the API's input descriptor."""

    code = "unsupported_media_type"
    http_status = 415


class TooManyRequests(ServingError):
    """Over ``traffic.max_concurrency`` (and its queue, if any)."""

    code = "too_many_requests"
    http_status = 429


class ServiceUnavailable(ServingError, Unavailable):
    """The service is not ready yet, is draining, or the batch queue would miss the request's deadline."""

    code = "unavailable"
    http_status = 503


class DeadlineExceeded(ServiceUnavailable):
    """Shed by the adaptive batcher: the request was predicted to miss ``max_latency_ms``."""

    code = "deadline_exceeded"


class BadGateway(ServingError):
    """The gateway's replica failed the request without an answer, and resending it was not safe."""

    code = "bad_gateway"
    http_status = 502


class GatewayTimeout(ServingError):
    """The API did not finish within ``traffic.timeout`` (its concurrency slot stays held until it does), or a
    deployment's replica did not answer within the deployment's timeout."""

    code = "timeout"
    http_status = 504


class InternalError(ServingError):
    """User code raised. The detail names the request id (to find the trace in the log), never the trace."""

    code = "internal_error"
    http_status = 500

    def __init__(self, request_id: str, message: str = "") -> None:
        detail = message or "the API raised an exception"
        super().__init__(f"{detail} (request id {request_id})")
        self.request_id = request_id


_BY_STATUS: dict[int, type[ServingError]] = {
    cls.http_status: cls
    for cls in (
        InvalidInput,
        Unauthorized,
        Forbidden,
        RouteNotFound,
        MethodNotAllowed,
        RequestTimeout,
        PayloadTooLarge,
        UnsupportedMediaType,
        TooManyRequests,
        ServiceUnavailable,
        BadGateway,
        GatewayTimeout,
    )
}


def error_body(code: str, detail: str) -> bytes:
    """Encode the one error shape."""
    return json.dumps({"error": code, "detail": detail}, ensure_ascii=False).encode()


def error_from_status(status: int, body: bytes) -> ServingError:
    """Rebuild the error a server answered with (used by the client): status and ``{"error","detail"}`` body."""
    detail = body.decode("utf-8", "replace")
    code = ""
    try:
        data = json.loads(body)
        if isinstance(data, dict):
            detail = str(data.get("detail", detail))
            code = str(data.get("error", ""))
    except ValueError:
        pass
    if status == 503 and code == DeadlineExceeded.code:
        return DeadlineExceeded(detail)
    cls = _BY_STATUS.get(status, ServingError)
    err = cls(detail)
    if code and cls is ServingError:
        err.code = code  # type: ignore[misc]  # keep the server's code on an unexpected status
    return err
