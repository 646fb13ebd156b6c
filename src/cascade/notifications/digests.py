"""The weekly digest: a periodic job (``notifications.digests``) that tells each person, once a
week at their organisation's check-in moment, how their week went.

It says, for one person:

* **My goals**: their active goals of the periods running today, with the progress now and a
  week ago (the latest ``GoalProgress`` row at or before each moment) and the status.
* **At risk or off track**: the goals of their reports, direct and indirect (``Member.manager``),
  and of the teams they lead, whose status (``goals.rollup.judge``, the one rule) is at risk or
  off track.
* **Check-ins**: how many of their reports are up to date, and who has key results waiting for
  a check-in (``goals.selectors.stale``, the reminders' rule).
* **Comments**: the number of new comments, by others, on each of their goals in the week.

Only what the person may see is shown: a goal of someone else counts only when
``permissions.sees_goal`` (``can_view_goal`` from facts read in bulk) says so, in the sections
and in the check-in counts alike. Everything is read for the whole organisation in a fixed
number of queries, then split by person in memory.

The notification's body is a short summary (the inbox shows it); its ``data`` holds the sections
the email renders, as they were at the digest's moment. The key ``digest:<date of the cadence>``
makes it once per person per week, however many slots or workers run the job; people with
nothing to say (no goals, no reports, no team goals at risk, no comments) get nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, OuterRef, Subquery
from django.urls import reverse

from cascade import permissions
from cascade.core import formatting
from cascade.goals.models import Comment, Goal, GoalProgress, KeyResult, State
from cascade.goals.rollup import judge
from cascade.goals.selectors import person_path, stale
from cascade.notifications import reminders
from cascade.notifications.services import Message, notify
from cascade.notifications.topics import Topic
from cascade.orgs.models import Member, Organisation, Team, TeamMembership
from cascade.progress import Status, cadence

SLOT = reminders.SLOT
WEEK = timedelta(weeks=1)
TROUBLE = (Status.AT_RISK, Status.OFF_TRACK)
STATUS_WORDS = {
    Status.ON_TRACK: "on track",
    Status.AT_RISK: "at risk",
    Status.OFF_TRACK: "off track",
    None: "no status",
}


@dataclass
class Digest:
    """One person's week, as plain data (what ``Notification.data`` stores)."""

    mine: list[dict[str, Any]] = field(default_factory=list)
    trouble: list[dict[str, Any]] = field(default_factory=list)
    reports: int = 0  # joined people below them
    waiting: list[dict[str, Any]] = field(default_factory=list)  # reports with stale KRs
    comments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.mine or self.trouble or self.reports or self.comments)

    def as_data(self) -> dict[str, Any]:
        return {
            "mine": self.mine,
            "trouble": self.trouble,
            "reports": self.reports,
            "checked_in": self.reports - len(self.waiting),
            "waiting": self.waiting,
            "comments": self.comments,
            "comment_count": sum(c["count"] for c in self.comments),
        }

    def summary(self) -> str:
        """The body: one short line per section that has something."""
        lines = []
        if self.mine:
            moved = sum(1 for g in self.mine if g["moved"])
            lines.append(f"Your goals: {len(self.mine)}, {moved} moved this week")
        if self.trouble:
            lines.append(f"At risk or off track under you: {len(self.trouble)}")
        if self.reports:
            lines.append(
                f"Checked in: {self.reports - len(self.waiting)} of {self.reports} of your reports"
            )
        count = sum(c["count"] for c in self.comments)
        if count:
            lines.append(f"New comments on your goals: {count}")
        return "\n".join(lines)


def send_due(now: datetime) -> dict[str, int]:
    """The job: the digest of every organisation whose check-in moment has come."""
    organisations = list(Organisation.objects.all())
    sent = 0
    for item in reminders.due(organisations, now):
        if not item.nudge:
            sent += len(send(item.organisation, item.cadence_start, now))
    return {"digests": sent}


def send(organisation: Organisation, week_start: datetime, now: datetime) -> list[object]:
    """Store (and have emailed) the week's digest of each person with something to say."""
    link = reverse("my-week", kwargs={"org": organisation.slug})
    title = f"Your week in {organisation.name}: {week_start.astimezone(organisation.zone):%d %b %Y}"
    messages = [
        Message(
            recipient=member,
            topic=Topic.WEEKLY_DIGEST,
            title=title,
            body=digest.summary(),
            link=link,
            key=f"digest:{week_start:%Y-%m-%d}",
            data=digest.as_data(),
        )
        for member, digest in digests(organisation, now, week_start)
        if not digest.empty
    ]
    return list(notify(messages))


def joined(member: Member) -> bool:
    """Active and accepted (``Member.objects.joined()``, for a member already read)."""
    return member.is_active and member.has_joined


def _progress_at(moment: datetime) -> Subquery:
    return Subquery(
        GoalProgress.objects.filter(goal_id=OuterRef("pk"), at__lte=moment)
        .order_by("-at", "-id")
        .values("progress")[:1]
    )


def digests(
    organisation: Organisation, now: datetime, week_start: datetime
) -> list[tuple[Member, Digest]]:
    """The digest of every active, joined member, in six queries whatever their number."""
    org = organisation
    today = now.astimezone(org.zone).date()
    week_ago = now - WEEK
    members = list(Member.objects.filter(organisation=org).select_related("user"))
    by_id = {m.pk: m for m in members}
    below: dict[int, list[int]] = defaultdict(list)
    for m in members:
        if m.manager_id is not None:
            below[m.manager_id].append(m.pk)
    led: dict[int, set[int]] = defaultdict(set)
    for team_id, lead_id in Team.objects.filter(organisation=org).values_list("pk", "lead_id"):
        if lead_id is not None:
            led[lead_id].add(team_id)
    in_team: dict[int, set[int]] = defaultdict(set)
    for team_id, member_id in TeamMembership.objects.filter(organisation=org).values_list(
        "team_id", "member_id"
    ):
        in_team[team_id].add(member_id)
    goals = list(
        Goal.objects.filter(
            organisation=org,
            state=State.ACTIVE,
            period__start__lte=today,
            period__end__gte=today,
        )
        .select_related("period")
        .annotate(then=_progress_at(week_ago), now=_progress_at(now))
        .order_by("title", "id")
    )
    waiting: dict[int, list[tuple[str, int | None]]] = defaultdict(list)
    for owner_id, visibility, team_id in KeyResult.objects.filter(
        stale(cadence.stale_before(week_start)), organisation=org
    ).values_list("goal__owner_id", "goal__visibility", "goal__team_id"):
        waiting[owner_id].append((visibility, team_id))
    comments = list(
        Comment.objects.filter(organisation=org, created_at__gt=week_ago, created_at__lte=now)
        .exclude(author_id=F("goal__owner_id"))
        .values("goal_id", "goal__owner_id", "goal__title")
        .annotate(count=Count("id"))
        .order_by("goal__title", "goal_id")
    )

    def goal_link(goal_id: int) -> str:
        return reverse("goal-detail", kwargs={"org": org.slug, "goal_id": goal_id})

    def sees(reader: Member, visibility: str, owner_id: int, team_id: int | None) -> bool:
        owner = by_id.get(owner_id)
        return permissions.sees_goal(
            reader,
            visibility=visibility,
            owner_id=owner_id,
            owner_manager_id=owner.manager_id if owner else None,
            team_member_ids=in_team.get(team_id, set()) if team_id else set(),
        )

    def reports_of(pk: int) -> list[int]:
        found: list[int] = []
        seen = {pk}
        todo = list(below.get(pk, []))
        while todo:
            nxt = todo.pop()
            if nxt in seen:
                continue
            seen.add(nxt)
            found.append(nxt)
            todo.extend(below.get(nxt, []))
        return found

    status = {g.pk: judge(g, g.now, org, today) for g in goals}
    owned: dict[int, list[Any]] = defaultdict(list)  # the annotated goals
    for g in goals:
        owned[g.owner_id].append(g)
    troubled = [g for g in goals if status[g.pk] in TROUBLE]
    new_comments: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in comments:
        new_comments[row["goal__owner_id"]].append(
            {
                "title": row["goal__title"],
                "count": row["count"],
                "link": goal_link(row["goal_id"]) + "#comments",
            }
        )

    result = []
    for reader in members:
        if not joined(reader):
            continue
        digest = Digest()
        for g in owned.get(reader.pk, []):
            digest.mine.append(
                {
                    "title": g.title,
                    "link": goal_link(g.pk),
                    "before": formatting.percent(g.then),
                    "now": formatting.percent(g.now),
                    "moved": g.then != g.now,
                    "status": STATUS_WORDS[status[g.pk]],
                }
            )
        reports = [pk for pk in reports_of(reader.pk) if joined(by_id[pk])]
        under = set(reports)
        teams = led.get(reader.pk, set())
        for g in troubled:
            if g.owner_id == reader.pk or not (g.owner_id in under or g.team_id in teams):
                continue
            if not sees(reader, g.visibility, g.owner_id, g.team_id):
                continue
            digest.trouble.append(
                {
                    "title": g.title,
                    "link": goal_link(g.pk),
                    "owner": by_id[g.owner_id].name,
                    "status": STATUS_WORDS[status[g.pk]],
                    "progress": formatting.percent(g.now),
                }
            )
        digest.reports = len(reports)
        for pk in sorted(reports, key=lambda pk: (by_id[pk].name, pk)):
            count = sum(1 for vis, team in waiting.get(pk, []) if sees(reader, vis, pk, team))
            if count:
                digest.waiting.append(
                    {
                        "name": by_id[pk].name,
                        "count": count,
                        "link": person_path(org.slug, pk),
                    }
                )
        digest.comments = new_comments.get(reader.pk, [])
        result.append((reader, digest))
    return result
