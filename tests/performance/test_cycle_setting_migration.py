"""The migration that gives each review cycle its own goals setting copies the organisation's."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("performance", "0002_reopened_and_goal_of_rating")]
AFTER = [("performance", "0003_cycle_keeps_goals_setting")]


@pytest.mark.django_db(transaction=True)
def test_existing_cycles_keep_what_their_organisation_says_today():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    cycles = {}
    for slug, on in (("with-goals", True), ("without-goals", False)):
        org = old.get_model("orgs", "Organisation").objects.create(
            name=slug, slug=slug, include_goals_in_reviews=on
        )
        period = old.get_model("orgs", "Period").objects.create(
            organisation=org, name="Q4", start=date(2026, 10, 1), end=date(2026, 12, 31)
        )
        cycle = old.get_model("performance", "ReviewCycle").objects.create(
            organisation=org, name="H2", period=period
        )
        cycles[cycle.pk] = on

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    ReviewCycle = new.get_model("performance", "ReviewCycle")
    assert dict(ReviewCycle.objects.values_list("pk", "include_goals")) == cycles
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
