"""The errors services raise, besides Django's ``ValidationError`` and ``PermissionDenied``.

Views and the API turn them into responses: ``NotFound`` is a 404 (also for anything in
another organisation, so that ids do not leak), ``Conflict`` a 409, ``Busy`` a 503.

Every refusal of bad input carries a **stable machine code** beside its message for people
(``goal_closed``, ``weight_negative``): programs branch on the code, the message may be
reworded. Raise them with ``invalid(...)`` (or ``Conflict(message, code=...)``); the API
passes the codes through per field (``reason``, ``field_codes``; see docs/api.md, whose table
of codes a test keeps in step with the code).
"""

from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404


class NotFound(Http404):
    """The object does not exist for the caller: missing, or in another organisation.

    ``field`` names the input that carried the id, when it came in a form or a body, so that
    the answer can point at it (the API's ``fields``)."""

    def __init__(self, message: str = "", field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Conflict(ValidationError):
    """Valid input that clashes with the current state, such as a link that closes a cycle."""


def invalid(message: str, code: str, field: str | None = None) -> ValidationError:
    """A refusal with its stable ``code``, about one input ``field`` or (None) the whole request."""
    error = ValidationError(message, code=code)
    return ValidationError({field: error}) if field else error


def conflict(message: str, code: str, field: str | None = None) -> Conflict:
    """A clash with the current state (a 409), with its stable ``code``, as ``invalid``."""
    error = ValidationError(message, code=code)
    return Conflict({field: error}) if field else Conflict(message, code=code)


def invalid_fields(errors: dict[str, tuple[str, str]]) -> ValidationError:
    """Several fields refused at once: field → (message, code)."""
    return ValidationError(
        {field: ValidationError(message, code=code) for field, (message, code) in errors.items()}
    )


def by_field(
    error: ValidationError, general: str = NON_FIELD_ERRORS
) -> dict[str, list[ValidationError]]:
    """Each field's refusals in ``error``, codes and all (a refusal of no field under
    ``general``): to gather what several checks refused into one ``combine``."""
    if hasattr(error, "error_dict"):
        return {
            (general if name == NON_FIELD_ERRORS else name): list(errors)
            for name, errors in error.error_dict.items()
        }
    return {general: list(error.error_list)}


def combine(
    errors: Mapping[str, ValidationError | list[ValidationError]], *, clash: bool = False
) -> ValidationError:
    """One refusal of several fields, each keeping the code it was raised with (``invalid``,
    ``by_field``): never plain strings, which would lose their codes. A ``Conflict`` with
    ``clash``."""
    return (Conflict if clash else ValidationError)(dict(errors))


class Busy(Exception):
    """The database kept ending the transaction because of other writers (deadlocks,
    serialization failures), even when tried again: nothing was saved; the caller may retry."""

    message = "Cascade is busy with other changes: nothing was saved; try again in a moment."

    def __str__(self) -> str:
        return self.message
