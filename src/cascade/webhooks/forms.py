"""The form of the webhooks page. It only parses; the services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms

from cascade.audit.models import EventKind


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=500,
        help_text="Where Cascade posts the events, such as https://example.com/hooks/cascade.",
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )
    description = forms.CharField(
        label="Description", max_length=200, required=False, help_text="Optional: what it feeds."
    )
    kinds = forms.MultipleChoiceField(
        label="Events",
        choices=EventKind.choices,
        required=False,
        help_text="Leave all unticked to send every kind of event.",
        widget=forms.CheckboxSelectMultiple,
    )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "url": data["url"],
            "description": data["description"],
            "kinds": data["kinds"] or "all",
        }
