"""WSGI entry point for production servers (gunicorn cascade.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cascade.settings")
application = get_wsgi_application()
