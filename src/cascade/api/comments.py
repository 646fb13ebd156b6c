"""Comments on goals: ``/goals/{id}/comments``, ``/comments/{id}``.

Whoever may see a goal may comment on it; a comment is edited by its author only and deleted
by its author or a super user. A body is Markdown, mentions written `@[Name](member:ID)`: the
goal's owner and each person mentioned who may see the goal are notified.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.responses import Status

from cascade.api import presenters
from cascade.api.auth import actor
from cascade.api.errors import errors
from cascade.api.fields import Id, Note
from cascade.api.pagination import PageParams, page, page_of
from cascade.api.schemas import CommentOut, CommentPage
from cascade.goals import selectors as goal_selectors
from cascade.goals import services

router = Router(tags=["comments"])


class CommentIn(Schema):
    model_config = {"extra": "forbid"}

    body: Note


def _one(me: Any, comment: Any) -> dict[str, Any]:
    [row] = goal_selectors.comment_rows(me, comment.goal, [comment])
    return presenters.comment(row)


@router.get("/goals/{goal_id}/comments", response={200: CommentPage, **errors(400, 401, 404)})
def list_comments(request: HttpRequest, goal_id: Id, paging: Query[PageParams]) -> dict[str, Any]:
    """The goal's comments, oldest first."""
    me = actor(request)
    goal = goal_selectors.get_goal(me, goal_id)
    objects, meta = page_of(goal_selectors.goal_comments(goal), paging)
    return page(
        [presenters.comment(r) for r in goal_selectors.comment_rows(me, goal, objects)], meta
    )


@router.post("/goals/{goal_id}/comments", response={201: CommentOut, **errors(400, 401, 403, 404)})
def create_comment(request: HttpRequest, goal_id: Id, payload: CommentIn) -> Status:
    """Comment on the goal. Empty is `comment_empty`, over 5000 characters `comment_too_long`."""
    me = actor(request)
    goal = goal_selectors.get_goal(me, goal_id)
    comment = services.add_comment(actor=me, goal=goal, body=payload.body)
    comment.goal = goal
    return Status(201, _one(me, comment))


@router.patch("/comments/{comment_id}", response={200: CommentOut, **errors(400, 401, 403, 404)})
def patch_comment(request: HttpRequest, comment_id: Id, payload: CommentIn) -> dict[str, Any]:
    """Rewrite your own comment; someone newly mentioned is told."""
    me = actor(request)
    comment = services.edit_comment(
        actor=me, comment=goal_selectors.get_comment(me, comment_id), body=payload.body
    )
    return _one(me, comment)


@router.delete("/comments/{comment_id}", response={204: None, **errors(400, 401, 403, 404)})
def delete_comment(request: HttpRequest, comment_id: Id) -> HttpResponse:
    """Delete a comment for good: your own, or any as a super user."""
    me = actor(request)
    services.delete_comment(actor=me, comment=goal_selectors.get_comment(me, comment_id))
    return HttpResponse(status=204)
