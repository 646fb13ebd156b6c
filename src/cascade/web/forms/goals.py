"""Forms for goals, key results, alignment, closing and check-ins.

They only parse; every rule (who may, what is valid) is the services'.
"""

from __future__ import annotations

from typing import Any

from django import forms

from cascade.goals.models import Goal, KeyResult, Outcome, Visibility
from cascade.orgs.models import Member, Period, Team
from cascade.progress import Direction, Kind
from cascade.web.forms import ModelMultipleChoiceField, shown_if

KIND_CHOICES = [
    # Short enough to show whole in a phone's dropdown; KIND_HELP says the rest.
    (Kind.METRIC.value, "Metric: start → target"),
    (Kind.MILESTONE.value, "Milestone: done or not"),
    (Kind.THRESHOLD.value, "Threshold: stay above/below"),
    (Kind.SUM.value, "Sum of linked key results"),
]
KIND_HELP = "A sum adds up the key results linked under it (“Adds into”)."
DIRECTION_CHOICES = [
    ("", "—"),
    (Direction.ABOVE.value, "Stay at or above"),
    (Direction.BELOW.value, "Stay at or below"),
]
# Its options are long: in a row of fields it takes two columns, so they show whole (cascade.css).
WIDE_SELECT = forms.Select(attrs={"class": "wide"})
CONFIDENCE_CHOICES = [("", "—"), *[(str(i), str(i)) for i in range(11)]]


def number_input(**attrs: Any) -> forms.TextInput:
    """A text box for numbers: type=text with a decimal keypad, so "1,5" or "2.5" reach our parser."""
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", **attrs})


# The kinds of key result that have a start, a target and a unit; only thresholds a direction.
MEASURED_KINDS = (Kind.METRIC.value, Kind.THRESHOLD.value, Kind.SUM.value)


def needed_by_some_kinds(field: forms.Field) -> forms.Field:
    """Not required by every kind of KR (a milestone has no target), so not marked optional either."""
    field.hide_optional = True  # type: ignore[attr-defined]
    return field


class OrganisationChoices(forms.Form):
    """A form whose choice fields list only the member's own organisation's rows."""

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member = member
        org = member.organisation_id
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = field.queryset.filter(organisation_id=org)  # type: ignore[union-attr]
            if name == "owner":
                field.queryset = field.queryset.filter(is_active=True).select_related("user")  # type: ignore[attr-defined]


class GoalForm(OrganisationChoices):
    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autofocus": True}))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(Member.objects.all(), empty_label=None)
    team = forms.ModelChoiceField(Team.objects.all(), required=False, empty_label="No team")
    period = forms.ModelChoiceField(Period.objects.all(), empty_label=None)
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.PUBLIC)
    start_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Only if the goal runs shorter than its period.",
    )
    end_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class KeyResultForm(OrganisationChoices):
    title = forms.CharField(max_length=200, label="Key result")
    kind = forms.ChoiceField(
        choices=KIND_CHOICES,
        initial=Kind.METRIC.value,
        label="Type",
        widget=WIDE_SELECT,
        help_text=KIND_HELP,
    )
    start = shown_if(
        needed_by_some_kinds(
            forms.CharField(required=False, widget=number_input(), initial="0", label="Start value")
        ),
        "kind",
        *MEASURED_KINDS,
    )
    target = shown_if(
        needed_by_some_kinds(
            forms.CharField(
                required=False,
                widget=number_input(),
                label="Target",
                help_text="For a threshold: the line to stay on the right side of.",
            )
        ),
        "kind",
        *MEASURED_KINDS,
    )
    unit = shown_if(
        forms.CharField(required=False, max_length=20, help_text="For example %, €, days."),
        "kind",
        *MEASURED_KINDS,
    )
    direction = shown_if(
        forms.ChoiceField(choices=DIRECTION_CHOICES, required=False, help_text="Thresholds only."),
        "kind",
        Kind.THRESHOLD.value,
    )
    weight = forms.CharField(
        widget=number_input(),
        initial="1",
        help_text="How much it counts in the goal, relative to the others.",
    )
    rollup_into = forms.ModelChoiceField(
        KeyResult.objects.filter(kind=Kind.SUM.value),
        required=False,
        label="Adds into",
        help_text="A sum key result this one's value adds into.",
    )


class NewGoalForm(GoalForm):
    """A goal with its first key result and, optionally, the senior goal it contributes to."""

    kr_title = forms.CharField(max_length=200, required=False, label="First key result")
    kr_kind = forms.ChoiceField(
        choices=KIND_CHOICES, initial=Kind.METRIC.value, label="Type", widget=WIDE_SELECT
    )
    kr_start = shown_if(
        needed_by_some_kinds(
            forms.CharField(required=False, widget=number_input(), initial="0", label="Start value")
        ),
        "kr_kind",
        *MEASURED_KINDS,
    )
    kr_target = shown_if(
        needed_by_some_kinds(
            forms.CharField(required=False, widget=number_input(), label="Target")
        ),
        "kr_kind",
        *MEASURED_KINDS,
    )
    kr_unit = shown_if(
        forms.CharField(required=False, max_length=20, label="Unit"), "kr_kind", *MEASURED_KINDS
    )
    kr_direction = shown_if(
        forms.ChoiceField(choices=DIRECTION_CHOICES, required=False, label="Direction"),
        "kr_kind",
        Kind.THRESHOLD.value,
    )
    senior_goal = forms.ModelChoiceField(
        Goal.objects.all(), required=False, widget=forms.HiddenInput
    )
    weight = forms.CharField(widget=number_input(), initial="1", label="Weight in the senior goal")

    KEY_RESULT_FIELDS = {
        "title": "kr_title",
        "kind": "kr_kind",
        "start": "kr_start",
        "target": "kr_target",
        "unit": "kr_unit",
        "direction": "kr_direction",
    }


class AlignForm(OrganisationChoices):
    senior_goal = forms.ModelChoiceField(
        Goal.objects.all(),
        widget=forms.HiddenInput,
        error_messages={"required": "Choose the goal this one contributes to."},
    )
    weight = forms.CharField(
        widget=number_input(),
        initial="1",
        help_text="How much this goal counts in the senior goal, relative to its other contributors.",
    )


class CloseForm(forms.Form):
    score = forms.CharField(
        widget=number_input(), help_text="From 0 % (nothing) to 100 % (fully achieved)."
    )
    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.RadioSelect)
    retrospective = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), label="What did we learn?"
    )


class CheckInForm(forms.Form):
    """One key result's check-in. ``done`` stands in for the value of a milestone.

    ``done`` and ``confidence`` are prefilled, so they also send the value the page showed
    (``show_hidden_initial``): a row counts as changed against what the person saw, not against
    the key result now, which someone else may have checked in on meanwhile.
    """

    value = forms.CharField(required=False, widget=number_input())
    done = forms.BooleanField(required=False, show_hidden_initial=True)
    confidence = forms.ChoiceField(
        choices=CONFIDENCE_CHOICES,
        required=False,
        show_hidden_initial=True,
        help_text="0 (no chance) to 10 (certain).",
    )
    note = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.TextInput(attrs={"placeholder": "What moved, what blocks?"}),
    )

    def __init__(
        self, *args: Any, key_result: KeyResult, synced_from: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.key_result = key_result
        # A key result synced from a data source ("Jira") takes no value by hand: the next sync
        # would overwrite it. A confidence or a note is still checked in, with the current value.
        self.synced_from = synced_from
        if synced_from:
            self.fields["value"].disabled = True

    @property
    def is_milestone(self) -> bool:
        return self.key_result.kind == Kind.MILESTONE.value

    def value_to_record(self) -> object:
        """The value to save. Without a new value (only a confidence or a note), the current one."""
        if self.is_milestone:
            return 1 if self.cleaned_data["done"] else 0
        typed = str(self.cleaned_data["value"]).strip()
        if typed:
            return typed
        kr = self.key_result
        return kr.current if kr.current is not None else kr.start

    def is_blank(self) -> bool:
        """Nothing changed on this row: the key result is skipped in a batch check-in."""
        return not self.has_changed()


class CopyGoalsForm(OrganisationChoices):
    source = forms.ModelChoiceField(Period.objects.all(), empty_label=None, label="From period")
    target = forms.ModelChoiceField(Period.objects.all(), empty_label=None, label="Into period")
    goals = ModelMultipleChoiceField(
        Goal.objects.all(), widget=forms.CheckboxSelectMultiple, required=False
    )


class CommentForm(forms.Form):
    """A comment's Markdown; what counts as empty or too long is the service's to say."""

    body = forms.CharField(
        label="Comment",
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": "Write a comment. Markdown works: **bold**, _italic_, lists, links.",
            }
        ),
    )
