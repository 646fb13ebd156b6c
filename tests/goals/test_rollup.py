"""The incremental rollup: a change updates its goal and every goal above it, and only those."""

from decimal import Decimal

import pytest

from cascade.goals import services
from cascade.goals.models import Contribution, GoalProgress, KeyResult
from cascade.goals.verification import recompute_organisation
from tests.builders import approx, metric, milestone, progress, threshold, total


@pytest.fixture
def cascade_tree(world):
    """CEO → two VPs → one department head under the first VP.

    Company growth (ceo)           KR revenue 0→100
    ├─ Sales (vp1) ×2              KR deals 0→10
    │   └─ EMEA sales (head) ×1    KR EMEA deals 0→4
    └─ Product (vp2) ×1            milestone launch
    """
    vp1 = world.person("Vera VP", manager=world.ceo)
    vp2 = world.person("Victor VP", manager=world.ceo)
    head = world.person("Hana Head", manager=vp1)
    company = world.goal("Company growth", krs=[metric(0, 100)])
    sales = world.goal("Sales", owner=vp1, krs=[metric(0, 10)], under={company: 2})
    emea = world.goal("EMEA sales", owner=head, krs=[metric(0, 4)], under={sales: 1})
    product = world.goal("Product", owner=vp2, krs=[milestone()], under={company: 1})
    return world, company, sales, emea, product


def test_a_leaf_check_in_rolls_up_every_level(cascade_tree):
    world, company, sales, emea, product = cascade_tree
    world.check_in(emea, 2)  # EMEA: 2/4 = 0.5
    assert progress(emea) == approx(0.5)
    # Sales: its KR (0) and EMEA (0.5), weights 1 and 1 → 0.25
    assert progress(sales) == approx(0.25)
    # Company: revenue KR 0 (w1), Sales 0.25 (w2), Product 0 (w1) → 0.5 / 4 = 0.125
    assert progress(company) == approx(0.125)

    world.check_in(product, 1)  # launched
    # Company: (0·1 + 0.25·2 + 1·1) / 4 = 0.375
    assert progress(company) == approx(0.375)
    assert progress(sales) == approx(0.25)


def test_a_goal_contributing_to_two_seniors_moves_both(world):
    a = world.goal("Senior A", krs=[metric(0, 10)])
    b = world.goal("Senior B", krs=[metric(0, 10)])
    shared = world.goal("Shared", krs=[metric(0, 100)], under={a: 1, b: 3})
    world.check_in(shared, 80)
    assert progress(a) == approx((0 + 0.8) / 2)  # weights 1 and 1
    assert progress(b) == approx((0 + 0.8 * 3) / 4)  # weights 1 and 3


def test_each_progress_change_appends_a_history_row_with_its_explanation(cascade_tree):
    world, company, sales, emea, product = cascade_tree
    before = {
        g: GoalProgress.objects.filter(goal=g).count() for g in (company, sales, emea, product)
    }
    world.check_in(emea, 1)
    after = {
        g: GoalProgress.objects.filter(goal=g).count() for g in (company, sales, emea, product)
    }
    assert after[emea] == before[emea] + 1
    assert after[sales] == before[sales] + 1
    assert after[company] == before[company] + 1
    assert after[product] == before[product]  # not above the change: untouched

    row = GoalProgress.objects.filter(goal=sales).latest("at", "id")
    assert row.cause == "key_result.checked_in"
    assert row.progress == approx(0.125)  # (0 + 0.25) / 2
    shares = {(c["kind"], c["id"]): c for c in row.explanation["contributors"]}
    assert shares[("goal", emea.pk)]["progress"] == approx(0.25)
    assert shares[("goal", emea.pk)]["share"] == approx(0.125)
    assert sum(c["share"] for c in row.explanation["contributors"]) == approx(row.progress)


def test_a_check_in_that_changes_no_explanation_adds_no_history(world):
    senior = world.goal("Senior", krs=[metric(0, 10)])
    junior = world.goal("Junior", krs=[threshold(50, "above", start=60)], under={senior: 1})
    rows = {g: GoalProgress.objects.filter(goal=g).count() for g in (senior, junior)}
    world.check_in(junior, 70)  # still above the line: progress stays 1, nothing to explain anew
    assert progress(junior) == 1.0
    assert {g: GoalProgress.objects.filter(goal=g).count() for g in (senior, junior)} == rows
    world.check_in(junior, 40)  # below the line: both explanations change
    assert GoalProgress.objects.filter(goal=junior).count() == rows[junior] + 1
    assert GoalProgress.objects.filter(goal=senior).count() == rows[senior] + 1


def test_archiving_a_junior_records_the_seniors_new_explanation_even_at_equal_progress(world):
    senior = world.goal("Senior", krs=[metric(0, 10)])
    junior = world.goal("Junior", krs=[metric(0, 10)], under={senior: 1})
    rows = GoalProgress.objects.filter(goal=senior).count()
    services.archive_goal(actor=world.ceo, goal=junior)  # 0 and 0: progress stays 0
    assert progress(senior) == 0.0
    latest = GoalProgress.objects.filter(goal=senior).latest("at", "id")
    assert GoalProgress.objects.filter(goal=senior).count() == rows + 1
    left_out = {
        c["id"]: c["left_out"] for c in latest.explanation["contributors"] if c["kind"] == "goal"
    }
    assert left_out == {junior.pk: "archived goal"}


def test_sum_of_children_kr_adds_up_the_regions(world):
    company = world.goal("Company sales", krs=[total(0, 1000, unit="EUR")])
    company_kr = world.kr(company)
    north = world.goal("North", krs=[metric(0, 400, unit="EUR")])
    south = world.goal("South", krs=[metric(0, 600, unit="EUR")])
    for region in (north, south):
        services.update_key_result(
            actor=world.ceo, key_result=world.kr(region), rollup_into=company_kr
        )
    world.check_in(north, 300)
    world.check_in(south, 450)
    company_kr.refresh_from_db()
    assert company_kr.current == Decimal(750)
    assert progress(company) == approx(0.75)

    services.archive_goal(actor=world.ceo, goal=south)  # archived children leave the sum
    company_kr.refresh_from_db()
    assert company_kr.current == Decimal(300)
    assert progress(company) == approx(0.3)


def test_archive_and_restore_a_junior(cascade_tree):
    world, company, _sales, _emea, product = cascade_tree
    world.check_in(product, 1)
    assert progress(company) == approx(0.25)  # (0 + 0·2 + 1) / 4
    services.archive_goal(actor=world.ceo, goal=product)
    assert progress(company) == approx(0.0)  # (0 + 0·2) / 3
    services.restore_goal(actor=world.ceo, goal=product)
    assert progress(company) == approx(0.25)


def test_a_draft_junior_counts_only_once_active(world):
    senior = world.goal("Senior", krs=[metric(0, 10)])
    junior = world.goal("Junior", krs=[metric(0, 10)], activate=False)
    services.align_goal(actor=world.ceo, junior=junior, senior=senior)
    world.check_in(junior, 10)
    assert progress(senior) == approx(0.0)  # the draft is left out
    services.activate_goal(actor=world.ceo, goal=junior)
    assert progress(senior) == approx(0.5)


def test_a_closed_goal_keeps_the_progress_it_closed_with(world):
    senior = world.goal("Senior", krs=[metric(0, 10)])
    junior = world.goal("Junior", krs=[metric(0, 10)], under={senior: 1})
    world.check_in(junior, 4)
    assert progress(senior) == approx(0.2)
    services.close_goal(actor=world.ceo, goal=senior, score="0.3", outcome="missed")
    world.check_in(junior, 10)
    assert progress(junior) == approx(1.0)
    assert progress(senior) == approx(0.2)  # frozen


def test_weight_changes_and_unlinking_recompute_the_senior(world):
    senior = world.goal("Senior", krs=[metric(0, 10)])
    junior = world.goal("Junior", krs=[metric(0, 10)], under={senior: 1})
    world.check_in(junior, 10)
    assert progress(senior) == approx(0.5)
    link = Contribution.objects.get(junior=junior, senior=senior)
    services.change_contribution_weight(actor=world.ceo, contribution=link, weight=3)
    assert progress(senior) == approx(0.75)  # (0·1 + 1·3) / 4
    services.change_contribution_weight(actor=world.ceo, contribution=link, weight=0)
    assert progress(senior) == approx(0.0)  # weight 0 is left out
    services.remove_contribution(actor=world.ceo, contribution=link)
    assert progress(senior) == approx(0.0)


def test_kr_edits_recompute_the_goal(world):
    goal = world.goal("Goal", krs=[metric(0, 10), metric(0, 10)])
    world.check_in(goal, 5)
    assert progress(goal) == approx(0.25)
    services.update_key_result(actor=world.ceo, key_result=world.kr(goal, 1), weight=0)
    assert progress(goal) == approx(0.5)
    services.update_key_result(actor=world.ceo, key_result=world.kr(goal, 0), target=20)
    assert progress(goal) == approx(0.25)
    services.remove_key_result(actor=world.ceo, key_result=world.kr(goal, 1))
    assert progress(goal) == approx(0.25)


def test_a_goal_with_nothing_counting_has_no_progress(world):
    senior = world.goal("Senior", krs=[metric(0, 10, weight=0)])
    assert progress(senior) is None


def test_incremental_and_full_recomputation_agree_after_a_busy_week(cascade_tree):
    world, company, sales, emea, product = cascade_tree
    for value in (1, 3, 2, 4):
        world.check_in(emea, value)
    world.check_in(sales, 7)
    world.check_in(product, 1)
    world.check_in(company, 42)
    differences, _, _ = recompute_organisation(world.organisation.pk)
    assert differences == []
    assert KeyResult.objects.get(goal=emea).current == Decimal(4)
