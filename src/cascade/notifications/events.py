"""What Cascade tells people when something happens: one function per event, called by the
write that made it happen, inside its transaction (so a rolled-back write tells nobody).

Each builds the messages and hands them to ``services.notify``. Two rules hold for all of them:
nobody is told about their own action (``actor`` is left out), and a recipient is always a
member of the organisation the event happened in (the rows come from that organisation).
Links are paths of the web app (reversed by name: this module does not import the web app).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.urls import reverse

from cascade import permissions
from cascade.core import clock
from cascade.goals.models import Goal
from cascade.notifications.services import Message, notify
from cascade.notifications.topics import Topic
from cascade.orgs.models import Member

if TYPE_CHECKING:
    from cascade.performance.models import Review, ReviewCycle
    from cascade.progress import Status


def _goal_link(goal: Goal, slug: str) -> str:
    return reverse("goal-detail", args=[slug, goal.pk])


def _others(actor: Member | None, members: Iterable[Member]) -> list[Member]:
    """The members who are not the actor, once each, active ones only, of the actor's
    organisation when there is an actor."""
    seen: dict[int, Member] = {}
    for member in members:
        if actor is not None and (
            member.pk == actor.pk or member.organisation_id != actor.organisation_id
        ):
            continue
        if member.is_active:
            seen.setdefault(member.pk, member)
    return list(seen.values())


def aligned_under_mine(*, actor: Member, junior: Goal, senior: Goal, contribution_id: int) -> None:
    """The senior goal's owner learns that a goal now contributes to theirs."""
    owner = senior.owner
    if not _others(actor, [owner]):
        return
    what = f"“{junior.title}”" if permissions.can_view_goal(owner, junior) else "A private goal"
    notify(
        [
            Message(
                recipient=owner,
                topic=Topic.ALIGNED_UNDER_MINE,
                title=f"{what} now contributes to “{senior.title}”",
                body=f"{actor.name} aligned it under your goal.",
                link=_goal_link(senior, actor.organisation.slug),
                goal_id=senior.pk,
                key=f"aligned:{contribution_id}",
            )
        ]
    )


def made_owner(*, actor: Member, goal: Goal) -> None:
    """The new owner of a goal someone else created for them or handed to them."""
    owner = goal.owner
    if not _others(actor, [owner]):
        return
    notify(
        [
            Message(
                recipient=owner,
                topic=Topic.MADE_OWNER,
                title=f"You now own “{goal.title}”",
                body=f"{actor.name} made you the owner of this goal.",
                link=_goal_link(goal, actor.organisation.slug),
                goal_id=goal.pk,
            )
        ]
    )


def assessments_due(
    *, actor: Member, cycle: ReviewCycle, phase_label: str, writers: Sequence[tuple[Member, Review]]
) -> None:
    """Each person with an assessment to write now that the cycle's phase opened: one
    notification per person and phase (a manager of eight is told once, with the count)."""
    slug = actor.organisation.slug
    by_person: dict[int, list[Review]] = {}
    people: dict[int, Member] = {}
    for member, review in writers:
        people[member.pk] = member
        by_person.setdefault(member.pk, []).append(review)
    messages = []
    for member in _others(actor, people.values()):
        reviews = by_person[member.pk]
        if len(reviews) == 1:
            link = reverse("review", args=[slug, reviews[0].pk])
            title = f"{phase_label} is open in “{cycle.name}”: one assessment is yours to write"
        else:
            link = reverse("performance", args=[slug])
            title = (
                f"{phase_label} is open in “{cycle.name}”: {len(reviews)} assessments are yours"
                " to write"
            )
        messages.append(
            Message(
                recipient=member,
                topic=Topic.REVIEW,
                title=title,
                body=_due(cycle),
                link=link,
                key=f"review:{cycle.pk}:{phase_label}",
            )
        )
    notify(messages)


def _due(cycle: ReviewCycle) -> str:
    later = {
        "self_assessment": cycle.manager_assessment_starts,
        "manager_assessment": cycle.calibration_starts,
    }.get(cycle.phase)
    return f"Please finish it before {later:%-d %B %Y}." if later else ""


def sync_failing(
    *,
    goal: Goal,
    key_result_title: str,
    error: str,
    failures: int,
    run_id: int,
    requested_by_id: int | None,
) -> None:
    """The goal's owner learns that a data source of one of their key results keeps failing
    (the run that made it ``failures`` in a row). Whoever pressed "sync now" saw it fail."""
    owner = goal.owner
    if not owner.is_active or owner.pk == requested_by_id:
        return
    notify(
        [
            Message(
                recipient=owner,
                topic=Topic.SYNC_FAILING,
                title=f"The data source of “{key_result_title}” failed {failures} times in a row",
                body=f"The last error: {error}" if error else "",
                link=_goal_link(goal, goal.organisation.slug),
                goal_id=goal.pk,
                key=f"sync_failing:{run_id}",
            )
        ]
    )


def contributor_at_risk(
    *, actor: Member | None, moves: Sequence[tuple[Goal, Status, list[int]]]
) -> None:
    """The owners of the goals directly above a goal the rollup just moved to at risk or off
    track (``moves``: the goal, its new status, the ids of the goals above it). Once per goal,
    status and day for each owner; not the actor, whose change it was, nor the goal's own owner
    when they also own the goal above (they know)."""
    above = Goal.objects.select_related("owner", "organisation").in_bulk(
        {pk for _, _, seniors in moves for pk in seniors}
    )
    today = clock.today().isoformat()
    messages = []
    for goal, status, seniors in moves:
        for senior in (above[pk] for pk in seniors if pk in above):
            owner = senior.owner
            if owner.pk == goal.owner_id or not _others(actor, [owner]):
                continue
            what = f"“{goal.title}”" if permissions.can_view_goal(owner, goal) else "A private goal"
            messages.append(
                Message(
                    recipient=owner,
                    topic=Topic.CONTRIBUTOR_AT_RISK,
                    title=f"{what} is {status.label.lower()}: it contributes to “{senior.title}”",
                    body="Its progress is behind what is expected by today.",
                    link=_goal_link(senior, senior.organisation.slug),
                    goal_id=senior.pk,
                    key=f"at_risk:{goal.pk}:{senior.pk}:{status.value}:{today}",
                )
            )
    notify(messages)
