"""Performance management pages: goal sheets, review cycles, reviews and assessments."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cascade import permissions
from cascade.core.errors import NotFound
from cascade.core.numbers import parse_id
from cascade.goals import selectors as goal_selectors
from cascade.goals.models import KeyResult, State
from cascade.orgs import selectors as org_selectors
from cascade.orgs.models import Member, Period
from cascade.performance import selectors, services
from cascade.performance.models import Phase
from cascade.web.forms import show_errors
from cascade.web.forms.performance import CycleForm, ItemUpdateForm, NewItemForm, SplitForm
from cascade.web.membership import member_view, super_user_view


def _period(member: Member, raw: str | None) -> Period | None:
    """The period asked for, else today's; None for one that is not the organisation's (the
    overview shows no period then, a person's sheet is not found)."""
    if not raw:
        return goal_selectors.current_period(member.organisation_id, member.organisation.today())
    try:
        return org_selectors.get_period(member, raw)
    except NotFound:
        return None


def sheet_url(member: Member, sheet_id: int) -> str:
    return reverse("sheet", kwargs={"org": member.organisation.slug, "sheet_id": sheet_id})


# --------------------------------------------------------------------------- overview


@member_view
def overview(request: HttpRequest, member: Member) -> HttpResponse:
    period = _period(member, request.GET.get("period"))
    reports = list(Member.objects.filter(manager=member, is_active=True).select_related("user"))
    return render(
        request,
        "web/performance/overview.html",
        {
            "period": period,
            "periods": Period.objects.filter(organisation_id=member.organisation_id).order_by(
                "-start"
            ),
            "reviews": list(selectors.reviews_for(member)),
            "reports": reports,
            "cycles": list(selectors.cycles(member))
            if permissions.can_manage_reviews(member)
            else [],
        },
    )


@member_view
def person_sheet(request: HttpRequest, member: Member, member_id: int) -> HttpResponse:
    """A person's sheet for a period (made on first visit), if the viewer may see it."""
    owner = selectors.get_sheet_owner(member, member_id)
    period = _period(member, request.GET.get("period"))
    if period is None:
        raise NotFound("No such goal sheet.")
    sheet = services.sheet_for(owner=owner, period=period)
    return redirect(sheet_url(member, sheet.pk))


# --------------------------------------------------------------------------- goal sheets


def _item_form(member: Member, sheet_owner: Member, data: Any = None) -> NewItemForm:
    form = NewItemForm(data)
    visible = (
        goal_selectors.visible_goals(member).filter(owner=sheet_owner).exclude(state=State.ARCHIVED)
    )
    form.fields["goal"].queryset = visible.order_by("title")  # type: ignore[attr-defined]
    form.fields["key_result"].queryset = (  # type: ignore[attr-defined]
        KeyResult.objects.filter(goal__in=visible)
        .exclude(kind="sum")
        .select_related("goal")
        .order_by("goal__title", "position")
    )
    return form


@member_view
def sheet(request: HttpRequest, member: Member, sheet_id: int) -> HttpResponse:
    goal_sheet = selectors.get_sheet(member, sheet_id)
    form = _item_form(member, goal_sheet.owner, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_sheet_item(
                actor=member,
                sheet=goal_sheet,
                kind=data["kind"],
                weight=data["weight"],
                title=data["title"],
                unit=data["unit"],
                start=data["start"],
                target=data["target"],
                key_result=data["key_result"],
                goal=data["goal"],
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Added to the sheet.")
            return redirect(sheet_url(member, goal_sheet.pk))
    page = selectors.sheet_page(member, goal_sheet)
    return render(
        request,
        "web/performance/sheet.html",
        {
            "page": page,
            "form": form,
            "update_form": ItemUpdateForm(),
            "periods": Period.objects.filter(organisation_id=member.organisation_id).order_by(
                "-start"
            ),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@member_view
def sheet_item(request: HttpRequest, member: Member, item_id: int) -> HttpResponse:
    """Change an item's weight, remove it, or record a new value of an own measure."""
    item = selectors.get_sheet_item(member, item_id)
    action = request.POST.get("action")
    try:
        if action == "remove":
            services.remove_sheet_item(actor=member, item=item)
            messages.success(request, "Removed from the sheet.")
        elif action == "update":
            services.update_sheet_item(
                actor=member,
                item=item,
                value=request.POST.get("value"),
                note=request.POST.get("note", ""),
            )
            messages.success(request, "Value recorded.")
        else:
            services.change_sheet_item(actor=member, item=item, weight=request.POST.get("weight"))
            messages.success(request, "Weight changed.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(sheet_url(member, item.sheet_id))


@require_POST
@member_view
def sheet_comment(request: HttpRequest, member: Member, sheet_id: int) -> HttpResponse:
    goal_sheet = selectors.get_sheet(member, sheet_id)
    try:
        services.comment_on_sheet(actor=member, sheet=goal_sheet, body=request.POST.get("body", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(sheet_url(member, goal_sheet.pk) + "#comments")


# --------------------------------------------------------------------------- cycles (super users)


@super_user_view
def cycle_new(request: HttpRequest, member: Member) -> HttpResponse:
    form = CycleForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cycle = services.create_review_cycle(
                actor=member,
                name=data["name"],
                period=data["period"],
                participation=data["participation"],
                teams=list(data["teams"]),
                people=list(data["people"]),
                competencies=data["competency_list"],
                scale=data["scale_list"],
                goals_weight=data["goals_weight"],
                competencies_weight=data["competencies_weight"],
                self_assessment_starts=data["self_assessment_starts"],
                manager_assessment_starts=data["manager_assessment_starts"],
                calibration_starts=data["calibration_starts"],
                shared_starts=data["shared_starts"],
                closes=data["closes"],
            )
        except ValidationError as error:
            show_errors(form, error, {"scale": "scale_text", "competencies": "competency_text"})
        else:
            messages.success(
                request,
                f"Created “{cycle.name}” with {cycle.reviews.count()} reviews, in planning.",
            )
            return redirect("review-cycle", org=member.organisation.slug, cycle_id=cycle.pk)
    return render(
        request,
        "web/performance/cycle_new.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@super_user_view
def cycle(request: HttpRequest, member: Member, cycle_id: int) -> HttpResponse:
    review_cycle = selectors.get_review_cycle(member, cycle_id)
    split = SplitForm(
        request.POST or None,
        initial={
            "goals_weight": review_cycle.goals_weight,
            "competencies_weight": review_cycle.competencies_weight,
        },
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "advance":
                review_cycle = services.advance_phase(actor=member, cycle=review_cycle)
                messages.success(
                    request, f"The cycle is now in “{review_cycle.get_phase_display()}”."
                )
            elif split.is_valid():
                services.change_review_split(actor=member, cycle=review_cycle, **split.cleaned_data)
                messages.success(request, "Score split saved.")
            if not split.errors:
                return redirect(
                    "review-cycle", org=member.organisation.slug, cycle_id=review_cycle.pk
                )
        except ValidationError as error:
            if request.POST.get("action") == "advance":
                messages.error(request, " ".join(error.messages))
                return redirect(
                    "review-cycle", org=member.organisation.slug, cycle_id=review_cycle.pk
                )
            show_errors(split, error)
    reviews = (
        review_cycle.reviews.select_related("reviewee__user", "manager__user")
        .prefetch_related("assessments")
        .order_by("reviewee__user__full_name")
    )
    phases = list(Phase)
    next_phase = (
        phases[review_cycle.phase_index() + 1] if review_cycle.phase != Phase.CLOSED else None
    )
    return render(
        request,
        "web/performance/cycle.html",
        {
            "cycle": review_cycle,
            "reviews": reviews,
            "split": split,
            "phases": phases,
            "next_phase": next_phase,
        },
        status=400 if split.errors else 200,
    )


# --------------------------------------------------------------------------- reviews


def _ratings(post: Any, prefix: str) -> dict[int, tuple[object, str]]:
    """``c-12-rating`` / ``c-12-comment`` → {12: (rating, comment)}."""
    found: dict[int, tuple[object, str]] = {}
    for key in post:
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == prefix and parts[2] == "rating":
            # A name the page never rendered (c-²-rating, c-abc-rating) is no rating.
            pk = parse_id(parts[1])
            if pk is not None:
                found[pk] = (post.get(key), post.get(f"{prefix}-{parts[1]}-comment", ""))
    return found


@member_view
def review(request: HttpRequest, member: Member, review_id: int) -> HttpResponse:
    the_review = selectors.get_review(member, review_id)
    errors: list[str] = []
    if request.method == "POST":
        assessment = selectors.get_assessment(
            member, request.POST.get("assessment"), review=the_review
        )
        action = request.POST.get("action", "save")
        try:
            if action == "refresh":
                services.refresh_goals_snapshot(actor=member, assessment=assessment)
                messages.success(request, "The goals now show today's figures.")
            elif action == "reopen":
                services.reopen_assessment(actor=member, assessment=assessment)
                messages.success(request, "Reopened.")
            else:
                services.save_assessment(
                    actor=member,
                    assessment=assessment,
                    competency_ratings=_ratings(request.POST, "c"),
                    goal_ratings=_ratings(request.POST, "g") or None,
                    overall_comment=request.POST.get("overall_comment", ""),
                    submit=action == "submit",
                )
                messages.success(
                    request,
                    "Submitted: it is final now." if action == "submit" else "Saved as a draft.",
                )
            return redirect("review", org=member.organisation.slug, review_id=the_review.pk)
        except ValidationError as error:
            errors = error.messages
    page = selectors.review_page(member, the_review)
    return render(
        request,
        "web/performance/review.html",
        {"page": page, "errors": errors},
        status=400 if errors else 200,
    )


# --------------------------------------------------------------------------- the setting


@require_POST
@super_user_view
def goals_in_reviews(request: HttpRequest, member: Member) -> HttpResponse:
    enabled = request.POST.get("include_goals_in_reviews") == "on"
    services.set_goals_in_reviews(actor=member, enabled=enabled)
    messages.success(
        request,
        ("Reviews now include goals" if enabled else "Reviews no longer include goals")
        + " in the cycles still in planning and in new ones; started cycles keep their setting.",
    )
    return redirect("org-settings", org=member.organisation.slug)
