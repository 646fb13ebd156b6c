"""The demo's performance management: goal sheets, and a review cycle in the manager phase.

Everyone with goals this quarter has a weighted goal sheet (their goals, a key result or two,
and an own measure for some). The organisation includes goals in reviews, and the quarter's
review cycle is in the manager assessment phase: self assessments are in, and Elena Rossi
(elena@acme.example) has her reports' assessments to write, with the goals column beside the
competencies.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from cascade.core import clock
from cascade.goals.models import Goal, KeyResult, State
from cascade.orgs.models import Member, Period
from cascade.performance import services
from cascade.performance.models import Assessment, AssessmentKind, Phase, ReviewCycle

COMPETENCIES = [
    ("Ownership", "Takes responsibility for outcomes, not just tasks."),
    ("Collaboration", "Makes the people around them better."),
    ("Craft", "Does excellent work and keeps learning."),
    ("Communication", "Is clear, timely and kind."),
]
SCALE = [
    (1, "Below expectations"),
    (2, "Partly meets"),
    (3, "Meets expectations"),
    (4, "Exceeds"),
    (5, "Outstanding"),
]
OWN_MEASURES = [
    ("Mentoring sessions given", 0, 8, "sessions"),
    ("Customer calls joined", 0, 12, "calls"),
    ("Internal talks given", 0, 3, "talks"),
]


def seed_performance(ceo: Member, members: dict[str, Member], quarter: Period) -> ReviewCycle:
    """Sheets for everyone with goals this quarter; the review cycle; assessments under way."""
    rng = random.Random(7)
    today = clock.today()
    start = clock.now() - timedelta(days=21)
    with clock.frozen_at(start):
        services.set_goals_in_reviews(actor=ceo, enabled=True)
        for person in members.values():
            _sheet(person, quarter, rng)
        cycle = services.create_review_cycle(
            actor=ceo,
            name=f"{quarter.name} reviews",
            period=quarter,
            competencies=COMPETENCIES,
            scale=SCALE,
            self_assessment_starts=today - timedelta(days=14),
            manager_assessment_starts=today - timedelta(days=3),
            calibration_starts=today + timedelta(days=7),
            shared_starts=today + timedelta(days=14),
            closes=today + timedelta(days=28),
        )
    with clock.frozen_at(clock.now() - timedelta(days=14)):
        cycle = services.advance_phase(actor=ceo, cycle=cycle)
    with clock.frozen_at(clock.now() - timedelta(days=6)):
        for assessment in Assessment.objects.filter(
            review__cycle=cycle, kind=AssessmentKind.SELF
        ).select_related("review__reviewee"):
            if rng.random() < 0.8:
                _rate(assessment, assessment.review.reviewee, rng, submit=True)
    with clock.frozen_at(clock.now() - timedelta(days=3)):
        cycle = services.advance_phase(actor=ceo, cycle=cycle)
    # One manager assessment already drafted, to show a review half way.
    hannah = Assessment.objects.filter(
        review__cycle=cycle, kind=AssessmentKind.MANAGER, review__reviewee=members.get("Hannah")
    ).first()
    if hannah is not None and hannah.review.manager is not None:
        with clock.frozen_at(clock.now() - timedelta(days=1)):
            _rate(hannah, hannah.review.manager, rng, submit=False)
    assert cycle.phase == Phase.MANAGER_ASSESSMENT
    return cycle


def _sheet(person: Member, period: Period, rng: random.Random) -> None:
    goals = list(
        Goal.objects.filter(owner=person, period=period, state=State.ACTIVE).order_by("pk")
    )
    if not goals:
        return
    sheet = services.sheet_for(owner=person, period=period)
    manager = person.manager or person
    for index, goal in enumerate(goals[:2]):
        services.add_sheet_item(
            actor=manager, sheet=sheet, kind="goal", goal=goal, weight=40 if index == 0 else 20
        )
    kr = KeyResult.objects.filter(goal__in=goals).exclude(kind="sum").order_by("pk").first()
    if kr is not None:
        services.add_sheet_item(
            actor=person, sheet=sheet, kind="key_result", key_result=kr, weight=20
        )
    title, begin, target, unit = rng.choice(OWN_MEASURES)
    item = services.add_sheet_item(
        actor=person,
        sheet=sheet,
        kind="measure",
        title=title,
        weight=20,
        start=begin,
        target=target,
        unit=unit,
    )
    services.update_sheet_item(
        actor=person, item=item, value=Decimal(rng.randint(1, target)), note="Counting so far."
    )


def _rate(assessment: Assessment, author: Member, rng: random.Random, *, submit: bool) -> None:
    ratings = {
        r.competency_id: (rng.choice([3, 3, 4, 4, 5, 2]), "")
        for r in assessment.competency_ratings.all()
    }
    goal_ratings = {r.pk: (rng.choice([3, 4, 4, 5]), "") for r in assessment.goal_ratings.all()}
    services.save_assessment(
        actor=author,
        assessment=assessment,
        competency_ratings=ratings,
        goal_ratings=goal_ratings,
        overall_comment="A solid quarter with clear progress on the goals that matter most.",
        submit=submit,
    )
