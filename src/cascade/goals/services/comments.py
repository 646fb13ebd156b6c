"""Comments on goals, with @mentions: written by whoever sees the goal, edited by their author,
deleted by their author or a super user. The goal's owner hears of a comment (Topic.COMMENT),
each person mentioned of the mention (Topic.MENTION), the author of neither.

A mention of someone who may not see the goal (a private goal), of another organisation's
person or of an id that does not exist is not refused: it stays plain text, nobody is told,
and the answer does not reveal who can see what.
"""

from __future__ import annotations

from django.urls import reverse

from cascade import permissions
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock, markdown
from cascade.core.errors import invalid
from cascade.core.text import NOTE, clean_text
from cascade.core.transactions import atomic_with_retries
from cascade.goals import selectors
from cascade.goals.models import Comment, Goal
from cascade.notifications.services import Message, notify
from cascade.notifications.topics import Topic
from cascade.orgs.models import Member

COMMENT_LENGTH = NOTE
COMMENT_AUTHOR_ONLY = "Only its author may edit a comment."
AUTHOR_OR_ADMIN = "Only its author or a super user may delete a comment."


def _body(value: str | None) -> str:
    text = (value or "").strip()
    if not text:
        raise invalid("Write something first.", "comment_empty", "body")
    if len(text) > COMMENT_LENGTH:
        raise invalid(
            f"Keep a comment under {COMMENT_LENGTH} characters.", "comment_too_long", "body"
        )
    return clean_text(text, "body", max_length=COMMENT_LENGTH)


def _tell(actor: Member, goal: Goal, comment: Comment, mentioned: dict[int, Member]) -> None:
    """Tell the goal's owner and the people mentioned; each once (by key), never the author."""
    slug = actor.organisation.slug
    link = reverse("goal-detail", kwargs={"org": slug, "goal_id": goal.pk})
    link = f"{link}#comment-{comment.pk}"
    shown = {
        pk: markdown.Mention(m.name, selectors.person_path(slug, pk)) for pk, m in mentioned.items()
    }
    body = markdown.plain(comment.body, shown)
    messages = [
        Message(
            recipient=person,
            topic=Topic.MENTION,
            title=f"{actor.name} mentioned you on “{goal.title}”",
            body=body,
            link=link,
            goal_id=goal.pk,
            key=f"comment:{comment.pk}:mention",
        )
        for pk, person in mentioned.items()
        if pk != actor.pk
    ]
    if goal.owner_id != actor.pk and goal.owner_id not in mentioned:
        owner = Member.objects.joined().filter(pk=goal.owner_id).select_related("user").first()
        if owner is not None:
            messages.append(
                Message(
                    recipient=owner,
                    topic=Topic.COMMENT,
                    title=f"{actor.name} commented on “{goal.title}”",
                    body=body,
                    link=link,
                    goal_id=goal.pk,
                    key=f"comment:{comment.pk}",
                )
            )
    notify(messages)


@atomic_with_retries
def add_comment(*, actor: Member, goal: Goal, body: str) -> Comment:
    """Comment on a goal the actor may see."""
    permissions.require_same_organisation(actor, goal)
    text = _body(body)
    fresh = Goal.objects.select_related("owner", "team").get(pk=goal.pk)
    permissions.require(
        actor.is_active and permissions.can_comment(actor, fresh),
        "Only people who may see a goal may comment on it.",
    )
    comment = Comment.objects.create(
        organisation_id=fresh.organisation_id, goal=fresh, author=actor, body=text
    )
    mentioned = selectors.mentions_in(fresh, [text])
    record(
        organisation=fresh.organisation_id,
        actor=actor,
        kind=EventKind.COMMENT_ADDED,
        subject=comment,
        goal=fresh,
        data={"mentions": list(mentioned)},
    )
    _tell(actor, fresh, comment, mentioned)
    return comment


@atomic_with_retries
def edit_comment(*, actor: Member, comment: Comment, body: str) -> Comment:
    """The author rewrites their comment; a person newly mentioned is told (once)."""
    permissions.require_same_organisation(actor, comment)
    text = _body(body)
    fresh = (
        Comment.objects.select_for_update(of=("self",))
        .select_related("goal__owner", "goal__team")
        .get(pk=comment.pk)
    )
    permissions.require(permissions.can_edit_comment(actor, fresh.author_id), COMMENT_AUTHOR_ONLY)
    fresh.body = text
    fresh.edited_at = clock.now()
    fresh.save(update_fields=["body", "edited_at"])
    mentioned = selectors.mentions_in(fresh.goal, [text])
    record(
        organisation=fresh.organisation_id,
        actor=actor,
        kind=EventKind.COMMENT_EDITED,
        subject=fresh,
        goal=fresh.goal,
        data={"mentions": list(mentioned)},
    )
    _tell(actor, fresh.goal, fresh, mentioned)
    return fresh


@atomic_with_retries
def delete_comment(*, actor: Member, comment: Comment) -> None:
    """The author, or a super user, removes a comment for good; the audit trail keeps that it
    was there and who removed it."""
    permissions.require_same_organisation(actor, comment)
    fresh = (
        Comment.objects.select_for_update(of=("self",))
        .select_related("goal")
        .filter(pk=comment.pk)
        .first()
    )
    if fresh is None:
        return
    permissions.require(permissions.can_delete_comment(actor, fresh.author_id), AUTHOR_OR_ADMIN)
    record(
        organisation=fresh.organisation_id,
        actor=actor,
        kind=EventKind.COMMENT_DELETED,
        subject=fresh,
        goal=fresh.goal,
        data={"author": fresh.author_id},
    )
    fresh.delete()
