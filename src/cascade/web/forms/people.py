"""Forms of the people, teams, periods and settings pages.

They only parse what a super user types; the services decide what is allowed and valid. Every
choice (a manager, a parent team, a period) is limited to the member's own organisation, so an
id from elsewhere is "not one of the choices", never a way in.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar
from zoneinfo import available_timezones

from django import forms
from django.db.models import QuerySet

from cascade.orgs import selectors
from cascade.orgs.models import WEEKDAYS, Member, Organisation, Period, PeriodKind, Role, Team
from cascade.progress import cadence
from cascade.web.forms import ModelMultipleChoiceField


def member_label(member: Member) -> str:
    """ "Name · Title", so two people with one name can be told apart."""
    return f"{member.name} · {member.title}" if member.title else member.name


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return member_label(obj)


class MembersField(ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> str:
        return member_label(obj)


Choices = Callable[[Member], QuerySet[Any]]


class ScopedForm(forms.Form):
    """A form whose choice fields list the member's organisation's rows, from ``choices``."""

    choices: ClassVar[dict[str, Choices]] = {
        "manager": selectors.active_members,
        "lead": selectors.active_members,
        "members": selectors.active_members,
        "teams": selectors.teams_of,
        "parent": selectors.teams_of,
    }

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member = member
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField) and name in self.choices:
                field.queryset = self.choices[name](member)


def optional(label: str, empty: str) -> dict[str, Any]:
    return {"required": False, "label": label, "empty_label": empty}


class InviteForm(ScopedForm):
    email = forms.EmailField(
        widget=forms.EmailInput(attrs={"autocomplete": "off", "autofocus": True}),
        help_text="The invitation, with its link to join, goes only to this address.",
    )
    full_name = forms.CharField(max_length=150, label="Full name")
    title = forms.CharField(max_length=120, required=False, label="Job title")
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.MEMBER,
        help_text="Super users manage people, teams, periods and settings.",
    )
    manager = MemberChoiceField(Member.objects.none(), **optional("Reports to", "Nobody"))
    teams = ModelMultipleChoiceField(
        Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )


class MemberForm(ScopedForm):
    title = forms.CharField(max_length=120, required=False, label="Job title")
    role = forms.ChoiceField(
        choices=Role.choices, help_text="Super users manage people, teams, periods and settings."
    )
    manager = MemberChoiceField(Member.objects.none(), **optional("Reports to", "Nobody"))

    def __init__(self, *args: Any, person: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Not themselves; their own reports stay listed and the service explains the circle.
        manager = self.fields["manager"]
        assert isinstance(manager, forms.ModelChoiceField)
        manager.queryset = manager.queryset.exclude(pk=person.pk)  # type: ignore[union-attr]


class NewTeamForm(ScopedForm):
    name = forms.CharField(max_length=120)
    parent = forms.ModelChoiceField(
        Team.objects.none(), **optional("Part of", "Nothing (top level)")
    )
    lead = MemberChoiceField(
        Member.objects.none(), **optional("Lead", "No lead"), help_text="The lead joins the team."
    )
    members = MembersField(Member.objects.none(), required=False)


class TeamDetailsForm(ScopedForm):
    name = forms.CharField(max_length=120)
    parent = forms.ModelChoiceField(
        Team.objects.none(),
        **optional("Part of", "Nothing (top level)"),
        help_text="Not one of its own sub-teams: the tree cannot loop.",
    )
    lead = MemberChoiceField(
        Member.objects.none(), **optional("Lead", "No lead"), help_text="The lead joins the team."
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.queryset = parent.queryset.exclude(pk=team.pk)  # type: ignore[union-attr]


class TeamMembersForm(ScopedForm):
    members = MembersField(Member.objects.none(), required=False)

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        assert isinstance(members, forms.ModelMultipleChoiceField)
        members.queryset = selectors.members_first(members.queryset, team)  # type: ignore[arg-type]


class PeriodForm(ScopedForm):
    choices: ClassVar[dict[str, Choices]] = {"parent": selectors.periods_of}

    name = forms.CharField(max_length=60, widget=forms.TextInput(attrs={"placeholder": "Q1 2027"}))
    kind = forms.ChoiceField(choices=PeriodKind.choices, initial=PeriodKind.QUARTER)
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    parent = forms.ModelChoiceField(
        Period.objects.none(),
        **optional("Inside", "No parent period"),
        help_text="A quarter inside its year: its goals can align to the year's.",
    )


class MarginsForm(forms.Form):
    """The margins in percentage points, as people think of them ("10 points behind")."""

    at_risk_margin = forms.DecimalField(
        min_value=0,
        max_value=100,
        decimal_places=1,
        label="At risk when behind by more than",
        help_text="Percentage points below the progress expected by today.",
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    off_track_margin = forms.DecimalField(
        min_value=0,
        max_value=100,
        decimal_places=1,
        label="Off track when behind by more than",
        help_text="Must be at least the at-risk margin.",
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )

    @staticmethod
    def initial_for(at_risk: Decimal, off_track: Decimal) -> dict[str, Decimal]:
        tenth = Decimal("0.1")
        return {
            "at_risk_margin": (at_risk * 100).quantize(tenth),
            "off_track_margin": (off_track * 100).quantize(tenth),
        }

    def as_fractions(self) -> dict[str, Decimal]:
        return {name: self.cleaned_data[name] / 100 for name in self.fields}


def _zones() -> list[tuple[str, str]]:
    return [(zone, zone.replace("_", " ")) for zone in sorted(available_timezones())]


class CadenceForm(forms.Form):
    """The weekly check-in: when people are reminded, and the organisation's time zone. The
    form only parses; ``orgs.services.change_checkin_cadence`` validates."""

    checkin_weekday = forms.TypedChoiceField(
        choices=WEEKDAYS, coerce=int, label="Check-in day", initial=cadence.DEFAULT_WEEKDAY
    )
    checkin_time = forms.TimeField(
        label="At",
        input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Local time in the time zone below.",
    )
    nudge_after_days = forms.TypedChoiceField(
        choices=[(0, "No nudge")]
        + [
            (n, f"{n} day{'s' if n > 1 else ''} later")
            for n in range(1, cadence.MAX_NUDGE_AFTER_DAYS + 1)
        ],
        coerce=int,
        label="Nudge those still behind",
        initial=cadence.DEFAULT_NUDGE_AFTER_DAYS,
    )
    timezone = forms.ChoiceField(
        choices=_zones,
        label="Time zone",
        help_text="Also where “today” is, for what is expected of every goal by now.",
    )

    @staticmethod
    def initial_for(organisation: Organisation) -> dict[str, object]:
        return {
            "checkin_weekday": organisation.checkin_weekday,
            "checkin_time": organisation.checkin_time,
            "nudge_after_days": organisation.nudge_after_days,
            "timezone": organisation.timezone,
        }
