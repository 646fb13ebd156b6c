"""Many people checking in at once on KRs whose goals share senior goals.

Runs on both databases: on PostgreSQL the writers take row locks in one global order; on SQLite
they queue for the database's write lock. Either way no update may be lost: afterwards the
stored progress equals a full recomputation.
"""

import random
from io import StringIO

import pytest
from django.core.management import call_command

from cascade.goals import services
from cascade.goals.models import CheckIn, GoalProgress
from tests.builders import make_world, metric
from tests.concurrency import in_threads

THREADS = 8
CHECK_INS_EACH = 12


@pytest.mark.django_db(transaction=True)
def test_concurrent_check_ins_lose_nothing():
    world = make_world()
    top = world.goal("Top", krs=[metric(0, 100)])
    mids = [world.goal(f"Mid {i}", krs=[metric(0, 100)], under={top: i + 1}) for i in range(3)]
    leaves = []
    for i in range(9):
        # Every other leaf contributes to two middle goals: the paths up cross each other.
        seniors = {mids[i % 3]: 1, mids[(i + 1) % 3]: 2} if i % 2 else {mids[i % 3]: 1}
        leaves.append(world.goal(f"Leaf {i}", krs=[metric(0, 100)], under=seniors))
    key_results = [world.kr(leaf) for leaf in leaves]
    history_before = GoalProgress.objects.count()

    def person(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(CHECK_INS_EACH):
            services.check_in(
                actor=world.ceo, key_result=rng.choice(key_results), value=rng.randint(0, 100)
            )

    errors = in_threads(THREADS, person)
    assert errors == []
    assert CheckIn.objects.count() == THREADS * CHECK_INS_EACH
    assert GoalProgress.objects.count() > history_before
    out = StringIO()
    call_command("verify_progress", stdout=out)  # raises CommandError on any difference
    assert "no difference" in out.getvalue()
