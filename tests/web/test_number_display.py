"""Numbers on the pages read one way (core.formatting): units, thousands groups, no trailing zeros,
ratios as percentages, plain weights; and the inputs take back what the pages show."""

import re
from decimal import Decimal

import pytest

from cascade.goals import services as goals
from cascade.goals.models import Goal, KeyResult
from tests.builders import metric, threshold
from tests.web.helpers import post_check_in, url


def visible(html: str) -> str:
    """The page's text, tags dropped and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def revenue(world):
    goal = world.goal(
        "Revenue",
        krs=[
            metric(0, 20_000_000, unit="€", title="Bookings", weight="0.5"),
            metric(0, 40, unit="h", title="Training"),
            {**threshold("99.5"), "unit": "%", "title": "Uptime"},
        ],
    )
    world.check_in(goal, "11580000")
    world.check_in(goal, "17.5", index=1)
    return goal


def test_the_goal_page_shows_values_with_units_groups_and_plain_weights(signed_in, world, revenue):
    html = signed_in.get(url(world, "goal-detail", revenue.pk)).text
    assert '<td data-label="Weight" class="num">0.5</td>' in html
    page = visible(html)
    assert "0 → 20,000,000 €" in page
    assert "11,580,000 €" in page
    assert "17.5 h" in page
    assert "11580000" not in page
    assert "0.500" not in page


def test_the_audit_trail_shows_check_ins_and_changes_formatted(signed_in, world, revenue):
    kr = KeyResult.objects.get(goal=revenue, title="Training")
    goals.update_key_result(actor=world.ceo, key_result=kr, target="45.5")
    page = visible(signed_in.get(url(world, "goal-detail", revenue.pk)).text)
    assert "checked in 11,580,000 €" in page
    assert "checked in 17.5 h" in page
    assert "target 40 → 45.5" in page
    assert "0.000000" not in page
    assert "40.000000" not in page


def test_the_check_in_page_shows_values_with_their_units(signed_in, world, revenue):
    page = visible(signed_in.get(url(world, "check-in")).text)
    assert "0 → 20,000,000 €" in page
    assert "11,580,000 €" in page
    assert "17.5 h" in page
    assert "17.500000" not in page
    assert "stay above 99.5 %" in page  # the unit keeps its space


def test_a_check_in_takes_the_value_as_the_page_shows_it(signed_in, world, revenue):
    kr = KeyResult.objects.get(goal=revenue, title="Bookings")
    ok = post_check_in(signed_in, world, kr, value="€ 12,000,000")
    assert ok.status_code == 302
    kr.refresh_from_db()
    assert kr.current == Decimal(12_000_000)
    refused = post_check_in(signed_in, world, kr, value="$ 1,200", htmx=True)
    assert "Enter a number in €; “$” is not this unit." in refused.text
    comma = post_check_in(signed_in, world, kr, value="1,5", htmx=True)
    assert "Use a point for decimals: 1.5" in comma.text
    kr.refresh_from_db()
    assert kr.current == Decimal(12_000_000)


def test_a_score_reads_and_is_typed_as_a_percentage(signed_in, world, revenue):
    close = signed_in.get(url(world, "goal-close", revenue.pk)).text
    progress = Goal.objects.get(pk=revenue.pk).progress
    assert f"{round(progress * 100, 1):g} %" in visible(close)
    assert (
        signed_in.post(
            url(world, "goal-close", revenue.pk), {"score": "70 %", "outcome": "partial"}
        ).status_code
        == 302
    )
    assert Goal.objects.get(pk=revenue.pk).score == Decimal("0.70")
    page = visible(signed_in.get(url(world, "goal-detail", revenue.pk)).text)
    assert "score 70 %" in page
    assert "closed the goal with score 70 %" in page
