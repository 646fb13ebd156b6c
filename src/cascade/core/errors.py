"""The errors services raise, besides Django's ``ValidationError`` and ``PermissionDenied``.

Views and the API turn them into responses: ``NotFound`` is a 404 (also for anything in
another organisation, so that ids do not leak), ``Conflict`` a 409.
"""

from django.core.exceptions import ValidationError
from django.http import Http404


class NotFound(Http404):
    """The object does not exist for the caller: missing, or in another organisation."""


class Conflict(ValidationError):
    """Valid input that clashes with the current state, such as a link that closes a cycle."""
