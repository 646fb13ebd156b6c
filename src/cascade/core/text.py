"""Text from search boxes and query strings, made safe to put in a database query."""


def search_words(query: str, limit: int | None = None) -> list[str]:
    """The words of a search: NUL characters count as spaces. PostgreSQL refuses NUL in any
    text, a query's parameters too (a 500 otherwise), and no title or name contains one."""
    return query.replace("\x00", " ").split()[:limit]
