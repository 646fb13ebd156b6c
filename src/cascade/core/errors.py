"""The errors services raise, besides Django's ``ValidationError`` and ``PermissionDenied``.

Views and the API turn them into responses: ``NotFound`` is a 404 (also for anything in
another organisation, so that ids do not leak), ``Conflict`` a 409, ``Busy`` a 503.
"""

from django.core.exceptions import ValidationError
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


class Busy(Exception):
    """The database kept ending the transaction because of other writers (deadlocks,
    serialization failures), even when tried again: nothing was saved; the caller may retry."""

    message = "Cascade is busy with other changes: nothing was saved; try again in a moment."

    def __str__(self) -> str:
        return self.message
