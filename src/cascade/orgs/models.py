"""Organisations and their people, teams and periods. Every row belongs to one organisation."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from cascade.core import clock
from cascade.progress import schedule


class Organisation(models.Model):
    """A tenant. Nothing is shared between organisations."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(max_length=64, default="UTC")
    # Status margins (DESIGN §3): on track within the first, at risk within the second.
    at_risk_margin = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal(str(schedule.DEFAULT_AT_RISK_MARGIN)),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    off_track_margin = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal(str(schedule.DEFAULT_OFF_TRACK_MARGIN)),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    # Performance reviews show the reviewee's goal sheet in a column of its own. Only super
    # users may change this (cascade.performance.services.set_goals_in_reviews).
    include_goals_in_reviews = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(at_risk_margin__gte=0) & Q(at_risk_margin__lte=F("off_track_margin")),
                name="organisation_margins_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrgScoped(models.Model):
    """Base for every row that belongs to an organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class Role(models.TextChoices):
    SUPER_USER = "super_user", "Super user"
    MEMBER = "member", "Member"


class Member(OrgScoped):
    """A person's membership of one organisation: their role, title and manager."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    title = models.CharField(max_length=120, blank=True)
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    is_active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"], name="member_once_per_organisation"
            ),
            models.CheckConstraint(condition=~Q(manager=F("id")), name="member_not_own_manager"),
        ]

    def __str__(self) -> str:
        return self.user.full_name

    @property
    def name(self) -> str:
        return self.user.full_name

    @property
    def is_super_user(self) -> bool:
        return self.role == Role.SUPER_USER


class Team(OrgScoped):
    """A node of the team tree: company → department → team."""

    name = models.CharField(max_length=120)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    lead = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="teams_led"
    )
    members = models.ManyToManyField(Member, through="TeamMembership", related_name="teams")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="team_name_unique_in_organisation"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(OrgScoped):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="team_memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "member"], name="team_member_once")]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.team_id}"


class PeriodKind(models.TextChoices):
    YEAR = "year", "Year"
    HALF = "half", "Half year"
    QUARTER = "quarter", "Quarter"
    MONTH = "month", "Month"
    CUSTOM = "custom", "Custom"


class Period(OrgScoped):
    """A time box for goals. Periods nest: quarters inside a year."""

    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=PeriodKind.choices, default=PeriodKind.QUARTER)
    start = models.DateField()
    end = models.DateField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["start", "-end"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lte=F("end")), name="period_starts_before_it_ends"
            ),
            models.UniqueConstraint(
                fields=["organisation", "name"], name="period_name_unique_in_organisation"
            ),
        ]

    def __str__(self) -> str:
        return self.name
