"""A real HTTP server on 127.0.0.1, in a thread, that a fake service answers through.

Besides its normal answers a fake can be told to misbehave for its next requests: answer with a
given status, headers and body (``fail_next``), answer slowly (``slow_next``) or send a body
that is not JSON (``garbage_next``). Every request is kept in ``requests`` for the tests.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict or list: JSON; str or bytes: sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str = "application/json;charset=UTF-8"

    def payload(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass
class Seen:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, [default])[0]


@dataclass
class Fault:
    reply: Reply
    path: str = ""  # only requests whose path starts with this
    passthrough: bool = False  # delay only: then answer normally

    def matches(self, seen: Seen) -> bool:
        return seen.path.startswith(self.path)


GARBAGE = "<html><body><h1>502 Bad Gateway</h1>The proxy got lost.</body></html>"


class FakeService:
    """Base of the fakes: routing, request log, fault injection and the server thread."""

    name = "fake"
    request_id_header = "X-Request-Id"

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.faults: deque[Fault] = deque()
        self.lock = threading.Lock()
        self._ids = count(1)
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # ------------------------------------------------------------------ life
    @property
    def url(self) -> str:
        assert self.server is not None, "start the fake first"
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self, port: int = 0) -> Self:
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(
            target=self.server.serve_forever, name=f"{self.name}-fake", daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ misbehaving on request
    def fail_next(
        self,
        status: int,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
        path: str = "",
    ) -> None:
        for _ in range(times):
            self.faults.append(Fault(Reply(status, body, dict(headers or {})), path))

    def slow_next(self, seconds: float, *, times: int = 1, path: str = "") -> None:
        for _ in range(times):
            self.faults.append(Fault(Reply(delay=seconds), path, passthrough=True))

    def garbage_next(self, *, status: int = 200, times: int = 1, path: str = "") -> None:
        for _ in range(times):
            reply = Reply(status, GARBAGE, content_type="text/html")
            self.faults.append(Fault(reply, path))

    def paths(self) -> list[str]:
        return [seen.path for seen in self.requests]

    # ------------------------------------------------------------------ answering
    def dispatch(self, seen: Seen) -> Reply:
        with self.lock:
            self.requests.append(seen)
            fault = next((f for f in self.faults if f.matches(seen)), None)
            if fault is not None:
                self.faults.remove(fault)
        if fault is not None and not fault.passthrough:
            return fault.reply
        try:
            reply = self.route(seen)
        except Exception as error:  # a bug in the fake shows as a 500, like a real server's
            reply = Reply(500, {"errorMessages": [f"fake {self.name} failed: {error!r}"]})
        if fault is not None:
            reply.delay = fault.reply.delay
        return reply

    def route(self, seen: Seen) -> Reply:
        raise NotImplementedError

    def request_id(self) -> str:
        return f"{next(self._ids):06d}"


def _handler_for(service: FakeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = f"Fake{service.name.title()}/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # quiet, like a real service
            return

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            reply = service.dispatch(seen)
            if reply.delay:
                time.sleep(reply.delay)
            payload = reply.payload()
            try:
                self.send_response(reply.status)
                self.send_header(service.request_id_header, service.request_id())
                if payload:
                    self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout test)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return Handler
