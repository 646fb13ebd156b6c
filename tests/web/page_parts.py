"""Reading one part of a rendered page in a view test, so an assertion is about that part only.

    changes = part(page, "section", aria_labelledby="changes-heading")
    assert "checked in" in text(changes)

``part`` returns the HTML of the first element with that tag and those attributes and fails the
test when there is none; ``parts`` returns all of them. An underscore in an attribute's name
stands for a hyphen (``aria_labelledby``), and ``class_`` matches one of the element's classes.
``text`` is what a reader sees: tags removed, white space collapsed. The pages' templates close
every element they open, which is what the depth counting relies on.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


def _matches(tag: str, attrs: list[tuple[str, str | None]], want_tag: str, want: dict) -> bool:
    if tag != want_tag:
        return False
    have = {name: value or "" for name, value in attrs}
    for name, value in want.items():
        if name == "class_":
            if value not in have.get("class", "").split():
                return False
        elif have.get(name if name in have else name.replace("_", "-")) != str(value):
            return False
    return True


class _Parts(HTMLParser):
    def __init__(self, tag: str, attrs: dict) -> None:
        super().__init__(convert_charrefs=True)
        self.tag, self.attrs = tag, attrs
        self.found: list[str] = []
        self.current: list[str] | None = None
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.current is None:
            if not _matches(tag, attrs, self.tag, self.attrs):
                return
            self.current, self.depth = [], 0
        self.current.append(self.get_starttag_text() or "")
        if tag in VOID:
            self._maybe_done()
        else:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.current is None and not _matches(tag, attrs, self.tag, self.attrs):
            return
        if self.current is None:
            self.current, self.depth = [], 0
        self.current.append(self.get_starttag_text() or "")
        self._maybe_done()

    def handle_endtag(self, tag: str) -> None:
        if self.current is None or tag in VOID:
            return
        self.current.append(f"</{tag}>")
        self.depth -= 1
        self._maybe_done()

    def handle_data(self, data: str) -> None:
        if self.current is not None:
            self.current.append(escape(data, quote=False))

    def _maybe_done(self) -> None:
        if self.current is not None and self.depth == 0:
            self.found.append("".join(self.current))
            self.current = None


def parts(html: str, tag: str, **attrs: object) -> list[str]:
    parser = _Parts(tag, attrs)
    parser.feed(html)
    parser.close()
    return parser.found


def part(html: str, tag: str, **attrs: object) -> str:
    found = parts(html, tag, **attrs)
    assert found, f"no <{tag}> with {attrs} on the page"
    return found[0]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.chunks.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.chunks.append(" ")


def text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return re.sub(r"\s+", " ", "".join(parser.chunks)).strip()
