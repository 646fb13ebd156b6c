"""One error shape for every failure: ``{"error": {"code", "message", "fields"}}``.

The services raise Django's ``ValidationError`` (400, or 409 for a ``Conflict``),
``PermissionDenied`` (403), ``NotFound`` (404) and ``Busy`` (503, see
``cascade.core.transactions``); django-ninja raises its own errors for
requests it cannot parse or validate (400), missing credentials (401) and throttling (429).
Each is turned into the same JSON shape here, with a stable ``code`` for programs and a
``message`` for people. Bad input is always 400, never 422.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    PermissionDenied,
    RequestDataTooBig,
    ValidationError,
)
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import Field, NinjaAPI, Schema
from ninja import errors as ninja_errors

from cascade.core.errors import Busy, Conflict, NotFound
from cascade.core.transactions import is_retryable

logger = logging.getLogger("cascade.api")


class ErrorBody(Schema):
    code: str = Field(
        description="The kind of error: `validation_error`, `not_found`, … (per status)."
    )
    message: str = Field(description="For people; may be reworded.")
    reason: str | None = Field(
        description="The stable code of the refusal as a whole, such as `goal_closed`; null when "
        "only fields were refused."
    )
    fields: dict[str, str] = Field(description="Field → what is wrong with it, for people.")
    field_codes: dict[str, str] = Field(
        description="Field → a stable code, such as `weight_negative`; the same keys as `fields`."
    )


class ErrorOut(Schema):
    error: ErrorBody


class ApiError(Exception):
    """An error the API raises itself, with its status and code."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}
        self.reason = reason


def not_found(message: str, field: str | None = None) -> ApiError:
    """A 404 for an id that does not exist for the caller; ``field`` names it when it came in a body."""
    return ApiError(404, "not_found", message, {field: message} if field else None)


CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "throttled",
    500: "server_error",
    503: "busy",
}

DESCRIPTIONS = {
    400: "Bad input: the request or one of its fields is invalid (`validation_error`, `bad_request`).",
    401: "No valid token or session (`not_authenticated`).",
    403: "Not allowed to do this (`permission_denied`), or a session call without its CSRF token (`csrf_failed`).",
    404: "No such object for the caller: missing, in another organisation, or a private goal the caller may not see (`not_found`).",
    409: "Valid, but it clashes with the current state, such as a link that would close a cycle (`conflict`).",
    429: "Too many requests; retry after the number of seconds in `Retry-After` (`throttled`).",
    503: "Busy with other changes to the same rows: nothing was saved; retry after the seconds in `Retry-After` (`busy`).",
}


@dataclass(frozen=True)
class Refusal:
    """What a validation error says: for people (``message``, ``fields``) and for programs
    (``reason``, ``field_codes``)."""

    message: str
    reason: str | None = None
    fields: dict[str, str] = dataclass_field(default_factory=dict)
    field_codes: dict[str, str] = dataclass_field(default_factory=dict)


def error_response(
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    *,
    reason: str | None = None,
    field_codes: dict[str, str] | None = None,
) -> HttpResponse:
    fields = fields or {}
    body = {
        "error": {
            "code": code,
            "message": message,
            "reason": reason,
            "fields": fields,
            # Every field named gets a code, "invalid" when the refusal did not give one.
            "field_codes": {name: (field_codes or {}).get(name, "invalid") for name in fields},
        }
    }
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def refusal_response(status: int, code: str, refusal: Refusal) -> HttpResponse:
    return error_response(
        status,
        code,
        refusal.message,
        refusal.fields,
        reason=refusal.reason,
        field_codes=refusal.field_codes,
    )


def errors(*statuses: int) -> dict[Any, type[ErrorOut]]:
    """The error part of an operation's ``response=``: these statuses answer with ``ErrorOut``."""
    return {frozenset(statuses): ErrorOut}


# --------------------------------------------------------------------------- validation details


def _field_name(loc: Iterable[Any]) -> str:
    """``["body", "payload", "kr", "title"]`` → ``"kr.title"``; ``["query", "limit"]`` → ``"limit"``."""
    parts = list(loc)
    source = parts.pop(0) if parts else ""
    if source == "body" and parts:
        parts.pop(0)  # the name of the view's argument, not a field of the request
    return ".".join(str(p) for p in parts) or source or NON_FIELD_ERRORS


def _message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "Invalid value."))
    return message.removeprefix("Value error, ")


def request_refusal(exc: ninja_errors.ValidationError) -> Refusal:
    """A body or query the schema refused; pydantic's error types are the codes
    (``missing``, ``int_parsing``, ``extra_forbidden``, …)."""
    fields: dict[str, str] = {}
    codes: dict[str, str] = {}
    for error in exc.errors:
        name = _field_name(error.get("loc", ()))
        fields[name] = f"{fields[name]} {_message(error)}" if name in fields else _message(error)
        codes.setdefault(name, str(error.get("type") or "invalid"))
    general = fields.pop(NON_FIELD_ERRORS, "")
    reason = codes.pop(NON_FIELD_ERRORS, None)
    return Refusal(general or summary(fields), reason, fields, codes)


def _first_code(errors: list[ValidationError]) -> str:
    return next((e.code for e in errors if e.code), "invalid")


def service_refusal(exc: ValidationError) -> Refusal:
    """What a service's ``ValidationError`` says, with the code of each part."""
    if hasattr(exc, "error_dict"):
        parts = dict(exc.error_dict)
    else:
        parts = {NON_FIELD_ERRORS: exc.error_list}
    fields = {
        name: " ".join(message for e in errors for message in e.messages)
        for name, errors in parts.items()
    }
    codes = {name: _first_code(errors) for name, errors in parts.items()}
    general = fields.pop(NON_FIELD_ERRORS, "")
    reason = codes.pop(NON_FIELD_ERRORS, None)
    return Refusal(general or summary(fields), reason, fields, codes)


def summary(fields: dict[str, str]) -> str:
    return "; ".join(f"{name}: {message}" for name, message in fields.items()) or "Invalid input."


# --------------------------------------------------------------------------- handlers


def _request_invalid(request: HttpRequest, exc: ninja_errors.ValidationError) -> HttpResponse:
    return refusal_response(400, "validation_error", request_refusal(exc))


def _service_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return refusal_response(400, "validation_error", service_refusal(exc))


def _conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    return refusal_response(409, "conflict", service_refusal(exc))


def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(403, "permission_denied", str(exc) or "You may not do this.")


def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # Only our own NotFound carries a message meant for the caller, and the field it names.
    if not isinstance(exc, NotFound):
        return error_response(404, "not_found", "Not found.")
    message = str(exc) or "Not found."
    return error_response(404, "not_found", message, {exc.field: message} if exc.field else None)


def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    response = error_response(exc.status, exc.code, exc.message, exc.fields, reason=exc.reason)
    for name, value in exc.headers.items():
        response[name] = value
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="cascade"'
    return response


def _http_error(request: HttpRequest, exc: ninja_errors.HttpError) -> HttpResponse:
    status = exc.status_code
    if isinstance(exc, ninja_errors.AuthenticationError):
        message = "Send a valid API token as `Authorization: Bearer <token>`, or sign in."
    elif status == 403 and "CSRF" in exc.message:
        return error_response(403, "csrf_failed", "The CSRF token is missing or incorrect.")
    else:
        message = exc.message
    response = error_response(status, CODES.get(status, "error"), message)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="cascade"'
    return response


def _busy(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = error_response(503, "busy", Busy.message)
    response["Retry-After"] = "1"
    return response


def _database_error(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    """A deadlock or serialization failure outside a retried transaction is busy too."""
    return _busy(request, exc) if is_retryable(exc) else _unexpected(request, exc)


# How much of a refused body is read and thrown away so that the connection stays usable.
DRAIN_LIMIT = 32 * 1024 * 1024
DRAIN_CHUNK = 64 * 1024


def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """A body past ``DATA_UPLOAD_MAX_MEMORY_SIZE``: Django refuses to read it (a 413, not a bug).

    The body is still on the socket. Servers skip only a little of an unread body before the
    next request of a keep-alive connection (gunicorn 64 KiB) and otherwise drop the
    connection, so it is read here in chunks, never held, up to ``DRAIN_LIMIT``.
    """
    drained = 0
    while drained < DRAIN_LIMIT and (chunk := request.read(DRAIN_CHUNK)):
        drained += len(chunk)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error_response(
        413, "too_large", f"The request body is larger than the {limit:,} bytes allowed."
    )


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The last resort: a bug. It is logged with its traceback; the caller gets a JSON 500."""
    logger.exception("Unhandled error in %s %s", request.method, request.path, exc_info=exc)
    return error_response(500, "server_error", "Something went wrong on our side; it is logged.")


HANDLERS: dict[type[Exception], Callable[[HttpRequest, Any], HttpResponse]] = {
    ninja_errors.ValidationError: _request_invalid,
    ninja_errors.HttpError: _http_error,
    ApiError: _api_error,
    ValidationError: _service_invalid,
    Conflict: _conflict,
    PermissionDenied: _forbidden,
    Http404: _not_found,
    Busy: _busy,
    OperationalError: _database_error,
    RequestDataTooBig: _too_large,
    Exception: _unexpected,
}


def install(api: NinjaAPI) -> None:
    for exception, handler in HANDLERS.items():
        api.add_exception_handler(exception, handler)
