"""Goals, key results, the contributions between goals, check-ins and progress history.

``Goal.progress`` and ``KeyResult.current`` are caches kept up to date by the rollup
(``cascade.goals.rollup``); the source records are the check-ins, the key results' definitions
and the contributions. ``cascade verify_progress`` recomputes the caches from the sources.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from cascade.core import clock
from cascade.orgs.models import Member, OrgScoped, Period, Team
from cascade.progress import Direction, GoalState, KeyResultValues, Kind, expected_from


def value_field(**options: Any) -> Any:
    """A measured value: a decimal, never an integer or a float (14 digits, then 6 decimals)."""
    return models.DecimalField(max_digits=20, decimal_places=6, **options)


def weight_field() -> Any:
    return models.DecimalField(
        max_digits=7, decimal_places=3, default=Decimal(1), validators=[MinValueValidator(0)]
    )


class State(models.TextChoices):
    DRAFT = GoalState.DRAFT.value, "Draft"
    ACTIVE = GoalState.ACTIVE.value, "Active"
    CLOSED = GoalState.CLOSED.value, "Closed"
    ARCHIVED = GoalState.ARCHIVED.value, "Archived"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Everyone in the organisation"
    PRIVATE = "private", "Owner, their managers, the team and super users"


class Outcome(models.TextChoices):
    ACHIEVED = "achieved", "Achieved"
    PARTIAL = "partial", "Partially achieved"
    MISSED = "missed", "Missed"


class Goal(OrgScoped):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="goals")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="goals"
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="goals")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    state_before_archive = models.CharField(max_length=10, choices=State.choices, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    # Optional dates of the goal's own, inside or instead of its period's.
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    # Caches, kept by the rollup.
    progress = models.FloatField(null=True, blank=True)
    progress_updated_at = models.DateTimeField(null=True, blank=True)
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    last_checkin_at = models.DateTimeField(null=True, blank=True)

    # Set when the goal is closed.
    score = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    retrospective = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    # The goal this one was carried over from into a new period, so it is not carried twice.
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )

    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["organisation", "period", "state"]),
            models.Index(fields=["organisation", "owner"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | (Q(progress__gte=0) & Q(progress__lte=1)),
                name="goal_progress_in_unit_interval",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=1)),
                name="goal_score_in_unit_interval",
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__lte=10),
                name="goal_confidence_0_to_10",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def goal_state(self) -> GoalState:
        return GoalState(self.state)

    @property
    def starts(self) -> date:
        return self.start_date or self.period.start

    @property
    def ends(self) -> date:
        return self.end_date or self.period.end

    @property
    def expected_from(self) -> date:
        """The day its expected progress counts from (``progress.expected_from``)."""
        return expected_from(
            self.period.start, self.ends, timezone.localdate(self.created_at), self.start_date
        )


class KeyResult(OrgScoped):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="key_results")
    title = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=10, choices=[(k.value, k.name.title()) for k in Kind], default=Kind.METRIC
    )
    unit = models.CharField(max_length=20, blank=True)
    start = value_field(default=Decimal(0))
    target = value_field()
    direction = models.CharField(
        max_length=5, blank=True, choices=[(d.value, d.name.title()) for d in Direction]
    )
    weight = weight_field()
    # A KR linked under a sum-of-children KR adds its current value into it.
    rollup_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    position = models.PositiveSmallIntegerField(default=0)

    # Caches, kept by check-ins and the rollup: the latest value and confidence.
    current = value_field(null=True, blank=True)
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    last_checkin_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["goal_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=0), name="key_result_weight_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(rollup_into=F("id")), name="key_result_not_own_child"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def values(self) -> KeyResultValues:
        return KeyResultValues(
            kind=Kind(self.kind),
            start=self.start,
            target=self.target,
            current=self.current,
            direction=Direction(self.direction) if self.direction else None,
        )


class Contribution(OrgScoped):
    """A weighted link from a junior goal to a senior goal: the junior's progress flows up."""

    junior = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="contributes_to")
    senior = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="contributions")
    weight = weight_field()
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["senior_id", "junior_id"]
        constraints = [
            models.UniqueConstraint(fields=["junior", "senior"], name="contribution_once_per_pair"),
            models.CheckConstraint(
                condition=~Q(junior=F("senior")), name="contribution_not_to_itself"
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0), name="contribution_weight_not_negative"
            ),
        ]


class Source(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    CONNECTOR = "connector", "Data source"
    IMPORT = "import", "Import"


class CheckIn(OrgScoped):
    """An append-only record of a key result's new value. Never edited, never deleted alone."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="checkins")
    value = value_field()
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    author = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    run_id = models.CharField(max_length=64, blank=True)  # the connector run that made it
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["key_result_id", "created_at", "id"]
        indexes = [models.Index(fields=["key_result", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__lte=10),
                name="checkin_confidence_0_to_10",
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Check-ins are append-only: record a new one instead.")
        super().save(*args, **kwargs)


class GoalProgress(OrgScoped):
    """One change of a goal's progress, with the explanation at that moment.

    The explanation is the pure module's ``Explanation.as_dict()``; with it, the value on any
    past date can be explained contributor by contributor without replaying anything.
    """

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(default=clock.now)
    progress = models.FloatField(null=True)
    cause = models.CharField(max_length=40)
    explanation = models.JSONField(default=dict)

    class Meta:
        ordering = ["goal_id", "at", "id"]
        indexes = [models.Index(fields=["goal", "at"])]


class Comment(OrgScoped):
    """A person's comment on a goal: Markdown source, rendered (and sanitised) when shown, so
    that a mention follows the person's current name and who may see the goal now."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=clock.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["goal_id", "created_at", "id"]
        indexes = [models.Index(fields=["goal", "created_at"])]
