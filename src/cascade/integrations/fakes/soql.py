"""Enough SOQL for the fake Salesforce.

``SELECT COUNT() FROM Object …``, ``SELECT SUM(f) [alias], COUNT(Id), AVG, MIN, MAX …`` (one
``AggregateResult`` row, or one per group with ``GROUP BY f``), or plain fields; ``WHERE``
comparisons (``= != < > <= >= IN``) joined by ``AND``/``OR``, string, number, boolean, null and
the date literals ``TODAY``, ``THIS_QUARTER``, ``LAST_QUARTER``, ``THIS_YEAR``; ``ORDER BY f
[ASC|DESC]`` and ``LIMIT n``. Problems raise ``SoqlError`` with Salesforce's error codes:
``MALFORMED_QUERY``, ``INVALID_FIELD``, ``INVALID_TYPE``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

TOKEN = re.compile(
    r"""\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<op><=|>=|!=|<>|=|<|>|\(|\)|,)|(?P<word>[A-Za-z0-9_.:\-]+))"""
)
AGGREGATES = {"count", "sum", "avg", "min", "max", "count_distinct"}


class SoqlError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def malformed(got: str | None) -> SoqlError:
    return SoqlError("MALFORMED_QUERY", f"unexpected token: '{got or '<EOF>'}'")


@dataclass
class Item:
    field: str | None  # None for COUNT()
    aggregate: str | None = None
    alias: str | None = None


@dataclass
class Query:
    items: list[Item]
    sobject: str
    where: Callable[[dict[str, Any]], bool] | None = None
    group_by: str | None = None
    order_by: tuple[str, bool] | None = None  # field, descending
    limit: int | None = None
    count_only: bool = False
    fields: set[str] = field(default_factory=set)


def tokenize(text: str) -> list[str]:
    tokens, position, text = [], 0, text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise malformed(text[position:].split()[0] if text[position:].split() else None)
        tokens.append(match.group(match.lastgroup or "word"))
        position = match.end()
    return tokens


def quarter(day: date, back: int = 0) -> tuple[date, date]:
    index = (day.month - 1) // 3 - back
    year = day.year + index // 4
    index %= 4
    start = date(year, 3 * index + 1, 1)
    end = date(year + (index == 3), (3 * index + 3) % 12 + 1, 1)
    return start, end  # end exclusive


class Parser:
    def __init__(self, text: str, schema: dict[str, set[str]], today: date) -> None:
        self.tokens = tokenize(text)
        self.position = 0
        self.schema = {name.lower(): (name, fields) for name, fields in schema.items()}
        self.today = today
        self.sobject = ""
        self.columns: dict[str, str] = {}

    def peek(self, ahead: int = 0) -> str | None:
        at = self.position + ahead
        return self.tokens[at] if at < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise malformed(None)
        self.position += 1
        return token

    def keyword(self, word: str) -> None:
        token = self.take()
        if token.lower() != word:
            raise malformed(token)

    def column(self, name: str) -> str:
        canonical = self.columns.get(name.lower())
        if canonical is None:
            raise SoqlError(
                "INVALID_FIELD",
                f"No such column '{name}' on entity '{self.sobject}'. If you are attempting to "
                "use a custom field, be sure to append the '__c' after the custom field name. "
                "Please reference your WSDL or the describe call for the appropriate names.",
            )
        return canonical

    def parse(self) -> Query:
        self.keyword("select")
        raw_items = self.select_list()
        self.keyword("from")
        name = self.take()
        found = self.schema.get(name.lower())
        if found is None:
            raise SoqlError(
                "INVALID_TYPE",
                f"sObject type '{name}' is not supported. If you are attempting to use a custom "
                "object, be sure to append the '__c' after the entity name.",
            )
        self.sobject, fields = found
        self.columns = {f.lower(): f for f in fields}
        items = [
            Item(self.column(i.field) if i.field else None, i.aggregate, i.alias) for i in raw_items
        ]
        query = Query(
            items,
            self.sobject,
            count_only=raw_items[0].field is None and raw_items[0].aggregate == "count",
        )
        while self.peek() is not None:
            word = self.take().lower()
            if word == "where":
                query.where = self.condition()
            elif word == "group":
                self.keyword("by")
                query.group_by = self.column(self.take())
            elif word == "order":
                self.keyword("by")
                column = self.column(self.take())
                descending = False
                if (self.peek() or "").lower() in ("asc", "desc"):
                    descending = self.take().lower() == "desc"
                query.order_by = (column, descending)
            elif word == "limit":
                token = self.take()
                if not token.isdigit():
                    raise malformed(token)
                query.limit = int(token)
            else:
                raise malformed(word)
        return query

    def select_list(self) -> list[Item]:
        items = [self.select_item()]
        while self.peek() == ",":
            self.take()
            items.append(self.select_item())
        if any(i.field is None for i in items) and len(items) > 1:
            raise malformed(",")
        return items

    def select_item(self) -> Item:
        name = self.take()
        if self.peek() == "(":
            function = name.lower()
            if function not in AGGREGATES:
                raise malformed(name)
            self.take()
            inner = None if self.peek() == ")" else self.take()
            if self.take() != ")":
                raise malformed(self.tokens[self.position - 1])
            if inner is None and function != "count":
                raise malformed(")")
            alias = None
            if self.peek() and self.peek() not in (",",) and self.peek().lower() not in ("from",):  # type: ignore[union-attr]
                alias = self.take()
            return Item(inner, function, alias) if inner else Item(None, "count")
        if name.lower() in ("from", "where"):
            raise malformed(name)
        return Item(name)

    # ------------------------------------------------------------------ WHERE
    def condition(self) -> Callable[[dict[str, Any]], bool]:
        terms = [self.conjunction()]
        while (self.peek() or "").lower() == "or":
            self.take()
            terms.append(self.conjunction())
        return lambda row: any(t(row) for t in terms)

    def conjunction(self) -> Callable[[dict[str, Any]], bool]:
        parts = [self.comparison()]
        while (self.peek() or "").lower() == "and":
            self.take()
            parts.append(self.comparison())
        return lambda row: all(p(row) for p in parts)

    def comparison(self) -> Callable[[dict[str, Any]], bool]:
        if self.peek() == "(":
            self.take()
            inner = self.condition()
            if self.take() != ")":
                raise malformed(self.tokens[self.position - 1])
            return inner
        column = self.column(self.take())
        operator = self.take().lower()
        if operator == "in":
            if self.take() != "(":
                raise malformed(self.tokens[self.position - 1])
            values = [self.literal()]
            while self.peek() == ",":
                self.take()
                values.append(self.literal())
            if self.take() != ")":
                raise malformed(self.tokens[self.position - 1])
            return lambda row: any(_equal(row.get(column), v) for v in values)
        if operator not in ("=", "!=", "<>", "<", ">", "<=", ">="):
            raise malformed(operator)
        value = self.literal()
        if isinstance(value, tuple):  # a date range literal
            start, end = value
            inside = lambda row: _in_range(row.get(column), start, end)  # noqa: E731
            compare = {
                "=": inside,
                "!=": lambda row: not inside(row),
                "<>": lambda row: not inside(row),
                "<": lambda row: _before(row.get(column), start),
                ">=": lambda row: not _before(row.get(column), start),
                ">": lambda row: not _before(row.get(column), end),
                "<=": lambda row: _before(row.get(column), end),
            }
            return compare[operator]
        return lambda row: _compare(row.get(column), operator, value)

    def literal(self) -> Any:
        token = self.take()
        if token.startswith("'"):
            return re.sub(r"\\(.)", r"\1", token[1:-1])
        lowered = token.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered == "null":
            return None
        ranges = {
            "today": (self.today, date.fromordinal(self.today.toordinal() + 1)),
            "this_quarter": quarter(self.today),
            "last_quarter": quarter(self.today, 1),
            "this_year": (date(self.today.year, 1, 1), date(self.today.year + 1, 1, 1)),
        }
        if lowered in ranges:
            return ranges[lowered]
        try:
            return Decimal(token)
        except ArithmeticError:
            try:
                return date.fromisoformat(token)
            except ValueError:
                raise malformed(token) from None


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _in_range(value: Any, start: date, end: date) -> bool:
    day = _as_date(value)
    return day is not None and start <= day < end


def _before(value: Any, limit: date) -> bool:
    day = _as_date(value)
    return day is not None and day < limit


def _normal(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    if isinstance(value, date):
        return value
    return str(value).lower()


def _equal(left: Any, right: Any) -> bool:
    if isinstance(right, date):
        return _as_date(left) == right
    return _normal(left) == _normal(right)


def _compare(left: Any, operator: str, right: Any) -> bool:
    if operator == "=":
        return _equal(left, right)
    if operator in ("!=", "<>"):
        return not _equal(left, right)
    a, b = (_as_date(left), right) if isinstance(right, date) else (_normal(left), _normal(right))
    if a is None or b is None:
        return False
    try:
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[operator]
    except TypeError:
        return False


def parse(text: str, schema: dict[str, set[str]], today: date) -> Query:
    return Parser(text, schema, today).parse()


def run(query: Query, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The query's records (without attributes) and its totalSize."""
    matched = [row for row in rows if query.where is None or query.where(row)]
    if query.count_only:
        return [], len(matched) if query.limit is None else min(len(matched), query.limit)
    aggregated = any(item.aggregate for item in query.items)
    if aggregated:
        groups: dict[Any, list[dict[str, Any]]] = {}
        for row in matched:
            groups.setdefault(row.get(query.group_by) if query.group_by else None, []).append(row)
        if not query.group_by:
            groups = {None: matched}
        records = []
        for key, members in groups.items():
            record: dict[str, Any] = {}
            if query.group_by:
                record[query.group_by] = key
            position = 0
            for item in query.items:
                if not item.aggregate:
                    record[item.field or ""] = members[0].get(item.field or "") if members else None
                    continue
                name = item.alias or f"expr{position}"
                position += 1
                record[name] = _aggregate(item, members)
            records.append(record)
    else:
        records = [
            {item.field or "": row.get(item.field or "") for item in query.items} for row in matched
        ]
    if query.order_by:
        column, descending = query.order_by
        records.sort(key=lambda r: (r.get(column) is None, r.get(column)), reverse=descending)
    if query.limit is not None:
        records = records[: query.limit]
    return records, len(records)


def _aggregate(item: Item, rows: list[dict[str, Any]]) -> Any:
    values = [row.get(item.field) for row in rows if item.field and row.get(item.field) is not None]
    if item.aggregate == "count":
        return len(values) if item.field else len(rows)
    if item.aggregate == "count_distinct":
        return len(set(values))
    if not values:
        return None
    numbers = [float(v) for v in values if v is not None]
    if item.aggregate == "sum":
        return sum(numbers)
    if item.aggregate == "avg":
        return sum(numbers) / len(numbers)
    return min(numbers) if item.aggregate == "min" else max(numbers)
