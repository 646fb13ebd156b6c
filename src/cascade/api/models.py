"""Personal API tokens. A token acts for one member of one organisation.

The token itself is shown once, when it is created; the database keeps only its SHA-256 digest
(to find it again) and a short prefix (so that people can tell their tokens apart in a list).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.db import models

from cascade.core import clock
from cascade.orgs.models import Member, OrgScoped

# Every token starts with this marker, so that a leaked one is easy to recognise (and to scan for).
TOKEN_MARKER = "cascade_"
PREFIX_LENGTH = len(TOKEN_MARKER) + 6  # the marker and the first six random characters


def new_token() -> str:
    """A fresh token: the marker and 32 random bytes, URL-safe (256 bits of entropy)."""
    return TOKEN_MARKER + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the database keeps of a token. A plain hash is enough: the token is random, not a
    password, so there is nothing to guess from a dictionary and no need for a slow hash."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class ApiToken(OrgScoped):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=PREFIX_LENGTH)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Optional: a token without one works until it is revoked.
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["member", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'unnamed'})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now
