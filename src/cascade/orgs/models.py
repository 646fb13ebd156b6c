"""Organisations and their people, teams and periods. Every row belongs to one organisation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from cascade.core import clock
from cascade.progress import cadence, schedule

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


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
    # The weekly check-in (progress.cadence): a weekday (0 = Monday) and a local time, in
    # ``timezone``; people with stale key results are reminded then, and nudged once more
    # ``nudge_after_days`` later (0: no nudge). The defaults are the database's too, so rows
    # written by code that predates these columns (older migrations' models) still insert.
    checkin_weekday = models.PositiveSmallIntegerField(
        default=cadence.DEFAULT_WEEKDAY,
        db_default=cadence.DEFAULT_WEEKDAY,
        choices=WEEKDAYS,
        validators=[MaxValueValidator(6)],
    )
    checkin_time = models.TimeField(default=cadence.DEFAULT_TIME, db_default=cadence.DEFAULT_TIME)
    nudge_after_days = models.PositiveSmallIntegerField(
        default=cadence.DEFAULT_NUDGE_AFTER_DAYS,
        db_default=cadence.DEFAULT_NUDGE_AFTER_DAYS,
        validators=[MaxValueValidator(cadence.MAX_NUDGE_AFTER_DAYS)],
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(at_risk_margin__gte=0) & Q(at_risk_margin__lte=F("off_track_margin")),
                name="organisation_margins_ordered",
            ),
            models.CheckConstraint(
                condition=Q(checkin_weekday__lte=6), name="organisation_checkin_weekday"
            ),
            models.CheckConstraint(
                condition=Q(nudge_after_days__lte=cadence.MAX_NUDGE_AFTER_DAYS),
                name="organisation_nudge_before_next_cadence",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def today(self) -> date:
        """The date it is now where the organisation is."""
        return clock.today(self.timezone)


class OrgScoped(models.Model):
    """Base for every row that belongs to an organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class Role(models.TextChoices):
    SUPER_USER = "super_user", "Super user"
    MEMBER = "member", "Member"


class MemberQuerySet(models.QuerySet["Member"]):
    def joined(self) -> MemberQuerySet:
        """Memberships that open the organisation: active, and accepted by the person."""
        return self.filter(is_active=True, accepted_at__isnull=False)


def name_contains(word: str, path: str = "") -> Q:
    """A filter: people (the members at ``path``) whose name, as their organisation knows it,
    contains ``word``. Until an invitation is accepted the organisation knows the person only by
    the name it typed: searching the account's own name would tell another organisation's name.
    """
    return Q(
        **{f"{path}accepted_at__isnull": False, f"{path}user__full_name__icontains": word}
    ) | Q(**{f"{path}accepted_at__isnull": True, f"{path}invited_name__icontains": word})


class Member(OrgScoped):
    """A person's membership of one organisation: their role, title and manager.

    An invitation creates the membership at once (goals can be assigned to the person), but it
    opens the organisation only once the person has accepted it (``accepted_at``): an account is
    global, and no organisation may pull someone in without their consent.
    """

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
    # Set when the person accepts the invitation; null while it is pending.
    accepted_at = models.DateTimeField(null=True, blank=True)
    # The name the inviting super user typed, shown until the person accepts.
    invited_name = models.CharField(max_length=150, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"], name="member_once_per_organisation"
            ),
            models.CheckConstraint(condition=~Q(manager=F("id")), name="member_not_own_manager"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_joined(self) -> bool:
        return self.accepted_at is not None

    @property
    def name(self) -> str:
        """The person's own name once they have joined; before, the name they were invited by."""
        if self.accepted_at is None and self.invited_name:
            return self.invited_name
        return self.user.full_name

    @property
    def short_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.user.email

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


class Invitation(OrgScoped):
    """One emailed invitation link. Only the token's SHA-256 is stored; the token itself exists
    only in the email, never in a web page or an API answer. Sending a new one revokes the older."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="invitations")
    digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        Member, null=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"invitation {self.pk} of member {self.member_id}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None and self.revoked_at is None and clock.now() < self.expires_at
        )


class SetupCode(models.Model):
    """The one-time code that claims a new installation (``cascade.orgs.setup``). While no
    organisation exists, ``cascade serve`` and ``cascade worker`` print it at start; whoever
    reaches the setup page without it cannot claim the installation."""

    code = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=clock.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"setup code of {self.created_at:%Y-%m-%d %H:%M}"
