"""Limit/offset pages: ``{"items": [...], "count": N, "limit": L, "offset": O}``.

``count`` is the number of items over all pages; ``limit`` (1 to 200, default 50) and ``offset``
are echoed back. A page is two queries (the count and the slice) plus whatever the items need
in batch, never a query per item.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Model, QuerySet
from ninja import Field, Schema

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 10**9


class PageParams(Schema):
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page, at most {MAX_LIMIT}."
    )
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip.")


class Page(Schema):
    """The fields every page has; each list endpoint's page adds its ``items``."""

    count: int = Field(description="The number of items over all pages.")
    limit: int
    offset: int


def page_of[M: Model](queryset: QuerySet[M], params: PageParams) -> tuple[list[M], dict[str, Any]]:
    """The page's objects, and the page's fields without the items."""
    count = queryset.count()
    objects = (
        list(queryset[params.offset : params.offset + params.limit])
        if params.offset < count
        else []
    )
    return objects, {"count": count, "limit": params.limit, "offset": params.offset}


def page(items: Sequence[Any], meta: dict[str, Any]) -> dict[str, Any]:
    return {"items": list(items), **meta}
