"""Sealing secrets at rest with the keys in CASCADE_ENCRYPTION_KEYS (Fernet, AES + HMAC).

The variable holds one or more Fernet keys, comma separated. The first key seals; every key
opens, so keys rotate without downtime: put a new key first, keep the old ones after it, run
``cascade rotate_encryption_keys`` to re-seal everything with the new key, then drop the old.
A sealed value that no key opens is an error naming the variable, never a silent blank.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

VARIABLE = "CASCADE_ENCRYPTION_KEYS"


class SecretUnreadable(Exception):
    """A stored secret that none of the configured keys opens."""


def _keys() -> MultiFernet:
    raw = list(getattr(settings, VARIABLE, None) or [])
    if not raw:
        raise ImproperlyConfigured(
            f"{VARIABLE} is not set: Cascade needs it to encrypt the data sources' secrets. "
            'Generate a key with `python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"` and set it in the environment.'
        )
    fernets = []
    for position, key in enumerate(raw, start=1):
        try:
            fernets.append(Fernet(key.strip()))
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"{VARIABLE}: key {position} is not a Fernet key (32 url-safe base64-encoded bytes)."
            ) from None
    return MultiFernet(fernets)


def seal(plain: str) -> str:
    """The secret, encrypted with the first key; an empty secret stays empty."""
    if not plain:
        return ""
    return _keys().encrypt(plain.encode()).decode()


def unseal(sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return _keys().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            f"A stored secret cannot be decrypted with the keys in {VARIABLE}: the key that "
            "encrypted it is not among them. Put that key back (after the current one), or "
            "enter the connection's credentials again."
        ) from None


def reseal(sealed: str) -> str:
    """The same secret, sealed again with the first key (for key rotation)."""
    if not sealed:
        return ""
    try:
        return _keys().rotate(sealed.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            f"A stored secret cannot be decrypted with the keys in {VARIABLE}; "
            "keep the old key in the list until every secret is rotated."
        ) from None
