"""Checking in: all my key results on one screen, one KR inline on its goal page, and the preview."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cascade.core.numbers import parse_number
from cascade.goals import selectors, services
from cascade.integrations.selectors import synced_key_results
from cascade.orgs.models import Member
from cascade.progress import Kind, attainment, progress
from cascade.web.forms import show_errors
from cascade.web.forms.goals import CheckInForm
from cascade.web.membership import member_view
from cascade.web.views.goals import render_goal_main


def _forms(member: Member, data: object = None) -> list[CheckInForm]:
    key_results = list(selectors.my_key_results(member))
    synced = synced_key_results(member.organisation_id, [kr.pk for kr in key_results])
    return [
        CheckInForm(
            data,
            key_result=kr,
            synced_from=synced.get(kr.pk, ""),
            prefix=f"kr{kr.pk}",
            # As the choice field's strings: an int 6 never equals the "6" sent back.
            initial={
                "done": bool(kr.current),
                "confidence": "" if kr.confidence is None else str(kr.confidence),
            },
        )
        for kr in key_results
    ]


@member_view
def batch(request: HttpRequest, member: Member) -> HttpResponse:
    """Every key result of mine on one page; save once. Afterwards, what moved above them."""
    if request.method != "POST":
        return render(request, "web/checkins/batch.html", {"forms": _forms(member)})
    forms = _forms(member, request.POST)
    entries = []
    for form in forms:
        if form.is_valid() and not form.is_blank():
            entries.append(
                {
                    "key_result": form.key_result,
                    "value": form.value_to_record(),
                    "confidence": form.cleaned_data["confidence"],
                    "note": form.cleaned_data["note"],
                }
            )
    if any(form.errors for form in forms):
        return render(request, "web/checkins/batch.html", {"forms": forms}, status=400)
    if not entries:
        messages.info(request, "Nothing to save: enter a value, a confidence or a note first.")
        return redirect("check-in", org=member.organisation.slug)

    try:
        batch = services.check_in_many(actor=member, entries=entries)
    except ValidationError as error:
        by_kr = {form.key_result.pk: form for form in forms}
        for key, problems in error.message_dict.items():
            kr_id, _, field = key.partition(".")
            form = by_kr[int(kr_id)]
            form.add_error(field if field in form.fields else None, problems)
        return render(request, "web/checkins/batch.html", {"forms": forms}, status=400)

    # What moved may include goals above that this person may not see (private ones).
    visible = selectors.visible_goals(member).filter(pk__in=[m.goal.pk for m in batch.moved])
    shown = {goal.pk: goal for goal in visible.select_related("owner__user")}
    rows = [
        (shown[m.goal.pk], m.before, m.after, m.checked_in)
        for m in batch.moved
        if m.goal.pk in shown
    ]
    return render(request, "web/checkins/saved.html", {"count": len(entries), "rows": rows})


@require_GET
@member_view
def preview(request: HttpRequest, member: Member, kr_id: int) -> HttpResponse:
    """The progress a value would give, computed by the same rules as the saved one."""
    kr = selectors.get_key_result(member, kr_id)
    # The inputs keep their form names (``kr12-value``, ``kr12-done``), so match on the ending.
    fields = {name: request.GET.get(name, "") for name in request.GET}
    done = any(name.endswith("done") and value == "on" for name, value in fields.items())
    typed = next((value for name, value in fields.items() if name.endswith("value")), "")
    raw = "1" if done else typed.strip()
    if kr.kind == Kind.MILESTONE and not raw:
        raw = "0"
    if not raw:
        return HttpResponse("")
    try:
        value = parse_number(raw, "value", unit=kr.unit)
    except ValidationError as error:
        message = error.message_dict["value"][0]
        return render(request, "web/checkins/preview.html", {"error": message})
    new = replace(kr.values, current=value)
    return render(
        request,
        "web/checkins/preview.html",
        {"before": progress(kr.values), "after": progress(new), "attainment": attainment(new)},
    )


@require_POST
@member_view
def inline(request: HttpRequest, member: Member, kr_id: int) -> HttpResponse:
    """One key result's check-in from its goal page: htmx swaps the goal's figures in place."""
    kr = selectors.get_key_result(member, kr_id)
    synced = synced_key_results(member.organisation_id, [kr.pk]).get(kr.pk, "")
    form = CheckInForm(request.POST, key_result=kr, synced_from=synced, prefix=f"kr{kr.pk}")
    saved = False
    if form.is_valid():
        try:
            services.check_in(
                actor=member,
                key_result=kr,
                value=form.value_to_record(),
                confidence=form.cleaned_data["confidence"],
                note=form.cleaned_data["note"],
            )
            saved = True
        except ValidationError as error:
            show_errors(form, error)
    if request.headers.get("HX-Request"):
        # Saved: fresh, empty forms. Refused: the form again, with its errors next to the fields.
        return render_goal_main(request, member, kr.goal_id, failed_form=None if saved else form)
    if saved:
        messages.success(request, f"Checked in on “{kr.title}”.")
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(
        reverse("goal-detail", kwargs={"org": member.organisation.slug, "goal_id": kr.goal_id})
    )
