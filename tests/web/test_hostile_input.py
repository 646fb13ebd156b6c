"""Numbers no one types by accident — ids past 64 bits, the last day of the calendar — answer with
a page or a 404, never a 500. SQLite refuses a Python int past 64 bits with OverflowError (in an
``IN`` list or a foreign-key filter), and ``date.max`` has no day after it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from cascade.orgs import services as orgs
from tests.builders import metric

HUGE = "9" * 25


def routes(patterns: list, prefix: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


@pytest.fixture
def signed_in(client, world):
    client.force_login(world.ceo.user)
    return client


def org_url(world, path: str) -> str:
    return f"/o/{world.organisation.slug}/{path}"


def test_every_url_with_an_id_answers_a_huge_id_with_404(signed_in, world):
    tried = 0
    for route in routes(get_resolver().url_patterns):
        if "<int:" not in route:
            continue
        path = "/" + route.replace("<slug:org>", world.organisation.slug)
        path = re.sub(r"<int:\w+>", HUGE, path)
        path = re.sub(r"<str:\w+>", "archive", path)
        for method in (signed_in.get, signed_in.post):
            # 405 where the URL takes only the other method: refused before any lookup.
            assert method(path).status_code in {404, 405}, path
            tried += 1
    assert tried >= 40  # the walk found the app's URLs


@pytest.mark.parametrize(
    "query",
    [
        f"goals/?period={HUGE}",
        f"goals/?team={HUGE}",
        f"goals/?owner={HUGE}",
        f"goals/new/?under={HUGE}",
        f"goals/search/?q=a&exclude={HUGE}",
        f"goals/copy/?source={HUGE}",
        f"tree/?goal={HUGE}",
    ],
)
def test_huge_ids_in_query_strings_are_ignored_or_not_found(signed_in, world, query):
    assert signed_in.get(org_url(world, query)).status_code in {200, 404}


def test_why_this_number_on_the_last_day_of_the_calendar_reads_as_today(signed_in, world):
    goal = world.goal("Grow", krs=[metric(0, 10)])
    world.check_in(goal, 4)
    for day in ("9999-12-31", "0001-01-01"):
        answer = signed_in.get(org_url(world, f"goals/{goal.pk}/why/?as_of={day}"))
        assert answer.status_code == 200
    future = signed_in.get(org_url(world, f"goals/{goal.pk}/why/?as_of=9999-12-31"))
    assert "40" in future.content.decode()  # today's 40 %, not "no progress yet"


def test_a_huge_goal_id_in_a_multiple_choice_is_a_form_error(signed_in, world):
    goal = world.goal("Grow", krs=[metric(0, 10)])
    next_quarter = orgs.create_period(
        actor=world.ceo, name="Q1 2027", start=date(2027, 1, 1), end=date(2027, 3, 31)
    )
    answer = signed_in.post(
        org_url(world, "goals/copy/"),
        {"source": world.period.pk, "target": next_quarter.pk, "goals": [goal.pk, HUGE]},
    )
    assert answer.status_code == 400  # the form again, with its error
    assert "is not a valid value" in answer.content.decode()
    assert not next_quarter.goals.exists()
