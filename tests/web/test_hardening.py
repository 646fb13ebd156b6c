"""Hardening (issue 10, item 8): the Content-Security-Policy header, no-store for signed-in
pages, HTTPS settings, the idle session timeout and one-line 403s in the log.

The CSP's effect in a browser is tests/browser/test_csp.py; error texts of data sources are
tests/integrations/test_error_redaction.py.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.urls import reverse
from django.utils import timezone

from cascade.core.logs import NoClientErrorTraceback
from tests.web.helpers import PASSWORD, url


@pytest.fixture
def member(world):
    return world.person("Olga Operator", manager=world.ceo)


# --------------------------------------------------------------------------- CSP


def test_every_page_carries_a_policy_without_inline_script_or_style(client, world):
    client.force_login(world.ceo.user)
    response = client.get(url(world))
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    body = response.text
    assert " style=" not in body
    assert " onclick=" not in body
    assert " onchange=" not in body
    # htmx told not to add its <style> nor to eval.
    assert '"includeIndicatorStyles": false' in body
    assert '"allowEval": false' in body


def test_the_500_page_styles_itself_with_the_requests_nonce(rf):
    import cascade.urls
    from cascade.web.views.errors import server_error

    assert cascade.urls.handler500 == "cascade.web.views.errors.server_error"
    response = ContentSecurityPolicyMiddleware(server_error)(rf.get("/"))
    assert response.status_code == 500
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in response.text


# --------------------------------------------------------------------------- no-store


def test_pages_of_signed_in_people_are_not_stored(client, world, member):
    client.force_login(member.user)
    # Any answer of the API will do: a path it does not know gets its JSON 404.
    for path in (url(world), url(world, "goal-list"), "/api/v1/me"):
        response = client.get(path)
        assert "no-store" in response.headers.get("Cache-Control", ""), path
    # A page swapped in by htmx too.
    response = client.get(url(world, "goal-search", q="x"), HTTP_HX_REQUEST="true")
    assert "no-store" in response.headers["Cache-Control"]


def test_static_files_and_strangers_pages_keep_their_caching(client, world, member):
    stranger = client.get("/no-such-page/")  # a path no URL name stands for
    assert stranger.status_code == 404
    assert "no-store" not in stranger.headers.get("Cache-Control", "")
    client.force_login(member.user)
    static = client.get("/static/cascade/cascade.css")  # a file, not a view
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")


# --------------------------------------------------------------------------- HTTPS


def settings_in_a_fresh_process(tmp_path, **env: str) -> list[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "SECURE_COOKIES", "CASCADE_TRUSTED_PROXIES")
        and not k.startswith(("SECURE_HSTS", "SECURE_SSL", "CASCADE_SESSION"))
    }
    code = (
        "import cascade.settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, getattr(s, 'SECURE_PROXY_SSL_HEADER', None), "
        "s.SESSION_COOKIE_AGE, sep='|')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "CASCADE_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().split("|")


def test_https_is_enforced_only_with_secure_cookies(tmp_path):
    assert settings_in_a_fresh_process(tmp_path) == ["False", "0", "False", "None", "28800"]
    assert settings_in_a_fresh_process(tmp_path, SECURE_COOKIES="true") == [
        "True",
        "31536000",
        "False",
        "None",
        "28800",
    ]
    assert settings_in_a_fresh_process(
        tmp_path,
        SECURE_COOKIES="true",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        CASCADE_TRUSTED_PROXIES="1",
        CASCADE_SESSION_IDLE_MINUTES="30",
    ) == ["True", "31536000", "True", "('HTTP_X_FORWARDED_PROTO', 'https')", "1800"]


def test_with_https_on_plain_http_is_redirected_and_https_gets_hsts(client, world, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    plain = client.get(reverse("login"))
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://")
    secure = client.get(reverse("login"), secure=True)
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    # X-Forwarded-Proto is not believed unless a trusted proxy is configured.
    forged = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert forged.status_code == 301


# --------------------------------------------------------------------------- idle sessions


class Clock:
    """Moves Django's ``timezone.now`` (sessions read it) by hand."""

    def __init__(self, monkeypatch):
        self.moment = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.moment)

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


def still_signed_in(client, world) -> bool:
    response = client.get(url(world))
    if response.status_code == 302:
        assert reverse("login") in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def test_a_session_ends_after_eight_idle_hours(client, world, member, monkeypatch):
    clock = Clock(monkeypatch)
    assert client.login(username=member.user.email, password=PASSWORD)
    assert still_signed_in(client, world)
    clock.advance(hours=7, minutes=59)
    assert still_signed_in(client, world)  # and this request moves the expiry on
    clock.advance(hours=7, minutes=59)
    assert still_signed_in(client, world)  # 16 hours after signing in, never idle for 8
    clock.advance(hours=8, minutes=1)
    assert not still_signed_in(client, world)


def test_the_idle_timeout_comes_from_the_setting(client, world, member, monkeypatch, settings):
    settings.SESSION_COOKIE_AGE = 30 * 60
    clock = Clock(monkeypatch)
    assert client.login(username=member.user.email, password=PASSWORD)
    clock.advance(minutes=29)
    assert still_signed_in(client, world)
    clock.advance(minutes=29)
    assert still_signed_in(client, world)  # 58 minutes after signing in
    clock.advance(minutes=31)
    assert not still_signed_in(client, world)


# --------------------------------------------------------------------------- one-line 403s


@pytest.fixture
def log_output():
    """What the configured console handler writes (the one with Cascade's filter)."""
    handlers = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, NoClientErrorTraceback) for f in h.filters)
    ]
    assert len(handlers) == 1, "LOGGING's console handler has the filter"
    handler = handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def test_a_403_is_logged_as_one_line_without_traceback(client, world, member, log_output, caplog):
    client.force_login(member.user)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(url(world, "org-settings"))
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    assert records[0].getMessage() == (
        f"Forbidden (Permission denied): {url(world, 'org-settings')}"
    )
    written = log_output.getvalue()
    assert written.count("\n") == 1, written
    assert "Traceback" not in written
    assert "WARNING django.request: Forbidden (Permission denied)" in written


def test_server_errors_keep_their_traceback():
    def record(status: int) -> logging.LogRecord:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            return logging.LogRecord(
                "django.request", logging.ERROR, __file__, 1, "x", None, sys.exc_info()
            )

    failed, refused = record(500), record(403)
    failed.status_code, refused.status_code = 500, 403
    keep = NoClientErrorTraceback()
    assert keep.filter(failed)
    assert failed.exc_info is not None
    assert keep.filter(refused)
    assert refused.exc_info is None
