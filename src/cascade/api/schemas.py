"""What the API answers with. Measured values, weights and progress are JSON numbers.

Progress is a fraction from 0 to 1 (or null: nothing counts yet); attainment is the raw
fraction of the way from start to target, which may be below 0 or above 1 (1.5 = exceeded by
half). Values travel as binary floating point numbers, like every JSON number most clients
read: up to 15 significant digits come back exactly.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema

from cascade.api.pagination import Page
from cascade.integrations.source_state import DataSourceOut

GoalStateName = Literal["draft", "active", "closed", "archived"]
VisibilityName = Literal["public", "private"]
StatusName = Literal["on_track", "at_risk", "off_track"]
KindName = Literal["metric", "milestone", "threshold", "sum"]
DirectionName = Literal["above", "below"]
RoleName = Literal["super_user", "member"]
PeriodKindName = Literal["year", "half", "quarter", "month", "custom"]
OutcomeName = Literal["achieved", "partial", "missed"]

Fraction = float  # documented by each field


class MemberRef(Schema):
    id: int
    name: str


class TeamRef(Schema):
    id: int
    name: str


class PeriodRef(Schema):
    id: int
    name: str
    start: date
    end: date


# --------------------------------------------------------------------------- organisation, people


class OrganisationOut(Schema):
    id: int
    name: str = Field(description="Read-only.")
    slug: str = Field(description="Read-only; names the organisation in `POST /tokens`.")
    timezone: str
    at_risk_margin: float = Field(
        description="A goal within this of the expected progress is on track."
    )
    off_track_margin: float = Field(
        description="A goal further behind than this is off track; in between, at risk."
    )
    include_goals_in_reviews: bool = Field(
        description="Performance reviews show and score the reviewee's goal sheet; super users "
        "change it."
    )
    checkin_weekday: int = Field(description="The weekly check-in's day: 0 (Monday) to 6.")
    checkin_time: str = Field(description="The weekly check-in's local time, HH:MM.")
    nudge_after_days: int = Field(description="Days after the check-in until the nudge; 0: none.")


class MemberOut(Schema):
    id: int
    name: str
    email: str
    role: RoleName
    title: str
    manager: MemberRef | None
    is_active: bool
    joined: bool = Field(
        description="Whether the person has accepted their invitation. Until then they cannot "
        "open the organisation, and `name` is the name they were invited by."
    )
    joined_at: datetime


class MemberPage(Page):
    items: list[MemberOut]


class TeamOut(Schema):
    id: int
    name: str
    parent: int | None = Field(description="The id of the team above, if any.")
    lead: MemberRef | None
    members: list[MemberRef]


class TeamPage(Page):
    items: list[TeamOut]


class PeriodOut(Schema):
    id: int
    name: str
    kind: PeriodKindName
    start: date
    end: date
    parent: int | None = Field(description="The id of the period this one lies in, if any.")


class PeriodPage(Page):
    items: list[PeriodOut]


# --------------------------------------------------------------------------- goals


class KeyResultOut(Schema):
    id: int
    goal: int
    title: str
    kind: KindName
    unit: str
    start: float
    target: float = Field(description="For a threshold, the line to stay on the right side of.")
    current: float | None = Field(
        description="The latest value; null before the first check-in (the start value counts then)."
    )
    direction: DirectionName | None = Field(
        description="Thresholds: which side of the line is good."
    )
    weight: float
    progress: Fraction = Field(description="From 0 to 1; this is what rolls up.")
    attainment: float = Field(
        description="Raw, may be below 0 or above 1 (1.5 = target exceeded by half)."
    )
    confidence: int | None
    last_checkin_at: datetime | None
    rollup_into: int | None = Field(description="The sum key result this one's value adds into.")
    source: DataSourceOut | None = Field(
        description="The data source (Jira, Salesforce) the value is synced from; null: by hand."
    )


class LinkOut(Schema):
    """A goal at the other end of a contribution. A private goal the caller may not see shows
    only its progress and weight: ``{"id": null, "title": "A private goal", …}``."""

    id: int | None
    title: str
    state: GoalStateName | None
    progress: Fraction | None
    weight: float
    contribution: int | None = Field(
        description="The id of the link, for PATCH/DELETE /contributions/{id}."
    )


class GoalSummaryOut(Schema):
    id: int
    title: str
    owner: MemberRef
    team: TeamRef | None
    period: PeriodRef
    state: GoalStateName
    visibility: VisibilityName
    progress: Fraction | None = Field(description="From 0 to 1; null while nothing counts.")
    status: StatusName | None = Field(description="Progress against time; null without progress.")
    expected_progress: Fraction = Field(
        description=(
            "The elapsed part of the goal's dates, today included, counted from its own start "
            "date if it has one, else from its period's start or the day it was created, "
            "whichever is later."
        )
    )
    confidence: int | None
    last_checkin_at: datetime | None


class GoalOut(GoalSummaryOut):
    description: str
    start_date: date | None = Field(
        description="The goal's own start, if it differs from its period's."
    )
    end_date: date | None
    forecast: Fraction | None = Field(
        description="The end-of-period progress if the trend goes on (active goals with enough history)."
    )
    score: float | None = Field(description="Set when the goal is closed, from 0 to 1.")
    outcome: OutcomeName | None
    retrospective: str
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    parents: list[LinkOut] = Field(description="The senior goals this goal contributes to.")
    key_results: list[KeyResultOut]
    contributors: list[LinkOut] = Field(description="The junior goals that contribute to this one.")


class GoalPage(Page):
    items: list[GoalOut]


class ContributionOut(Schema):
    id: int
    junior_goal: int
    senior_goal: int
    weight: float
    created_at: datetime


class CheckInOut(Schema):
    id: int
    key_result: int
    value: float
    confidence: int | None
    note: str
    author: MemberRef | None
    source: str = Field(description="web, api, connector or import.")
    created_at: datetime


class CheckInPage(Page):
    items: list[CheckInOut]


class CommentOut(Schema):
    id: int
    goal: int
    author: MemberRef | None = Field(description="null once the author's membership is gone.")
    body: str = Field(description="The Markdown as written; mentions as `@[Name](member:ID)`.")
    html: str = Field(
        description="The body rendered and sanitised; mentions of people who may see the goal "
        "are links to their page, any other is plain text."
    )
    mentions: list[MemberRef] = Field(
        description="The people the comment mentions who may see the goal (they were told)."
    )
    created_at: datetime
    edited_at: datetime | None


class CommentPage(Page):
    items: list[CommentOut]


class TreeNodeOut(GoalSummaryOut):
    weight: float | None = Field(
        description="The weight of the link to the goal above; null at the top."
    )
    children: list[TreeNodeOut]


class TreeOut(Schema):
    period: PeriodRef | None = Field(description="Null when the organisation has no periods yet.")
    goals: list[TreeNodeOut]


class ExplanationRowOut(Schema):
    kind: Literal["key_result", "goal"]
    id: int | None = Field(description="Null for a private goal the caller may not see.")
    title: str
    progress: Fraction | None
    weight: float
    normalised_weight: float = Field(description="The weight as a share of all counting weights.")
    share: float = Field(description="What this contributor adds to the goal's progress.")
    left_out: str | None = Field(description="Why it does not count, or null when it does.")


class ExplanationOut(Schema):
    goal: int
    as_of: date | None
    progress: Fraction | None
    recorded_at: datetime | None = Field(
        description="When this explanation was recorded; null: never."
    )
    cause: str
    contributors: list[ExplanationRowOut]


class ProgressPointOut(Schema):
    at: datetime
    progress: Fraction | None
    cause: str


class HistoryPage(Page):
    items: list[ProgressPointOut]
    forecast: Fraction | None


class AuditEventOut(Schema):
    id: int
    kind: str
    at: datetime
    actor: MemberRef | None
    object_type: str
    object_id: int | None
    goal: int | None
    data: dict[str, Any]


class AuditEventPage(Page):
    items: list[AuditEventOut]


# --------------------------------------------------------------------------- tokens


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart.")
    member: MemberRef
    organisation: str = Field(description="The organisation's slug.")
    created_at: datetime
    last_used_at: datetime | None = Field(description="To the minute.")
    revoked_at: datetime | None
    expires_at: datetime | None = Field(description="When it stops working; null: never.")


class NewTokenOut(TokenOut):
    token: str = Field(description="The token itself. Shown this once; Cascade keeps only a hash.")


class TokenPage(Page):
    items: list[TokenOut]


# --------------------------------------------------------------------------- invitations


class InvitationOut(Schema):
    member: MemberOut
    expires_at: datetime = Field(
        description="Until when the emailed link works. The link itself is only in the email, "
        "to the invited address: it is never in an answer."
    )


# --------------------------------------------------------------------------- notifications


class NotificationOut(Schema):
    id: int
    topic: str
    title: str
    body: str
    link: str = Field(description="A path of the web app, or empty.")
    goal: int | None
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Page):
    items: list[NotificationOut]


class MarkedRead(Schema):
    marked: int = Field(description="How many notifications were unread and are read now.")
    unread: int = Field(description="How many are still unread.")


class NotificationPreferenceOut(Schema):
    topic: str
    label: str
    channel: str
    is_default: bool


class NotificationPreferenceList(Schema):
    items: list[NotificationPreferenceOut]
    channels: list[str]
    chat_available: bool
