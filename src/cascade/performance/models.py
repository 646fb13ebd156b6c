"""Performance management: weighted goal sheets, review cycles, reviews and assessments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from cascade.core import clock
from cascade.goals.models import Goal, KeyResult, value_field
from cascade.orgs.models import Member, OrgScoped, Period


class GoalSheet(OrgScoped):
    """A person's weighted performance goals for a period. The weights' sum is the total target."""

    owner = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="goal_sheets")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="goal_sheets")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "period"], name="one_sheet_per_person_and_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner} · {self.period}"


class ItemKind(models.TextChoices):
    MEASURE = "measure", "Own measure"
    KEY_RESULT = "key_result", "Linked key result"
    GOAL = "goal", "Linked goal"


class SheetItem(OrgScoped):
    """One goal on a sheet: its own measure (start → target), or a live link to a KR or goal."""

    sheet = models.ForeignKey(GoalSheet, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=12, choices=ItemKind.choices)
    title = models.CharField(
        max_length=200, blank=True
    )  # for own measures; links show their target's
    weight = models.DecimalField(max_digits=9, decimal_places=3, validators=[MinValueValidator(0)])
    unit = models.CharField(max_length=20, blank=True)
    start = value_field(null=True, blank=True)
    target = value_field(null=True, blank=True)
    current = value_field(null=True, blank=True)
    key_result = models.ForeignKey(
        KeyResult, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["sheet_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=0), name="sheet_item_weight_not_negative"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="measure", key_result__isnull=True, goal__isnull=True)
                    | Q(kind="key_result", goal__isnull=True)
                    | Q(kind="goal", key_result__isnull=True)
                ),
                name="sheet_item_links_match_its_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"item {self.pk}"


class SheetItemUpdate(OrgScoped):
    """An append-only update of an own-measure item's value, with its note, like a check-in."""

    item = models.ForeignKey(SheetItem, on_delete=models.CASCADE, related_name="updates")
    value = value_field()
    note = models.TextField(blank=True)
    author = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["item_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.value}"


class SheetComment(OrgScoped):
    sheet = models.ForeignKey(GoalSheet, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["sheet_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


class Phase(models.TextChoices):
    PLANNING = "planning", "Planning"
    SELF_ASSESSMENT = "self_assessment", "Self assessment"
    MANAGER_ASSESSMENT = "manager_assessment", "Manager assessment"
    CALIBRATION = "calibration", "Calibration"
    SHARED = "shared", "Shared"
    CLOSED = "closed", "Closed"


PHASES = list(Phase)


class Participation(models.TextChoices):
    EVERYONE = "everyone", "Everyone"
    TEAMS = "teams", "Teams"
    PEOPLE = "people", "Chosen people"


class ReviewCycle(OrgScoped):
    """A performance review round: who, which period, phases with dates, competencies, a scale."""

    name = models.CharField(max_length=120)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="review_cycles")
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.PLANNING)
    participation = models.CharField(
        max_length=10, choices=Participation.choices, default=Participation.EVERYONE
    )
    # The planned start of each phase after planning (informative; a super user moves the phase).
    self_assessment_starts = models.DateField(null=True, blank=True)
    manager_assessment_starts = models.DateField(null=True, blank=True)
    calibration_starts = models.DateField(null=True, blank=True)
    shared_starts = models.DateField(null=True, blank=True)
    closes = models.DateField(null=True, blank=True)
    # Whether its reviews rate and score goals: the organisation's setting
    # (include_goals_in_reviews), followed while the cycle is in planning and kept from its
    # start on, so that assessments under way or submitted are never relabelled.
    include_goals = models.BooleanField(default=False)
    # The split of the overall score when goals are included (they must sum to 1).
    goals_weight = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.5"))
    competencies_weight = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.5")
    )
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="review_cycle_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(goals_weight__gte=0) & Q(competencies_weight__gte=0),
                name="review_split_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def phase_index(self) -> int:
        return PHASES.index(Phase(self.phase))

    @property
    def is_shared(self) -> bool:
        """From the shared phase on, reviewees read their manager's assessment, and what they
        read is final: no reopening, no new score split."""
        return self.phase_index() >= PHASES.index(Phase.SHARED)

    def planned(self) -> list[tuple[str, Any]]:
        return [
            (Phase.SELF_ASSESSMENT.label, self.self_assessment_starts),
            (Phase.MANAGER_ASSESSMENT.label, self.manager_assessment_starts),
            (Phase.CALIBRATION.label, self.calibration_starts),
            (Phase.SHARED.label, self.shared_starts),
            (Phase.CLOSED.label, self.closes),
        ]


class Competency(OrgScoped):
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="competencies")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["cycle_id", "position", "id"]

    def __str__(self) -> str:
        return self.name


class RatingLevel(OrgScoped):
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="scale")
    value = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=60)

    class Meta:
        ordering = ["cycle_id", "value"]
        constraints = [models.UniqueConstraint(fields=["cycle", "value"], name="rating_level_once")]

    def __str__(self) -> str:
        return f"{self.value} {self.label}"


class Review(OrgScoped):
    """One person's review in a cycle, with its self and manager assessments."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="reviews")
    reviewee = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="reviews")
    manager = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews_to_write"
    )

    class Meta:
        ordering = ["cycle_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "reviewee"], name="one_review_per_person_and_cycle"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewee} in {self.cycle}"


class AssessmentKind(models.TextChoices):
    SELF = "self", "Self assessment"
    MANAGER = "manager", "Manager assessment"


class Assessment(OrgScoped):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="assessments")
    kind = models.CharField(max_length=8, choices=AssessmentKind.choices)
    overall_comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the goal figures were copied from the live sheet (phase opening, or a refresh).
    goals_snapshot_at = models.DateTimeField(null=True, blank=True)
    # When a super user last made it a draft again after it was submitted.
    reopened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["review", "kind"], name="one_assessment_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.review}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def phase(self) -> Phase:
        """The phase in which it is written."""
        return (
            Phase.SELF_ASSESSMENT if self.kind == AssessmentKind.SELF else Phase.MANAGER_ASSESSMENT
        )

    def is_open_in(self, cycle_phase: str) -> bool:
        """Whether its phase lets it be written while the cycle is in ``cycle_phase``: its own
        phase, and, once a super user has reopened it, any later one up to calibration — a
        reopened manager assessment is how ratings change in calibration. Once the reviews are
        shared, what the reviewee reads is final."""
        now, own = PHASES.index(Phase(cycle_phase)), PHASES.index(self.phase)
        if now == own:
            return True
        return self.reopened_at is not None and own < now <= PHASES.index(Phase.CALIBRATION)


class CompetencyRating(OrgScoped):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="competency_ratings"
    )
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["assessment_id", "competency__position", "competency_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "competency"], name="one_rating_per_competency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.competency_id}: {self.rating}"


class GoalRating(OrgScoped):
    """A goal of the reviewee's sheet as it stood at the snapshot, with the assessor's rating."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="goal_ratings"
    )
    item = models.ForeignKey(SheetItem, null=True, on_delete=models.SET_NULL, related_name="+")
    # The OKR goal behind a linked item (the goal, or the key result's goal): whoever may not see
    # it reads "A private goal" instead of the title, as everywhere else.
    goal = models.ForeignKey(Goal, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=200)
    weight = models.DecimalField(max_digits=9, decimal_places=3)
    progress = models.FloatField(null=True)
    achieved = models.FloatField()
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["assessment_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.title}: {self.rating}"
