"""Text from forms, search boxes and query strings, made safe to put in the database."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Model

from cascade.core.errors import invalid

# The limits of text kept in TextFields, which have no column length of their own: the
# services and the API refuse longer text. A CharField's limit is its column's (``column_length``).
LONG_TEXT = 10_000  # descriptions, retrospectives, overall comments
NOTE = 5000  # check-in notes, updates and comments
DESCRIPTION = 2000  # a competency's description


def column_length(model: type[Model], name: str) -> int:
    """The length of a CharField's column, so that a limit has one home: its model field."""
    length = getattr(model._meta.get_field(name), "max_length", None)
    if not isinstance(length, int):
        raise TypeError(f"{model.__name__}.{name} has no column length")
    return length


def search_words(query: str, limit: int | None = None) -> list[str]:
    """The words of a search: NUL characters count as spaces. PostgreSQL refuses NUL in any
    text, a query's parameters too (a 500 otherwise), and no title or name contains one."""
    return query.replace("\x00", " ").split()[:limit]


def clean_text(
    value: str | None, field: str, *, required: bool = False, max_length: int = 200
) -> str:
    """A service's text field: stripped, within its length, and with no NUL character, which
    PostgreSQL cannot store (a 500 otherwise, for text that reached a service without a form)."""
    value = (value or "").strip()
    if required and not value:
        raise invalid("This field is required.", "required", field)
    if len(value) > max_length:
        raise invalid(f"Keep it under {max_length} characters.", "text_too_long", field)
    if "\x00" in value:
        raise invalid("Text cannot contain NUL characters.", "text_nul", field)
    return value


def clean_email(value: str | None, field: str = "email") -> str:
    """An email address as accounts keep it (stripped, lowercased), or a ValidationError on
    ``field``: the one check of an invited person's or a founder's address."""
    email = (value or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise invalid("Enter a valid email address.", "email_invalid", field) from None
    return email
