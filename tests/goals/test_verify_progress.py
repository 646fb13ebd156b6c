"""``cascade verify_progress``: finds caches that disagree with the source records, and repairs them."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cascade.audit.models import AuditEvent, EventKind
from cascade.goals.models import Goal, GoalProgress, KeyResult
from tests.builders import approx, metric, progress


@pytest.fixture
def tree(world):
    senior = world.goal("Senior", krs=[metric(0, 10)])
    junior = world.goal("Junior", krs=[metric(0, 10)], under={senior: 1})
    world.check_in(junior, 6)
    return world, senior, junior


def run(*args: str) -> str:
    out = StringIO()
    call_command("verify_progress", *args, stdout=out)
    return out.getvalue()


def test_consistent_caches_report_no_difference(tree):
    assert "no difference" in run()


def test_a_corrupted_goal_is_reported_and_the_command_fails(tree):
    _world, senior, _junior = tree
    Goal.objects.filter(pk=senior.pk).update(progress=0.9)
    with pytest.raises(CommandError, match="1 difference"):
        run()
    assert progress(senior) == 0.9  # reporting changes nothing


def test_repair_fixes_goals_and_key_results_and_leaves_a_trace(tree):
    _world, senior, junior = tree
    Goal.objects.filter(pk=senior.pk).update(progress=0.9)
    KeyResult.objects.filter(goal=junior).update(current=Decimal(1))  # the latest check-in says 6
    history = GoalProgress.objects.filter(goal=senior).count()

    output = run("--repair")
    assert "repaired" in output
    assert KeyResult.objects.get(goal=junior).current == Decimal(6)
    assert progress(senior) == approx(0.3)  # (0 + 0.6) / 2
    assert GoalProgress.objects.filter(goal=senior).count() == history + 1
    assert GoalProgress.objects.filter(goal=senior).latest("at", "id").cause == "repair"
    assert AuditEvent.objects.filter(kind=EventKind.PROGRESS_REPAIRED).count() == 1
    assert "no difference" in run()
