"""Logging filters."""

from __future__ import annotations

import logging


class NoClientErrorTraceback(logging.Filter):
    """Log a refused request (4xx) as its one line, without the exception's traceback.

    Django 6 logs a PermissionDenied with its traceback (``django.request``), which is noise:
    the refusal is the expected outcome of a rule. Server errors (5xx) keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
