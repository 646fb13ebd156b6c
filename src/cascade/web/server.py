"""Serving Cascade with gunicorn, a production-grade WSGI server, from inside the ``cascade`` command."""

from typing import Any

from django.core.wsgi import get_wsgi_application
from gunicorn.app.base import BaseApplication


class Server(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return get_wsgi_application()


def serve(bind: str, workers: int, threads: int = 4) -> None:
    Server(
        {
            "bind": bind,
            "workers": workers,
            "threads": threads,
            "accesslog": "-",
            "errorlog": "-",
            "graceful_timeout": 5,
        }
    ).run()
