"""Goals: the list, the goal page with “Why this number?”, and every change to a goal."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cascade import permissions
from cascade.audit.selectors import goal_trail
from cascade.core import formatting
from cascade.core.errors import NotFound
from cascade.core.numbers import parse_id, parse_weight
from cascade.core.text import search_words
from cascade.goals import selectors, services
from cascade.goals.explanations import explain_goal
from cascade.goals.models import Goal, KeyResult, State
from cascade.goals.previews import Move, alignment_preview
from cascade.goals.timeline import checkin_history, forecast_for, progress_history
from cascade.integrations.selectors import synced_goals
from cascade.orgs.models import Member, Period, Team, name_contains
from cascade.progress import OPEN_STATES, Status
from cascade.web.charts import progress_chart
from cascade.web.forms import show_errors
from cascade.web.forms.goals import (
    AlignForm,
    CheckInForm,
    CloseForm,
    CopyGoalsForm,
    GoalForm,
    KeyResultForm,
    NewGoalForm,
)
from cascade.web.membership import member_view
from cascade.web.views.comments import comments_context

PAGE_SIZE = 50


def goal_url(member: Member, goal_id: int) -> str:
    return reverse("goal-detail", kwargs={"org": member.organisation.slug, "goal_id": goal_id})


# --------------------------------------------------------------------------- list


@member_view
def goal_list(request: HttpRequest, member: Member) -> HttpResponse:
    today = member.organisation.today()
    org = member.organisation_id
    periods = list(Period.objects.filter(organisation_id=org).order_by("-start", "end"))
    current = selectors.current_period(org, today)
    raw_period = request.GET.get("period")
    status = request.GET.get("status", "")
    filters = selectors.GoalFilters(
        period=None
        if raw_period == "all"
        else (parse_id(raw_period) or (current.pk if current else None)),
        team=parse_id(request.GET.get("team")),
        owner=parse_id(request.GET.get("owner")),
        state=request.GET.get("state") if request.GET.get("state") in State.values else None,
        status=Status(status) if status in {s.value for s in Status} else None,
        search=request.GET.get("q", "")[:100],
    )
    page = Paginator(selectors.goal_list(member, filters, today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        (goal, selectors.standing(goal, member.organisation, today)) for goal in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "periods": periods,
        "teams": Team.objects.filter(organisation_id=org).order_by("name"),
        "owners": Member.objects.filter(organisation_id=org, is_active=True).select_related("user"),
        "states": State.choices,
        "statuses": [(s.value, s.label) for s in Status],
        "query": request.GET.copy(),
        "synced": synced_goals(org, [goal.pk for goal, _ in rows]),
    }
    return render(request, "web/goals/list.html", context)


# --------------------------------------------------------------------------- goal page


def goal_main_context(
    member: Member, goal_id: int, failed_form: CheckInForm | None = None
) -> dict[str, Any]:
    """What the goal page's top part shows: figures, key results with their check-in forms, the why."""
    today = member.organisation.today()
    detail = selectors.goal_detail(member, goal_id, today)
    goal = detail.goal
    history = progress_history(goal)
    forecast = forecast_for(goal, history)
    can_edit = permissions.can_edit_goal(member, goal)
    open_for_checkins = can_edit and goal.state in OPEN_STATES
    forms = {}
    if open_for_checkins:
        for row in detail.key_results:
            kr = row.key_result
            if kr.kind != "sum":
                form = failed_form if failed_form and failed_form.key_result.pk == kr.pk else None
                forms[kr.pk] = form or CheckInForm(
                    key_result=kr,
                    prefix=f"kr{kr.pk}",
                    initial={"done": bool(kr.current), "confidence": kr.confidence},
                )
    links = [*detail.contributors, *detail.parents]
    return {
        "detail": detail,
        "goal": goal,
        "checkins": checkin_history(goal, limit=50),
        "trail": goal_trail(goal, limit=50),
        # A link to a hidden goal cannot be reached by its id (``get_contribution``): no form.
        "can_align": {
            row.contribution.pk: row.visible
            and permissions.can_align(member, row.contribution.junior, row.contribution.senior)
            for row in links
        },
        "forecast": forecast,
        "history": history,
        "chart": progress_chart(
            history, goal.starts, goal.ends, today, forecast, goal.expected_from
        ),
        "explanation": explain_goal(member, goal),
        "can_edit": can_edit,
        "checkin_forms": forms,
        "kr_rows": [(row, forms.get(row.key_result.pk)) for row in detail.key_results],
        "today": today,
    }


def render_goal_main(
    request: HttpRequest, member: Member, goal_id: int, failed_form: CheckInForm | None = None
) -> HttpResponse:
    return render(request, "web/goals/main.html", goal_main_context(member, goal_id, failed_form))


@member_view
def detail(request: HttpRequest, member: Member, goal_id: int) -> HttpResponse:
    context = goal_main_context(member, goal_id)
    return render(
        request, "web/goals/detail.html", context | comments_context(member, context["goal"])
    )


@require_GET
@member_view
def why(request: HttpRequest, member: Member, goal_id: int) -> HttpResponse:
    """“Why this number?” now, or at the end of any past day (``?as_of=YYYY-MM-DD``)."""
    goal = selectors.get_goal(member, goal_id)
    as_of = None
    error = ""
    raw = request.GET.get("as_of", "").strip()
    if raw:
        try:
            as_of = date.fromisoformat(raw)
        except ValueError:
            error = "Enter a date as YYYY-MM-DD."
    # htmx swaps the explanation into the goal page; opened directly, it is a page of its own.
    template = (
        "web/goals/why.html" if request.headers.get("HX-Request") else "web/goals/why_page.html"
    )
    return render(
        request,
        template,
        {
            "goal": goal,
            "explanation": explain_goal(member, goal, as_of=as_of),
            "as_of": as_of,
            "error": error,
            "today": member.organisation.today(),
        },
    )


# --------------------------------------------------------------------------- create and edit


def _goal_fields(form: GoalForm) -> dict[str, Any]:
    fields = (
        "title",
        "description",
        "owner",
        "team",
        "period",
        "visibility",
        "start_date",
        "end_date",
    )
    return {name: form.cleaned_data[name] for name in fields}


@member_view
def create(request: HttpRequest, member: Member) -> HttpResponse:
    today = member.organisation.today()
    senior = None
    if request.GET.get("under"):
        senior = (
            selectors.visible_goals(member).filter(pk=parse_id(request.GET["under"]) or 0).first()
        )
    initial = {
        "owner": member,
        "period": selectors.current_period(member.organisation_id, today),
        "senior_goal": senior,
    }
    form = NewGoalForm(request.POST or None, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        key_result = None
        if data["kr_title"].strip():
            key_result = {
                name: data[field] for name, field in NewGoalForm.KEY_RESULT_FIELDS.items()
            }
        try:
            goal = services.start_goal(
                actor=member,
                key_result=key_result,
                senior=data["senior_goal"],
                weight=data["weight"],
                **_goal_fields(form),
            )
        except ValidationError as error:
            aliases = {f"key_result.{k}": v for k, v in NewGoalForm.KEY_RESULT_FIELDS.items()}
            show_errors(form, error, aliases)
        else:
            state = (
                "active"
                if goal.state == State.ACTIVE
                else "a draft: add a key result to activate it"
            )
            messages.success(request, f"Created “{goal.title}”; it is {state}.")
            return redirect(goal_url(member, goal.pk))
    chosen = (
        form.cleaned_data.get("senior_goal")
        if form.is_bound and hasattr(form, "cleaned_data")
        else senior
    )
    return render(
        request,
        "web/goals/create.html",
        {"form": form, "senior": chosen},
        status=400 if form.errors else 200,
    )


def _editable_goal(member: Member, goal_id: int) -> Goal:
    goal = selectors.get_goal(member, goal_id)
    permissions.require(permissions.can_edit_goal(member, goal), services.OWNER_ONLY)
    return goal


@member_view
def edit(request: HttpRequest, member: Member, goal_id: int) -> HttpResponse:
    goal = _editable_goal(member, goal_id)
    initial = {name: getattr(goal, name) for name in GoalForm.base_fields}
    form = GoalForm(request.POST or None, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_goal(actor=member, goal=goal, **_goal_fields(form))
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect(goal_url(member, goal.pk))
    return render(
        request,
        "web/goals/edit.html",
        {"form": form, "goal": goal},
        status=400 if form.errors else 200,
    )


@member_view
def add_key_result(request: HttpRequest, member: Member, goal_id: int) -> HttpResponse:
    goal = _editable_goal(member, goal_id)
    form = KeyResultForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_key_result(actor=member, goal=goal, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Key result added.")
            return redirect(goal_url(member, goal.pk))
    context = {"form": form, "goal": goal, "key_result": None}
    return render(
        request, "web/goals/key_result_form.html", context, status=400 if form.errors else 200
    )


def _editable_key_result(member: Member, kr_id: int) -> KeyResult:
    kr = selectors.get_key_result(member, kr_id)
    permissions.require(permissions.can_edit_goal(member, kr.goal), services.OWNER_ONLY)
    return kr


@member_view
def edit_key_result(request: HttpRequest, member: Member, kr_id: int) -> HttpResponse:
    kr = _editable_key_result(member, kr_id)
    initial = {name: getattr(kr, name) for name in KeyResultForm.base_fields}
    form = KeyResultForm(request.POST or None, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {
            name: value for name, value in form.cleaned_data.items() if name in form.changed_data
        }
        try:
            services.update_key_result(actor=member, key_result=kr, **changes)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Key result saved.")
            return redirect(goal_url(member, kr.goal_id))
    context = {"form": form, "goal": kr.goal, "key_result": kr}
    return render(
        request, "web/goals/key_result_form.html", context, status=400 if form.errors else 200
    )


@require_POST
@member_view
def remove_key_result(request: HttpRequest, member: Member, kr_id: int) -> HttpResponse:
    kr = _editable_key_result(member, kr_id)
    try:
        services.remove_key_result(actor=member, key_result=kr)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Removed “{kr.title}”.")
    return redirect(goal_url(member, kr.goal_id))


# --------------------------------------------------------------------------- states


STATE_ACTIONS = {
    "activate": (services.activate_goal, "Activated."),
    "reopen": (services.reopen_goal, "Reopened."),
    "archive": (
        services.archive_goal,
        "Archived: it no longer counts anywhere. You can restore it.",
    ),
    "restore": (services.restore_goal, "Restored."),
}


@require_POST
@member_view
def change_state(request: HttpRequest, member: Member, goal_id: int, action: str) -> HttpResponse:
    if action not in STATE_ACTIONS:
        raise NotFound("No such action.")
    goal = selectors.get_goal(member, goal_id)
    service, message = STATE_ACTIONS[action]
    try:
        service(actor=member, goal=goal)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, message)
    return redirect(goal_url(member, goal.pk))


@member_view
def close(request: HttpRequest, member: Member, goal_id: int) -> HttpResponse:
    goal = _editable_goal(member, goal_id)
    initial = {"score": formatting.percent1(goal.progress) if goal.progress is not None else ""}
    form = CloseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_goal(actor=member, goal=goal, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Closed. Its progress now stays as it is.")
            return redirect(goal_url(member, goal.pk))
    return render(
        request,
        "web/goals/close.html",
        {"form": form, "goal": goal},
        status=400 if form.errors else 200,
    )


# --------------------------------------------------------------------------- alignment


@require_GET
@member_view
def search(request: HttpRequest, member: Member) -> HttpResponse:
    """The goal picker's results: goals to align under, by words in their title (htmx fragment)."""
    words = search_words(request.GET.get("q", ""), limit=6)
    exclude = parse_id(request.GET.get("exclude"))
    goals = (
        selectors.visible_goals(member)
        .exclude(state=State.ARCHIVED)
        .select_related("owner__user", "period")
    )
    for word in words:
        goals = goals.filter(Q(title__icontains=word) | name_contains(word, "owner__"))
    if exclude:
        goals = goals.exclude(pk=exclude)
    return render(request, "web/goals/search_results.html", {"goals": goals.order_by("title")[:20]})


@member_view
def align(request: HttpRequest, member: Member, goal_id: int) -> HttpResponse:
    """Align under a senior goal. When that would move the progress of goals above, the page
    first shows the moves and asks to confirm them (``confirm`` names the goal and weight seen)."""
    goal = selectors.get_goal(member, goal_id)
    form = AlignForm(request.POST or None, member=member)
    moves: list[Move] | None = None
    confirm = ""
    if request.method == "POST" and form.is_valid():
        senior = form.cleaned_data["senior_goal"]
        if not selectors.visible_goals(member).filter(pk=senior.pk).exists():
            raise NotFound("No such goal.")
        try:
            weight = parse_weight(form.cleaned_data["weight"])
            moves = alignment_preview(member, junior=goal, senior=senior, weight=weight)
            confirm = f"{senior.pk}:{weight}"
            if not moves or request.POST.get("confirm") == confirm:
                services.align_goal(actor=member, junior=goal, senior=senior, weight=weight)
                messages.success(request, f"“{goal.title}” now contributes to “{senior.title}”.")
                return redirect(goal_url(member, goal.pk))
        except ValidationError as error:
            moves = None
            show_errors(form, error)
    return render(
        request,
        "web/goals/align.html",
        {"form": form, "goal": goal, "moves": moves, "confirm": confirm},
        status=400 if form.errors else 200,
    )


@require_POST
@member_view
def contribution(request: HttpRequest, member: Member, contribution_id: int) -> HttpResponse:
    """Change a link's weight, or remove the link (``action=remove``)."""
    link = selectors.get_contribution(member, contribution_id)
    back = request.POST.get("back")
    goal_id = link.senior_id if back == "senior" else link.junior_id
    try:
        if request.POST.get("action") == "remove":
            services.remove_contribution(actor=member, contribution=link)
            messages.success(
                request, f"“{link.junior.title}” no longer contributes to “{link.senior.title}”."
            )
        else:
            services.change_contribution_weight(
                actor=member, contribution=link, weight=request.POST.get("weight")
            )
            messages.success(request, "Weight changed.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(goal_url(member, goal_id))


# --------------------------------------------------------------------------- next period


@member_view
def copy_unfinished(request: HttpRequest, member: Member) -> HttpResponse:
    """Copy unfinished goals of one period into another, with their KRs and alignment."""
    today = member.organisation.today()
    periods = Period.objects.filter(organisation_id=member.organisation_id).order_by("start")
    current = selectors.current_period(member.organisation_id, today)
    # The goals offered depend on the source period, and the form may only accept those: find
    # the source first, then validate once (a form caches its first validation).
    asked = request.POST.get("source") if request.method == "POST" else request.GET.get("source")
    source = periods.filter(pk=parse_id(asked) or 0).first() if asked else None
    source = source or current
    following = periods.filter(start__gt=source.end).first() if source else None
    candidates = (
        selectors.visible_goals(member)
        .filter(period=source, state=State.ACTIVE)
        .filter(Q(progress__lt=1) | Q(progress__isnull=True))
        .select_related("owner__user")
        .order_by("title")
    )
    editable = [g for g in candidates if permissions.can_edit_goal(member, g)]
    form = CopyGoalsForm(
        request.POST or None, member=member, initial={"source": source, "target": following}
    )
    form.fields["goals"].queryset = Goal.objects.filter(pk__in=[g.pk for g in editable])  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        chosen = list(form.cleaned_data["goals"])
        if not chosen:
            form.add_error("goals", "Choose at least one goal to copy.")
        else:
            try:
                copied = services.copy_goals(
                    actor=member, goals=chosen, period=form.cleaned_data["target"]
                )
            except ValidationError as error:
                show_errors(form, error, aliases={"period": "target"})
            else:
                into = form.cleaned_data["target"].name
                if copied.copies:
                    messages.success(request, f"Copied {len(copied.copies)} goal(s) into {into}.")
                if copied.already_there:
                    titles = ", ".join(f"“{g.title}”" for g in copied.already_there)
                    messages.info(request, f"Already copied into {into} before: {titles}.")
                url = reverse("goal-list", kwargs={"org": member.organisation.slug})
                return redirect(f"{url}?period={form.cleaned_data['target'].pk}")
    return render(
        request,
        "web/goals/copy.html",
        {"form": form, "candidates": editable, "source": source},
        status=400 if form.errors else 200,
    )
