"""A check-in costs the same number of queries in a small and in a large organisation."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cascade.goals import services
from cascade.goals.models import Contribution, Goal, KeyResult
from tests.builders import make_world, metric


def chain(world, depth: int):
    """A line of goals, the leaf at the bottom, each aligned under the one before."""
    top = world.goal("Level 0", krs=[metric(0, 100)])
    goals = [top]
    for level in range(1, depth + 1):
        goals.append(world.goal(f"Level {level}", krs=[metric(0, 100)], under={goals[-1]: 1}))
    return goals


def add_filler(world, count: int) -> None:
    """Unrelated goals with KRs and links among themselves, written in bulk (they only need to exist)."""
    org = world.organisation.pk
    fillers = Goal.objects.bulk_create(
        Goal(
            organisation_id=org,
            title=f"Filler {i}",
            owner=world.ceo,
            period=world.period,
            state="active",
        )
        for i in range(count)
    )
    KeyResult.objects.bulk_create(
        KeyResult(organisation_id=org, goal=g, title="Filler KR", target=Decimal(10))
        for g in fillers
    )
    Contribution.objects.bulk_create(
        Contribution(organisation_id=org, junior=fillers[i], senior=fillers[i // 2])
        for i in range(1, count)
    )


def queries_for_check_in(world, leaf) -> int:
    kr = KeyResult.objects.get(goal=leaf)
    with CaptureQueriesContext(connection) as captured:
        services.check_in(
            actor=world.ceo, key_result=kr, value=Decimal(50), confidence=7, note="weekly"
        )
    return len(captured.captured_queries)


def test_check_in_queries_do_not_grow_with_the_organisation(db):
    small = make_world()
    small_leaf = chain(small, depth=3)[-1]
    add_filler(small, 6)  # 4 + 6 = 10 goals

    large = make_world()
    large_leaf = chain(large, depth=3)[-1]
    add_filler(large, 1996)  # 2,000 goals

    small_count = queries_for_check_in(small, small_leaf)
    large_count = queries_for_check_in(large, large_leaf)
    assert small_count == large_count
    # And the number itself stays small: locks (in a savepoint, to start over in order), the
    # check-in, the recomputation, the audit row.
    assert large_count <= 19, large_count


def test_check_in_queries_do_not_grow_with_depth(db):
    shallow = make_world()
    deep = make_world()
    assert queries_for_check_in(shallow, chain(shallow, depth=1)[-1]) == queries_for_check_in(
        deep, chain(deep, depth=6)[-1]
    )
