"""Where a webhook may be sent: the URL's rules at registration, the address's at each send.

Unless ``CASCADE_WEBHOOKS_ALLOW_PRIVATE`` is on (its default is DEBUG), a URL must be https and
its host must not be, or resolve to, a private, loopback, link-local, multicast or reserved
address: a webhook must not become a way to call the server's own network (SSRF). The host is
checked when the endpoint is saved (literal addresses and "localhost") and resolved again before
every send (a name may point elsewhere later). Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from cascade.core.errors import invalid

EXAMPLE = "Enter a full URL, such as https://example.com/hooks/cascade."


class Refused(Exception):
    """The URL's host is an address Cascade does not send to."""


def allow_private() -> bool:
    return bool(getattr(settings, "CASCADE_WEBHOOKS_ALLOW_PRIVATE", False))


NAT64 = ipaddress.ip_network("64:ff9b::/96")
SITE_LOCAL = ipaddress.ip_network("fec0::/10")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4, Teredo, IPv4-compatible):
    where a packet to it ends up, so that is what must be public."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip in NAT64 or (int(ip) >> 32 == 0 and int(ip) > 1):  # 64:ff9b::a.b.c.d, ::a.b.c.d
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    return None


def _public(address: str) -> bool:
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
        address.split("%", 1)[0]
    )
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in SITE_LOCAL:
            return False
        ip = _embedded_ipv4(ip) or ip
    return ip.is_global and not ip.is_multicast


def clean_url(raw: str) -> str:
    """The URL to save, or a ``ValidationError`` on ``url``."""
    url = (raw or "").strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise invalid(EXAMPLE, "url_invalid", "url") from None
    schemes = {"https", "http"} if allow_private() else {"https"}
    if not parts.scheme or not host:
        raise invalid(EXAMPLE, "url_invalid", "url")
    if parts.scheme not in schemes:
        raise invalid(
            "Enter an https:// URL, such as https://example.com/hooks/cascade.",
            "https_required",
            "url",
        )
    if parts.username or parts.password:
        raise invalid(
            "Leave the user name and password out of the URL: every delivery is signed.",
            "url_invalid",
            "url",
        )
    if len(url) > 500:
        raise invalid("Keep the URL to 500 characters.", "text_too_long", "url")
    if not allow_private() and _private_host(host):
        raise invalid(
            "This address is inside a private network; Cascade sends webhooks to public "
            "addresses only.",
            "address_private",
            "url",
        )
    return url


def _private_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not _public(host)
    except ValueError:
        return False  # a name: resolved before each send


class Unresolved(Exception):
    """The host's name does not resolve now: the send is retried later."""


def check(url: str) -> str | None:
    """Before a send: the public address to connect to, or ``Refused``.

    The name is resolved once, here, and the send connects to the address checked (see
    ``tasks``): a second lookup by the HTTP client could answer differently (DNS rebinding).
    ``None`` when private addresses are allowed: then the client resolves as usual.
    """
    if allow_private():
        return None
    host = urlsplit(url).hostname or ""
    if _private_host(host):
        raise Refused(f"{host} is a private address.")
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise Unresolved(f"{host} does not resolve.") from None
    addresses = [str(info[4][0]).split("%", 1)[0] for info in infos]
    if not addresses:
        raise Unresolved(f"{host} does not resolve.")
    for address in addresses:
        if not _public(address):
            raise Refused(f"{host} resolves to a private address.")
    return addresses[0]


__all__ = ["Refused", "Unresolved", "ValidationError", "allow_private", "check", "clean_url"]
