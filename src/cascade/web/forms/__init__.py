"""Forms parse what people type; the services decide what is allowed and valid.

A service refuses bad input with a ``ValidationError``; ``show_errors`` puts its messages next to
the fields they name (or above the form), so every rule has one home and one wording.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from cascade.core.numbers import parse_id


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


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, refusing ids no primary key can have before they reach the database:
    SQLite raises OverflowError on an ``IN`` list with a number past 64 bits (a 500, not a
    form error)."""

    def clean(self, value: Any) -> Any:
        for raw in value if isinstance(value, list | tuple) else ():
            if parse_id(str(raw)) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": raw},
                )
        return super().clean(value)


def shown_if(field: forms.Field, control: str, *values: str) -> forms.Field:
    """Show ``field`` only while the form's ``control`` field has one of ``values``.

    cascade.js hides the field and disables its input (so a value typed before the choice
    changed is not sent); without a script every field shows, and the services, which ignore or
    refuse what does not apply to the choice, stay the rule. A select's option may carry a
    ``data-kind`` that stands for it (a connection's service family).
    """
    field.widget.attrs["data-shown-if"] = f"{control}:{' '.join(values)}"
    return field


class OptionAttrsSelect(forms.Select):
    """A select whose options carry attributes: ``option_attrs = {value: {name: value}}``,
    for ``data-kind`` and ``data-shown-if`` on single options."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.option_attrs: dict[str, dict[str, str]] = {}

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["attrs"].update(self.option_attrs.get(str(option["value"]), {}))
        return option
