"""The first-run setup form: an organisation, its first period and its first super user."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django import forms

from cascade.core import clock
from cascade.orgs import setup


def _timezones() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return [("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)]


class SetupForm(forms.Form):
    code = forms.CharField(
        max_length=40,
        label="Setup code",
        help_text="Printed in the log of cascade serve (and cascade worker) when it starts, like ABCD-EFGH-JKLM.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    organisation_name = forms.CharField(max_length=120, label="Organisation name")
    slug = forms.SlugField(
        max_length=60,
        label="Web address",
        help_text="Lowercase letters, digits and hyphens: the organisation's pages are at /o/<address>/.",
    )
    timezone = forms.ChoiceField(
        label="Time zone", help_text="Days and weeks (check-ins, deadlines) end in this zone."
    )
    period_name = forms.CharField(max_length=60, label="First period")
    period_start = forms.DateField(label="Starts", widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label="Ends", widget=forms.DateInput(attrs={"type": "date"}))
    admin_name = forms.CharField(max_length=150, label="Your full name")
    admin_email = forms.EmailField(
        label="Your email", widget=forms.EmailInput(attrs={"autocomplete": "username"})
    )
    admin_password = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only digits, not a common password.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        quarter = setup.this_quarter(clock.today())
        kwargs.setdefault(
            "initial",
            {
                "timezone": "UTC",
                "period_name": quarter.name,
                "period_start": quarter.start,
                "period_end": quarter.end,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = _timezones()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The period cannot end before it starts.")
        return data


class SignupForm(forms.Form):
    """Self-service sign-up of a new organisation (when ``CASCADE_ALLOW_SIGNUP`` is on)."""

    name = forms.CharField(max_length=120, label="Organisation name")
    slug = forms.SlugField(
        max_length=60,
        label="Web address",
        required=False,
        help_text="Lowercase letters, digits and hyphens; blank: made from the name.",
    )
    timezone = forms.ChoiceField(label="Time zone", initial="UTC")
    admin_name = forms.CharField(max_length=150, label="Your full name")
    admin_email = forms.EmailField(
        label="Your email", help_text="We email you a link to confirm it and join."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = _timezones()  # type: ignore[attr-defined]
