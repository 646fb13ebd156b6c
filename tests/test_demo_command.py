"""README command one, end to end: ``cascade demo`` migrates, seeds, and serves with gunicorn.

It runs the real command in a subprocess on a free port with a fresh data directory and the
embedded SQLite database, whatever database the rest of the suite uses, then signs in over HTTP.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cascade_demo_serves_the_seeded_organisation(tmp_path: Path):
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY")
    }
    env["CASCADE_DATA_DIR"] = str(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "cascade", "demo", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    opener = build_opener(HTTPCookieProcessor(CookieJar()))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                login_page = opener.open(f"{base}/login/", timeout=5).read().decode()
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the demo did not start in time"
                time.sleep(0.5)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
        form = urlencode(
            {
                "csrfmiddlewaretoken": token,
                "username": "alice@acme.example",
                "password": "cascade-demo",
            }
        )
        request = Request(
            f"{base}/login/", data=form.encode(), headers={"Referer": f"{base}/login/"}
        )
        tree = opener.open(request, timeout=30).read().decode()
        assert "Become the mid-market leader in logistics software" in tree
        assert (tmp_path / "cascade.sqlite3").exists()
        assert (tmp_path / "secret_key").exists()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    assert "Sign in as alice@acme.example" in output
    assert "http://127.0.0.1:" in output
