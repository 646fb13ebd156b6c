"""What a person sees first each week: what waits for them, how their goals stand, what changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q

from cascade.audit.models import AuditEvent
from cascade.core import clock
from cascade.goals.models import Goal, KeyResult, State
from cascade.goals.selectors import Standing, my_key_results, stale, standing, visible_goals
from cascade.orgs.models import Member, TeamMembership
from cascade.progress import Status, cadence

# A key result waits for its owner once a whole cadence has passed since its last check-in
# (progress.cadence holds the rule, selectors.waiting the query; the reminders use both).
STALE_AFTER = cadence.CADENCE


@dataclass(frozen=True)
class MyWeek:
    waiting: list[KeyResult]  # my key results not updated for a week (STALE_AFTER)
    my_goals: list[tuple[Goal, Standing]]
    needs_attention: list[tuple[Goal, Standing]]  # my teams' goals at risk or off track
    changes: list[AuditEvent]  # on goals I care about, by others, since my previous visit
    since: datetime | None


def my_week(member: Member, today: date, since: datetime | None) -> MyWeek:
    """Five queries, whatever the size of the organisation."""
    waiting = list(my_key_results(member).filter(stale(clock.now() - STALE_AFTER)))
    mine = list(
        Goal.objects.filter(owner=member, state__in=[State.ACTIVE, State.DRAFT])
        .select_related("period", "team")
        .order_by("period__start", "title")
    )
    team_ids = TeamMembership.objects.filter(member=member).values("team_id")
    team_goals = (
        visible_goals(member)
        .filter(team_id__in=team_ids, state=State.ACTIVE)
        .exclude(owner=member)
        .select_related("owner__user", "period", "team")
        .order_by("title")
    )
    attention = [
        (goal, s)
        for goal in team_goals
        if (s := standing(goal, member.organisation, today)).status
        in (Status.AT_RISK, Status.OFF_TRACK)
    ]
    changes: list[AuditEvent] = []
    if since is not None:
        cared_for = (
            Q(goal__owner=member)
            | Q(goal__contributes_to__senior__owner=member)
            | Q(goal__team_id__in=team_ids)
        )
        changes = list(
            AuditEvent.objects.filter(organisation_id=member.organisation_id, created_at__gt=since)
            .filter(cared_for, goal__in=visible_goals(member))
            .exclude(actor=member)
            .select_related("actor__user", "goal")
            .distinct()
            .order_by("-created_at")[:20]
        )
    return MyWeek(
        waiting=waiting,
        my_goals=[(goal, standing(goal, member.organisation, today)) for goal in mine],
        needs_attention=attention,
        changes=changes,
        since=since,
    )
