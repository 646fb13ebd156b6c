"""Check-ins, weight changes and links made and unmade at once on shared senior goals, over HTTP.

PostgreSQL only: it is the database whose row locks can deadlock (SQLite queues writers on one
database lock). Each thread is one API client with its own database connection. Links come and
go between the middle goals and the top goals while people check in below them, so a writer's
second walk up the graph keeps finding goals it had not seen: exactly what used to break the
global lock order and end in ``DeadlockDetected`` answered with a 500.

Afterwards no answer may be a 5xx, and the stored progress must equal a full recomputation.
"""

from __future__ import annotations

import random
import threading
from io import StringIO

import pytest
from django.core.management import call_command

from cascade.api.services import issue_token
from cascade.goals.models import Contribution
from tests.api.conftest import Api
from tests.builders import make_world, metric
from tests.concurrency import in_threads

THREADS = 6
REQUESTS_EACH = 30

pytestmark = pytest.mark.postgres_only  # row-lock deadlocks are PostgreSQL's


@pytest.mark.django_db(transaction=True)
def test_concurrent_check_ins_weights_and_links_answer_and_add_up():
    world = make_world()
    # The seniors that links come and go under are made first: they have the lowest ids, so a
    # writer that finds one on its second walk holds higher ids already.
    seniors = [world.goal(f"Senior {i}", krs=[metric(0, 100)]) for i in range(3)]
    tops = [world.goal(f"Top {i}", krs=[metric(0, 100)]) for i in range(2)]
    mids = [
        world.goal(f"Mid {i}", krs=[metric(0, 100)], under={tops[i % 2]: 1, tops[(i + 1) % 2]: 2})
        for i in range(4)
    ]
    leaves = [
        world.goal(f"Leaf {i}", krs=[metric(0, 100)], under={mids[i % 4]: 1, mids[(i + 1) % 4]: 1})
        for i in range(8)
    ]
    key_results = [world.kr(goal) for goal in mids + leaves]
    fixed_links = list(
        Contribution.objects.filter(junior__in=mids + leaves).values_list("pk", flat=True)
    )
    movable = [(mid, senior) for mid in mids for senior in seniors]
    made: dict[tuple[int, int], int] = {}  # (junior, senior) → contribution id, as last answered
    made_lock = threading.Lock()
    token = issue_token(member=world.ceo, name="concurrency").plain

    statuses: list[int] = []
    failures: list[str] = []

    def toggle(api: Api, rng: random.Random):
        junior, senior = rng.choice(movable)
        with made_lock:
            link = made.get((junior.pk, senior.pk))
        if link is None:
            answer = api.post(
                f"/goals/{junior.pk}/contributions",
                {"senior_goal": senior.pk, "weight": rng.randint(1, 3)},
            )
            if answer.status == 201:
                with made_lock:
                    made[(junior.pk, senior.pk)] = answer.body["id"]
        else:
            answer = api.delete(f"/contributions/{link}")
            if answer.status in (204, 404):
                with made_lock:
                    made.pop((junior.pk, senior.pk), None)
        return answer

    def person(seed: int) -> None:
        rng = random.Random(seed)
        api = Api(token)
        for _ in range(REQUESTS_EACH):
            roll = rng.random()
            if roll < 0.5:
                kr = rng.choice(key_results)
                answer = api.post(f"/key-results/{kr.pk}/check-ins", {"value": rng.randint(0, 100)})
            elif roll < 0.7:
                link = rng.choice(fixed_links)
                answer = api.patch(f"/contributions/{link}", {"weight": rng.randint(1, 5)})
            else:
                answer = toggle(api, rng)
            statuses.append(answer.status)
            if answer.status >= 500 or answer.status not in (200, 201, 204, 404, 409):
                failures.append(f"{answer.status}: {answer.body}")

    errors = in_threads(THREADS, person)
    assert errors == []
    assert len(statuses) == THREADS * REQUESTS_EACH
    assert failures == []
    assert statuses.count(201) > THREADS  # the mix did write: check-ins and links went through
    out = StringIO()
    call_command("verify_progress", stdout=out)  # raises CommandError on any difference
    assert "no difference" in out.getvalue()
