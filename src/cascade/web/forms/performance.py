"""Forms for goal sheets and review cycles. They parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from cascade.core.numbers import ascii_int
from cascade.goals.models import Goal, KeyResult
from cascade.orgs.models import Member, Period, Team
from cascade.performance.models import ItemKind, Participation
from cascade.web.forms import ModelMultipleChoiceField, shown_if
from cascade.web.forms.goals import number_input

DEFAULT_SCALE = "1 Below expectations\n2 Partly meets expectations\n3 Meets expectations\n4 Exceeds expectations\n5 Outstanding"
DEFAULT_COMPETENCIES = (
    "Ownership: takes responsibility for outcomes, not just tasks\n"
    "Collaboration: makes the people around them better\n"
    "Craft: does excellent work and keeps learning"
)


class NewItemForm(forms.Form):
    kind = forms.ChoiceField(
        choices=ItemKind.choices,
        initial=ItemKind.MEASURE,
        widget=forms.RadioSelect,
        label="Measured by",
    )
    weight = forms.CharField(
        widget=number_input(), initial="10", help_text="Its share of your total target value."
    )
    # Each kind's own fields; cascade.js shows only the chosen kind's (web.forms.shown_if).
    title = shown_if(
        forms.CharField(required=False, max_length=200, help_text="For an own measure."),
        "kind",
        ItemKind.MEASURE,
    )
    unit = shown_if(forms.CharField(required=False, max_length=20), "kind", ItemKind.MEASURE)
    start = shown_if(
        forms.CharField(required=False, widget=number_input(), initial="0"),
        "kind",
        ItemKind.MEASURE,
    )
    target = shown_if(
        forms.CharField(required=False, widget=number_input()), "kind", ItemKind.MEASURE
    )
    key_result = shown_if(
        forms.ModelChoiceField(KeyResult.objects.none(), required=False, label="Key result"),
        "kind",
        ItemKind.KEY_RESULT,
    )
    goal = shown_if(
        forms.ModelChoiceField(Goal.objects.none(), required=False, label="Goal"),
        "kind",
        ItemKind.GOAL,
    )


class ItemUpdateForm(forms.Form):
    value = forms.CharField(widget=number_input(size=8))
    note = forms.CharField(required=False, max_length=5000)


class SplitForm(forms.Form):
    goals_weight = forms.CharField(widget=number_input(), label="Goals weight")
    competencies_weight = forms.CharField(widget=number_input(), label="Competencies weight")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class CycleForm(forms.Form):
    name = forms.CharField(max_length=120)
    period = forms.ModelChoiceField(
        Period.objects.none(), label="Period under review", empty_label=None
    )
    participation = forms.ChoiceField(
        choices=Participation.choices, initial=Participation.EVERYONE, widget=forms.RadioSelect
    )
    teams = ModelMultipleChoiceField(
        Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    people = ModelMultipleChoiceField(
        Member.objects.none(), required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    competency_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        initial=DEFAULT_COMPETENCIES,
        label="Competencies",
        help_text="One per line: “Name: what good looks like”.",
    )
    scale_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        initial=DEFAULT_SCALE,
        label="Rating scale",
        help_text="One level per line: a whole number, then its label.",
    )
    goals_weight = forms.CharField(
        widget=number_input(), initial="0.5", help_text="When reviews include goals."
    )
    competencies_weight = forms.CharField(widget=number_input(), initial="0.5")
    self_assessment_starts = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    manager_assessment_starts = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    calibration_starts = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    shared_starts = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Shared from"
    )
    closes = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = member.organisation_id
        choices: dict[str, Any] = {
            "period": Period.objects.filter(organisation_id=org).order_by("-start"),
            "teams": Team.objects.filter(organisation_id=org).order_by("name"),
            "people": Member.objects.filter(organisation_id=org, is_active=True)
            .select_related("user")
            .order_by("user__full_name"),
        }
        for name, queryset in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset

    def clean_competency_text(self) -> str:
        text: str = self.cleaned_data["competency_text"]
        self.cleaned_data["competency_list"] = [
            (name.strip(), description.strip())
            for name, _, description in (line.partition(":") for line in _lines(text))
        ]
        return text

    def clean_scale_text(self) -> str:
        text: str = self.cleaned_data["scale_text"]
        levels = []
        for line in _lines(text):
            raw, _, label = line.partition(" ")
            value = ascii_int(raw)
            if value is None or value < 0 or not label.strip():
                raise forms.ValidationError(
                    f"“{line}” is not a level: start with a whole number, then the label."
                )
            levels.append((value, label.strip()))
        self.cleaned_data["scale_list"] = levels
        return text
