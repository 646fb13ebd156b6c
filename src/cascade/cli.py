"""The ``cascade`` command: Django's management commands plus Cascade's own.

``cascade demo`` runs the product with the demo organisation, ``cascade verify_progress``
checks the stored progress, and every Django command (``migrate``, ``createsuperuser``, …)
works as with ``manage.py``.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cascade.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv if argv is not None else sys.argv)


if __name__ == "__main__":
    main()
