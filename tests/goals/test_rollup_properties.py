"""Property: after any sequence of writes, the incremental caches equal a full recomputation.

Hypothesis draws a random contribution DAG and a random sequence of check-ins, weight
changes, new links, removed links, archives and restores. After every step the stored progress
of every goal and the stored value of every KR must equal what ``verify_progress`` computes
from the source records. Refused steps (a link that would close a cycle, removing the last
contributor of an active goal) must leave everything unchanged — they are part of the property.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cascade.goals import services
from cascade.goals.models import Contribution, Goal, KeyResult
from cascade.goals.verification import recompute_organisation
from tests.builders import make_world, metric, milestone, threshold, total

GOALS = 7

kr_specs = st.sampled_from(
    [
        metric(0, 100),
        metric(100, 0),
        metric(10, 20, weight=2),
        milestone(),
        threshold(50, "below", start=80),
    ]
)
step = st.one_of(
    st.tuples(st.just("check_in"), st.integers(0, 50), st.integers(-50, 150)),
    st.tuples(
        st.just("align"), st.integers(0, GOALS - 1), st.integers(0, GOALS - 1), st.integers(0, 3)
    ),
    st.tuples(st.just("weight"), st.integers(0, 50), st.integers(0, 4)),
    st.tuples(st.just("unlink"), st.integers(0, 50)),
    st.tuples(st.just("archive"), st.integers(0, GOALS - 1)),
    st.tuples(st.just("restore"), st.integers(0, GOALS - 1)),
    st.tuples(st.just("add_kr"), st.integers(0, GOALS - 1), kr_specs),
)
# Initial links only go from a higher index to a lower one, so the drawn graph is acyclic;
# later "align" steps may try anything, and the service must refuse cycles.
initial_links = st.lists(
    st.tuples(st.integers(1, GOALS - 1), st.integers(0, GOALS - 2), st.integers(0, 3)), max_size=12
)


class Rollback(Exception):
    pass


def pick(rows, index):
    rows = list(rows)
    return rows[index % len(rows)] if rows else None


def apply(world, step_args) -> None:
    name, *args = step_args
    ceo = world.ceo
    org = world.organisation.pk
    try:
        if name == "check_in":
            kr = pick(
                KeyResult.objects.filter(organisation_id=org).exclude(kind="sum").order_by("pk"),
                args[0],
            )
            if kr is not None:
                value = Decimal(args[1] % 2) if kr.kind == "milestone" else Decimal(args[1])
                services.check_in(actor=ceo, key_result=kr, value=value)
        elif name == "align":
            goals = list(Goal.objects.filter(organisation_id=org).order_by("pk"))
            junior, senior = goals[args[0]], goals[args[1]]
            if junior.pk != senior.pk:
                services.align_goal(actor=ceo, junior=junior, senior=senior, weight=args[2])
        elif name == "weight":
            link = pick(Contribution.objects.filter(organisation_id=org).order_by("pk"), args[0])
            if link is not None:
                services.change_contribution_weight(actor=ceo, contribution=link, weight=args[1])
        elif name == "unlink":
            link = pick(Contribution.objects.filter(organisation_id=org).order_by("pk"), args[0])
            if link is not None:
                services.remove_contribution(actor=ceo, contribution=link)
        elif name == "archive":
            goal = Goal.objects.filter(organisation_id=org).order_by("pk")[args[0]]
            if goal.state != "archived":
                services.archive_goal(actor=ceo, goal=goal)
        elif name == "restore":
            goal = Goal.objects.filter(organisation_id=org).order_by("pk")[args[0]]
            if goal.state == "archived":
                services.restore_goal(actor=ceo, goal=goal)
        elif name == "add_kr":
            goal = Goal.objects.filter(organisation_id=org).order_by("pk")[args[0]]
            if goal.state not in ("archived", "closed"):
                services.add_key_result(actor=ceo, goal=goal, **{**args[1], "title": "Added"})
    except ValidationError:
        pass  # refused steps (cycles, last contributor, …) must change nothing: checked below


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    krs=st.lists(kr_specs, min_size=GOALS, max_size=GOALS),
    links=initial_links,
    steps=st.lists(step, min_size=1, max_size=25),
    with_sum=st.booleans(),
)
def test_incremental_rollup_equals_full_recomputation(db, krs, links, steps, with_sum):
    try:
        with transaction.atomic():
            world = make_world()
            goals = [world.goal(f"G{i}", krs=[spec]) for i, spec in enumerate(krs)]
            for junior, senior, weight in links:
                if (
                    junior > senior
                    and not Contribution.objects.filter(
                        junior=goals[junior], senior=goals[senior]
                    ).exists()
                ):
                    services.align_goal(
                        actor=world.ceo, junior=goals[junior], senior=goals[senior], weight=weight
                    )
            if with_sum:
                top = world.goal("Sum", krs=[total(0, 100)])
                for goal in goals[:3]:
                    child = world.kr(goal)
                    if child.kind == "metric":
                        services.update_key_result(
                            actor=world.ceo, key_result=child, rollup_into=world.kr(top)
                        )
            assert recompute_organisation(world.organisation.pk)[0] == []
            for index, args in enumerate(steps):
                apply(world, args)
                differences = recompute_organisation(world.organisation.pk)[0]
                assert differences == [], f"after step {index} {args}: {differences}"
            raise Rollback
    except Rollback:
        pass
