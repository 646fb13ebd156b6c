"""Markdown that people write (comments), rendered to HTML that is safe to show.

Two locks, either enough on its own: markdown-it renders CommonMark with raw HTML switched off
(``<script>`` stays text), and nh3 (the maintained Rust sanitiser, ammonia) then keeps only an
allow-list of tags and attributes, and links to http, https and mailto or relative paths (no
``javascript:``). Images are not allowed: a picture from elsewhere would tell its host who read
the comment, and when.

A mention is written ``@[Full Name](member:ID)`` (the picker inserts it). The text is only a
hint: what it becomes is decided when it is rendered, from ``mentions`` (id → name and link):
a person found there is shown by their name as the organisation knows it, linked to their
page; anyone else (another organisation's, a missing id, someone who may not see the goal) is
plain text, ``@`` and the typed name, never a link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

MENTION = re.compile(r"@\[([^\[\]\n]{1,150})\]\(member:([0-9]{1,18})\)")

TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip
ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True)
class Mention:
    """How to show a mentioned person: their name and the path of their page."""

    name: str
    url: str


def mention_token(text: str) -> str:
    """What the picker inserts for a person (brackets in a name would end the label early)."""
    return f"@[{re.sub(r'[\[\]\n]', ' ', text)}]"


def _mention_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "@":
        return False
    match = MENTION.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.meta = {"label": match.group(1), "id": int(match.group(2))}
    state.pos = match.end()
    return True


def _render_mention(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    meta = tokens[idx].meta
    found: Mention | None = env.get("mentions", {}).get(meta["id"])
    if found is None:
        return escape(f"@{meta['label']}")
    return f'<a class="mention" href="{escape(found.url)}">@{escape(found.name)}</a>'


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    md.inline.ruler.before("link", "mention", _mention_rule)
    md.add_render_rule("mention", _render_mention)
    return md


_md = _parser()


def mentioned_ids(source: str) -> list[int]:
    """The ids the text mentions, in order, once each, as rendering sees them: a mention in a
    code span or block is code, not a mention."""
    ids: dict[int, None] = {}
    for block in _md.parse(source):
        for token in block.children or []:
            if token.type == "mention":
                ids.setdefault(token.meta["id"], None)
    return list(ids)


def render(source: str, mentions: Mapping[int, Mention] | None = None) -> SafeString:
    """The text as sanitised HTML, mentions found in ``mentions`` linked."""
    html = _md.render(source, {"mentions": mentions or {}})
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel="nofollow noopener noreferrer",
        allowed_classes={"a": {"mention"}},
    )
    return mark_safe(clean)  # sanitised by nh3 just above


def plain(source: str, mentions: Mapping[int, Mention] | None = None, limit: int = 300) -> str:
    """A short plain-text form (for a notification): mentions as ``@Name``, no Markdown parsed."""

    def name(match: re.Match[str]) -> str:
        found = (mentions or {}).get(int(match.group(2)))
        return f"@{found.name if found else match.group(1)}"

    text = " ".join(MENTION.sub(name, source).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
