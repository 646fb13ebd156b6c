"""Comments on a goal: adding one (on the goal page), editing and deleting your own, and the
people the @mention picker offers (JSON, for cascade.js)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cascade import permissions
from cascade.core import markdown
from cascade.goals import selectors, services
from cascade.goals.models import Goal
from cascade.orgs.models import Member
from cascade.web.forms import show_errors
from cascade.web.forms.goals import CommentForm
from cascade.web.membership import member_view

SHOWN = 200  # the newest comments the goal page shows; the API pages through them all


def comments_context(member: Member, goal: Goal, form: CommentForm | None = None) -> dict[str, Any]:
    """The goal page's comments section: two queries (comments, their mentions) however many."""
    newest = list(selectors.goal_comments(goal).order_by("-created_at", "-id")[: SHOWN + 1])
    shown = newest[:SHOWN][::-1]
    return {
        "comments": selectors.comment_rows(member, goal, shown),
        "more_comments": len(newest) > SHOWN,
        "comment_form": form or CommentForm(),
    }


def _goal_url(member: Member, goal_id: int, comment_id: int | None = None) -> str:
    url = reverse("goal-detail", kwargs={"org": member.organisation.slug, "goal_id": goal_id})
    return f"{url}#comment-{comment_id}" if comment_id else f"{url}#comments"


@require_POST
@member_view
def add(request: HttpRequest, member: Member, goal_id: int) -> HttpResponse:
    from cascade.web.views.goals import goal_main_context  # it shows this section: no cycle

    goal = selectors.get_goal(member, goal_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.add_comment(actor=member, goal=goal, body=form.cleaned_data["body"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Comment added.")
            return redirect(_goal_url(member, goal.pk, comment.pk))
    context = goal_main_context(member, goal_id) | comments_context(member, goal, form)
    return render(request, "web/goals/detail.html", context, status=400)


@member_view
def edit(request: HttpRequest, member: Member, comment_id: int) -> HttpResponse:
    comment = selectors.get_comment(member, comment_id)
    permissions.require(
        permissions.can_edit_comment(member, comment.author_id), services.COMMENT_AUTHOR_ONLY
    )
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_comment(actor=member, comment=comment, body=form.cleaned_data["body"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Comment saved.")
            return redirect(_goal_url(member, comment.goal_id, comment.pk))
    return render(
        request,
        "web/goals/comment_edit.html",
        {"form": form, "comment": comment, "goal": comment.goal},
        status=400 if form.errors else 200,
    )


@require_POST
@member_view
def delete(request: HttpRequest, member: Member, comment_id: int) -> HttpResponse:
    comment = selectors.get_comment(member, comment_id)
    services.delete_comment(actor=member, comment=comment)
    messages.success(request, "Comment deleted.")
    return redirect(_goal_url(member, comment.goal_id))


@require_GET
@member_view
def mention_search(request: HttpRequest, member: Member, goal_id: int) -> JsonResponse:
    """``?q=`` → the people a comment on this goal may mention, with the text to insert."""
    goal = selectors.get_goal(member, goal_id)
    query = request.GET.get("q", "")[:100]
    people = selectors.mention_candidates(member, goal, query) if query.strip() else []
    return JsonResponse(
        {
            "people": [
                {
                    "id": person.pk,
                    "name": person.name,
                    "title": person.title,
                    "insert": f"{markdown.mention_token(person.name)}(member:{person.pk}) ",
                }
                for person in people
            ]
        }
    )
