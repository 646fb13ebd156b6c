"""A write the database ends with a deadlock or a serialization failure is run again, then 503.

PostgreSQL only: the failures are real ones, raised by PostgreSQL itself (``RAISE … USING
ERRCODE``) in place of the check-in's INSERT, for as many attempts as a test asks. The tests
run outside a test transaction (``transaction=True``), as a request does in production, so
that the service's transaction is the outermost one and may be retried.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from cascade.api.services import issue_token
from cascade.core.transactions import ATTEMPTS
from cascade.goals import services
from cascade.goals.models import CheckIn, KeyResult
from tests.api.conftest import Api
from tests.builders import make_world, metric, progress

pytestmark = [
    pytest.mark.postgres_only,  # PostgreSQL's own error codes
    pytest.mark.django_db(transaction=True),
]

SERIALIZATION_FAILURE = "40001"
DEADLOCK = "40P01"
LOCK_NOT_AVAILABLE = "55P03"  # an OperationalError too, but not one that trying again cures


@contextmanager
def failing_check_ins(times: int, sqlstate: str = SERIALIZATION_FAILURE) -> Iterator[list[str]]:
    """The next ``times`` check-in INSERTs fail in PostgreSQL with ``sqlstate``.

    Yields the list of attempts seen (one entry per INSERT tried, failed or not).
    """
    attempts: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith('INSERT INTO "goals_checkin"'):
            attempts.append(sql)
            if len(attempts) <= times:
                forced = (
                    "DO $$ BEGIN RAISE EXCEPTION 'forced by the test' "
                    f"USING ERRCODE = '{sqlstate}'; END $$"
                )
                return execute(forced, None, False, context)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield attempts


@pytest.fixture
def scene():
    world = make_world()
    top = world.goal("Top", krs=[metric(0, 100)])
    leaf = world.goal("Leaf", krs=[metric(0, 100)], under={top: 1})
    return world, top, leaf, world.kr(leaf)


@pytest.mark.parametrize("sqlstate", [SERIALIZATION_FAILURE, DEADLOCK])
def test_a_check_in_that_fails_then_succeeds_is_saved_once(scene, sqlstate):
    world, top, leaf, kr = scene
    api = Api(issue_token(member=world.ceo, name="t").plain)
    with failing_check_ins(ATTEMPTS - 1, sqlstate) as attempts:
        answer = api.post(f"/key-results/{kr.pk}/check-ins", {"value": 50})
    assert answer.status == 201
    assert len(attempts) == ATTEMPTS
    assert CheckIn.objects.filter(key_result=kr).count() == 1
    assert progress(leaf) == 0.5
    assert progress(top) == 0.25  # its own KR at 0, the leaf at 0.5
    out = StringIO()
    call_command("verify_progress", stdout=out)
    assert "no difference" in out.getvalue()


def test_the_api_answers_503_in_json_after_the_last_attempt(scene):
    world, _top, leaf, kr = scene
    api = Api(issue_token(member=world.ceo, name="t").plain)
    with failing_check_ins(ATTEMPTS) as attempts:
        answer = api.post(f"/key-results/{kr.pk}/check-ins", {"value": 50})
    assert answer.status == 503
    assert answer.error["code"] == "busy"
    assert "try again" in answer.error["message"]
    assert answer.headers["Retry-After"] == "1"
    assert len(attempts) == ATTEMPTS
    assert not CheckIn.objects.filter(key_result=kr).exists()
    assert KeyResult.objects.get(pk=kr.pk).current is None
    assert progress(leaf) == 0


def test_a_page_answers_a_plain_503_page_after_the_last_attempt(scene):
    world, _top, _leaf, kr = scene
    client = Client()
    client.force_login(world.ceo.user)
    path = f"/o/{world.organisation.slug}/key-results/{kr.pk}/check-in/"
    with failing_check_ins(ATTEMPTS) as attempts:
        response = client.post(path, {f"kr{kr.pk}-value": "50"})
    assert response.status_code == 503
    assert "Busy, try again" in response.text
    assert "Nothing you entered was saved" in response.text
    assert len(attempts) == ATTEMPTS
    assert not CheckIn.objects.filter(key_result=kr).exists()


def test_other_database_errors_are_not_retried(scene):
    world, _top, _leaf, kr = scene
    api = Api(issue_token(member=world.ceo, name="t").plain)
    with failing_check_ins(1, LOCK_NOT_AVAILABLE) as attempts:
        answer = api.post(f"/key-results/{kr.pk}/check-ins", {"value": 50})
    assert answer.status == 500
    assert len(attempts) == 1


def test_a_link_made_while_a_check_in_waits_is_locked_in_the_global_order():
    """The check-in walks up, then — before it locks — a link to a goal with a lower id commits.

    Its second walk finds that goal. Locking it on top of the higher ids already held would break
    the one global order (the deadlock of issue 10); the locks must be taken again from the
    lowest id instead.
    """
    world = make_world()
    senior = world.goal("Senior", krs=[metric(0, 100)])  # first: the lowest id
    top = world.goal("Top", krs=[metric(0, 100)])
    leaf = world.goal("Leaf", krs=[metric(0, 100)], under={top: 1})
    kr = world.kr(leaf)

    locks: list[list[int]] = []  # the ids of each goal-locking query, in order; [] = start over

    def align_from_another_connection() -> None:
        try:
            services.align_goal(actor=world.ceo, junior=leaf, senior=senior)
        finally:
            connection.close()

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith("ROLLBACK TO SAVEPOINT"):
            locks.append([])
        elif 'FROM "goals_goal"' in sql and sql.endswith("FOR UPDATE"):
            if not locks:
                other = threading.Thread(target=align_from_another_connection)
                other.start()
                other.join()
            locks.append(sorted(params[1:]))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        services.check_in(actor=world.ceo, key_result=kr, value=50)

    held = locks[len(locks) - locks[::-1].index([]) :] if [] in locks else locks
    order = [goal_id for query in held for goal_id in query]
    assert order == sorted(order), locks
    assert senior.pk in order
    assert progress(senior) == pytest.approx(0.25)  # its KR at 0, the leaf's 0.5 flowed up
    out = StringIO()
    call_command("verify_progress", stdout=out)
    assert "no difference" in out.getvalue()
