"""What the organisation services share: how a name is cleaned."""

from __future__ import annotations

from cascade.core.text import clean_text, column_length
from cascade.orgs.models import Team


def _clean_name(value: str, field: str = "name", max_length: int | None = None) -> str:
    """A name of an organisation or a team (120 characters, as their columns), or of a period."""
    limit = max_length or column_length(Team, "name")
    return clean_text(value, field, required=True, max_length=limit)
