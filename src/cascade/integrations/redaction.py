"""Error texts of data sources as ordinary members read them: without the addresses behind them.

A sync's error is the service's own wording, or the HTTP client's, and may name the machine it
tried to reach: ``Could not reach Jira at jira.corp.internal: [Errno 111] …``, a proxy's URL, an
IP address. Super users (who set the connections up) read it whole; everyone else reads it with
URLs, IP addresses and host names replaced by ``[address hidden]``, which leaves the part they can
act on (the JQL or SOQL complaint).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

HIDDEN = "[address hidden]"

_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.])")
# Full (eight groups) or compressed ("::") IPv6, with or without brackets and a port.
_IPV6 = re.compile(
    r"\[?(?<![\w:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}"
    r"|(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{0,4}::(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{0,4})"
    r"(?:%\w+)?(?![\w:])\]?(?::\d{1,5})?",
    re.IGNORECASE,
)
# Lower-case dotted names ending in a word of letters (jira.corp.internal, example.com), and any
# name with a port (jira-dc:8443). Not "Opportunity.Amount": host names are written in lower case,
# Salesforce's field paths are not.
_HOST = re.compile(
    r"(?<![\w.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?::\d{1,5})?(?![\w-])"
)
_HOST_PORT = re.compile(r"(?<![\w.-])(?=[a-z0-9.-]*[a-z])[a-z0-9][a-z0-9.-]*:\d{2,5}(?![\w-])")


def host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def redact(text: str, hosts: Iterable[str] = ()) -> str:
    """``text`` without URLs, IP addresses and host names; ``hosts`` are names to hide too
    (the connection's own host, which may have no dot: ``http://jira/``)."""
    for pattern in (_URL, _IPV6, _IPV4, _HOST_PORT, _HOST):
        text = pattern.sub(HIDDEN, text)
    # Whole names only ("jira", not the service's name "Jira" nor "jira" in "jira.example.com",
    # which the patterns above took), in lower case as URLs give them.
    for host in sorted({h for h in hosts if h}, key=len, reverse=True):
        text = re.sub(rf"(?<![\w.-]){re.escape(host)}(?::\d{{1,5}})?(?![\w-]|\.\w)", HIDDEN, text)
    return text


def connection_hosts(connection: Any) -> list[str]:
    """The host names a connection's errors may name: its base URL's and Salesforce's instance."""
    return [host_of(connection.base_url), host_of(getattr(connection, "instance_url", "") or "")]


def error_for_reader(text: str, connection: Any, *, full: bool) -> str:
    """A data source's error text as its reader may see it: whole for super users (``full``,
    from ``permissions.can_read_source_errors``), without addresses for everyone else."""
    if full or not text:
        return text
    return redact(text, connection_hosts(connection))
