"""Enough JQL for the fake Jira: clauses joined with AND, OR, NOT and parentheses.

``field = value``, ``!=``, ``in (…)``, ``not in (…)``, ``is EMPTY``, ``is not EMPTY``, and a
trailing ``ORDER BY`` (ignored). Unknown fields and syntax errors raise ``JqlError`` with the
wording Jira uses, so the fake answers 400 like the real thing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|=|\(|\)|,|~|!~)
      | (?P<word>[A-Za-z0-9_.\-\[\]]+)
    )""",
    re.VERBOSE,
)
KEYWORDS = {"and", "or", "not", "in", "is", "empty", "null", "order", "by"}

Predicate = Callable[[Any], bool]
Lookup = Callable[[Any, str], list[str] | None]  # an issue's values for a field; None: no field


class JqlError(ValueError):
    pass


def tokenize(text: str) -> list[str]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise JqlError(
                f"Error in the JQL Query: The character '{text[position]}' is a reserved JQL "
                f"character. You must enclose it in a string or use the escape '\\u{ord(text[position]):04x}' "
                f"instead. (line 1, character {position + 1})"
            )
        tokens.append(match.group(match.lastgroup or "word"))
        position = match.end()
    return tokens


def split_order_by(tokens: list[str]) -> list[str]:
    for index in range(len(tokens) - 1):
        if tokens[index].lower() == "order" and tokens[index + 1].lower() == "by":
            return tokens[:index]
    return tokens


def unquote(token: str) -> str:
    if token[:1] in "\"'" and token[-1:] == token[:1]:
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    return token


class Parser:
    def __init__(self, tokens: list[str], lookup: Lookup) -> None:
        self.tokens = tokens
        self.position = 0
        self.lookup = lookup

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise JqlError(
                "Error in the JQL Query: Expecting either a value or a function but got the end of the query."
            )
        self.position += 1
        return token

    def expect_word(self, word: str) -> None:
        token = self.take()
        if token.lower() != word:
            raise JqlError(f"Error in the JQL Query: Expecting '{word}' but got '{token}'.")

    def parse(self) -> Predicate:
        predicate = self.expression()
        if self.peek() is not None:
            raise JqlError(
                f"Error in the JQL Query: Expecting either 'OR' or 'AND' but got '{self.peek()}'."
            )
        return predicate

    def expression(self) -> Predicate:
        terms = [self.term()]
        while (self.peek() or "").lower() == "or":
            self.take()
            terms.append(self.term())
        return lambda issue: any(t(issue) for t in terms)

    def term(self) -> Predicate:
        factors = [self.factor()]
        while (self.peek() or "").lower() == "and":
            self.take()
            factors.append(self.factor())
        return lambda issue: all(f(issue) for f in factors)

    def factor(self) -> Predicate:
        token = self.peek()
        if token is not None and token.lower() == "not":
            self.take()
            inner = self.factor()
            return lambda issue: not inner(issue)
        if token == "(":
            self.take()
            inner = self.expression()
            if self.take() != ")":
                raise JqlError("Error in the JQL Query: Expecting ')' before the end of the query.")
            return inner
        return self.clause()

    def values(self) -> list[str]:
        if self.take() != "(":
            raise JqlError("Error in the JQL Query: Expecting '(' after 'in'.")
        values = [unquote(self.take()).lower()]
        while self.peek() == ",":
            self.take()
            values.append(unquote(self.take()).lower())
        if self.take() != ")":
            raise JqlError("Error in the JQL Query: Expecting ')' to close the list.")
        return values

    def clause(self) -> Predicate:
        name = unquote(self.take())
        if name.lower() in KEYWORDS or name in "(),=":
            raise JqlError(f"Error in the JQL Query: Expecting a field name but got '{name}'.")
        probe = self.lookup(None, name)
        if probe is None:
            raise JqlError(
                f"Field '{name}' does not exist or you do not have permission to view it."
            )
        written = self.take()
        operator = written.lower()
        if operator == "not":
            self.expect_word("in")
            operator = "not in"
        if operator == "is":
            negate = (self.peek() or "").lower() == "not"
            if negate:
                self.take()
            if self.take().lower() not in ("empty", "null"):
                raise JqlError("Error in the JQL Query: Expecting 'EMPTY' after 'is'.")
            return lambda issue: bool(self.lookup(issue, name)) == negate
        if operator in ("in", "not in"):
            wanted = set(self.values())
            inside = operator == "in"
            return lambda issue: bool(set(self.lookup(issue, name) or []) & wanted) == inside
        if operator in ("=", "!="):
            value = unquote(self.take()).lower()
            equal = operator == "="
            return lambda issue: (value in (self.lookup(issue, name) or [])) == equal
        raise JqlError(
            f"Error in the JQL Query: Expecting operator but got '{written}'. The valid "
            "operators are '=', '!=', 'in', 'not in', 'is' and 'is not'."
        )


def compile_jql(jql: str, lookup: Lookup) -> tuple[Predicate, bool]:
    """A predicate over issues, and whether the query restricts anything (is "bounded")."""
    tokens = split_order_by(tokenize(jql))
    if not tokens:
        return (lambda issue: True), False
    return Parser(tokens, lookup).parse(), True
