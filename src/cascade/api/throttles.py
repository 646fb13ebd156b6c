"""Limits on ``POST /tokens``, the one endpoint that takes a password: against password guessing.

The same limits as the web and admin logins (cascade.accounts.signin_limits): here the
per-address limit on attempts, as a django-ninja throttle with its 429 and ``Retry-After``; the
per (email, address) limit on failures is django-axes', applied in ``member_for_password``.
"""

from __future__ import annotations

from ninja.throttling import BaseThrottle

from cascade.accounts.signin_limits import per_address


def token_throttles() -> list[BaseThrottle]:
    return [per_address()]
