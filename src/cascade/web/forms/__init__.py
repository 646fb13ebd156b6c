"""Forms parse what people type; the services decide what is allowed and valid.

A service refuses bad input with a ``ValidationError``; ``show_errors`` puts its messages next to
the fields they name (or above the form), so every rule has one home and one wording.
"""

from django import forms
from django.core.exceptions import ValidationError


def show_errors(
    form: forms.BaseForm, error: ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """Attach a service's ValidationError to the form: per field where the field exists."""
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        field = aliases.get(name, name)
        form.add_error(field if field in form.fields else None, messages)
