"""Text from forms, search boxes and query strings, made safe to put in the database."""

from django.core.exceptions import ValidationError


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
        raise ValidationError({field: "This field is required."})
    if len(value) > max_length:
        raise ValidationError({field: f"Keep it under {max_length} characters."})
    if "\x00" in value:
        raise ValidationError({field: "Text cannot contain NUL characters."})
    return value
