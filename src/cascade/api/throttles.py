"""Limits on ``POST /tokens``, the one endpoint that takes a password: against password guessing.

Two limits, both must pass: per client address (``NINJA_NUM_PROXIES`` says how many proxies'
``X-Forwarded-For`` entries to trust) and per email address, so that spreading the guesses over
many addresses does not help either. Counts are kept in Django's cache: with several web
processes, configure a shared cache (the default one is per process).
"""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja.throttling import BaseThrottle, SimpleRateThrottle

PER_ADDRESS = "10/min"
PER_EMAIL = "30/hour"


class TokenRequestsPerAddress(SimpleRateThrottle):
    scope = "api_tokens_address"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenRequestsPerEmail(SimpleRateThrottle):
    scope = "api_tokens_email"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        try:
            body = json.loads(request.body)
        except (ValueError, RecursionError, RequestDataTooBig):
            return None  # not JSON, or too large to read: the request is refused anyway
        email = body.get("email") if isinstance(body, dict) else None
        if not isinstance(email, str) or not email.strip():
            return None
        ident = hashlib.sha256(email.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


def token_throttles() -> list[BaseThrottle]:
    return [TokenRequestsPerAddress(PER_ADDRESS), TokenRequestsPerEmail(PER_EMAIL)]
