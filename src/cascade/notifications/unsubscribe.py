"""One-click unsubscribe links (RFC 8058): a signed token names the person and the topic.

The token is signed, not stored: nothing to look up, and it cannot be forged or pointed at
another person. It does not expire, as a link in an old email must still work; what it can do
is small (move one topic of one person from email to the inbox).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

SALT = "cascade.notifications.unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    member_id: int
    topic: str


def token(member_id: int, topic: str) -> str:
    return signing.dumps([member_id, topic], salt=SALT, compress=False)


def read(value: str) -> Unsubscribe | None:
    """The person and topic of a token, or None when it was not made here."""
    try:
        member_id, topic = signing.loads(value, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(member_id, int) or not isinstance(topic, str):
        return None
    return Unsubscribe(member_id, topic)
