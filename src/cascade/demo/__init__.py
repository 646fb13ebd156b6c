"""The demo organisation "Acme" and the ``cascade demo`` command that serves it."""
