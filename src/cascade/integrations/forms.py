"""Forms of the connections page and of a key result's data source.

They only parse what people type; the services decide what is allowed and valid. A secret
field is never filled in from what is stored: it is write-only.
"""

from __future__ import annotations

from typing import Any

from django import forms

from cascade.integrations.clients.salesforce import DEFAULT_API_VERSION
from cascade.integrations.models import JIRA_MODES, AuthMethod, Connection, Mode, Service
from cascade.orgs.models import Member
from cascade.web.forms import OptionAttrsSelect, shown_if

SECRET_LABELS = {
    Service.JIRA_CLOUD: ("API token", "Create one at id.atlassian.com → Security → API tokens."),
    Service.JIRA_DATA_CENTER: (
        "Personal access token",
        "Create one in Jira: your profile → Personal access tokens.",
    ),
}
URL_HELP = {
    Service.JIRA_CLOUD: "Your site, such as https://acme.atlassian.net.",
    Service.JIRA_DATA_CENTER: "Jira's base URL, such as https://jira.acme.example.",
    Service.SALESFORCE: (
        "Where Cascade signs in: your My Domain, such as https://acme.my.salesforce.com "
        "(https://login.salesforce.com also works for the JWT bearer flow)."
    ),
}


def _secret_widget() -> forms.PasswordInput:
    return forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False)


class SecretTextarea(forms.Textarea):
    """A textarea for a multi-line secret (a PEM key) that, like ``PasswordInput`` with
    ``render_value=False``, never renders a value: a form the services refused comes back
    with the box empty, not with the key in the page."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        return super().get_context(name, None, attrs)


class ConnectionForm(forms.Form):
    """One form for every service; only the fields the service uses are kept."""

    name = forms.CharField(max_length=80, help_text="How owners will see it, such as “Acme Jira”.")
    base_url = forms.CharField(max_length=300, label="Address")
    username = forms.CharField(max_length=200, required=False)
    auth_method = forms.ChoiceField(
        choices=[
            (AuthMethod.CLIENT_CREDENTIALS.value, AuthMethod.CLIENT_CREDENTIALS.label),
            (AuthMethod.JWT_BEARER.value, AuthMethod.JWT_BEARER.label),
        ],
        label="Sign in with",
    )
    client_id = forms.CharField(max_length=300, required=False, label="Consumer key")
    api_version = forms.CharField(max_length=10, required=False, label="API version")
    secret = forms.CharField(max_length=10_000, required=False, widget=_secret_widget())
    client_secret = forms.CharField(
        max_length=10_000, required=False, label="Consumer secret", widget=_secret_widget()
    )
    private_key = forms.CharField(
        max_length=10_000,
        required=False,
        label="Private key (PEM)",
        widget=SecretTextarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        help_text="The key whose certificate the connected app holds (JWT bearer flow only).",
    )

    def __init__(self, *args: Any, service: str, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service = service
        self.fields["base_url"].help_text = URL_HELP[Service(service)]
        keep = " Leave blank to keep the stored one." if editing else ""
        if service == Service.SALESFORCE:
            for name in ("secret",):
                del self.fields[name]
            self.fields["username"].label = "Salesforce username"
            self.fields["username"].help_text = "The user Cascade acts as (JWT bearer flow only)."
            self.fields["client_id"].required = True
            self.fields["api_version"].initial = DEFAULT_API_VERSION
            self.fields["client_secret"].help_text = "Client credentials flow only." + keep
            self.fields["private_key"].help_text += keep
        else:
            for name in ("auth_method", "client_id", "api_version", "client_secret", "private_key"):
                del self.fields[name]
            label, help_text = SECRET_LABELS[Service(service)]
            self.fields["secret"].label = label
            self.fields["secret"].help_text = help_text + keep
            if service == Service.JIRA_CLOUD:
                self.fields["username"].label = "Atlassian account email"
                self.fields["username"].required = True
            else:
                del self.fields["username"]

    @classmethod
    def initial_for(cls, connection: Connection) -> dict[str, Any]:
        return {
            "name": connection.name,
            "base_url": connection.base_url,
            "username": connection.username,
            "auth_method": connection.auth_method,
            "client_id": connection.client_id,
            "api_version": connection.api_version,
        }

    def values(self) -> dict[str, Any]:
        """What the services take: one ``secret``, whichever way Salesforce signs in."""
        data = {
            k: v for k, v in self.cleaned_data.items() if k not in ("client_secret", "private_key")
        }
        if self.service == Service.SALESFORCE:
            jwt = data.get("auth_method") == AuthMethod.JWT_BEARER
            data["secret"] = self.cleaned_data["private_key" if jwt else "client_secret"]
        return data


MODE_HELP = (
    "Jira: JQL such as “project = ONB AND labels = setup-step”. Done ÷ total counts the issues "
    "and those in the Done category, as a percentage. Salesforce: a SOQL query such as “SELECT "
    "SUM(Amount) FROM Opportunity WHERE StageName = 'Closed Won' AND CloseDate = THIS_QUARTER”, "
    "or a report's id (00O…)."
)


def family(service: str) -> str:
    """The family of modes a connection's service offers: ``jira`` or ``salesforce``."""
    return "jira" if service in (Service.JIRA_CLOUD, Service.JIRA_DATA_CENTER) else "salesforce"


class BindingForm(forms.Form):
    # Each connection's option says its family (data-kind); each mode's, the family it works
    # with, so cascade.js offers only the chosen connection's modes (web.forms.shown_if).
    connection = forms.ModelChoiceField(
        Connection.objects.none(), empty_label=None, widget=OptionAttrsSelect
    )
    mode = forms.ChoiceField(
        choices=Mode.choices, label="What to measure", widget=OptionAttrsSelect
    )
    query = forms.CharField(
        max_length=4000,
        label="Query",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=MODE_HELP,
    )
    field = shown_if(
        forms.CharField(
            max_length=100,
            required=False,
            label="Field",
            help_text="Jira sum: the numeric field's id (customfield_10016). Report: an aggregate "
            "such as s!Amount (the first one if blank).",
        ),
        "mode",
        Mode.JIRA_SUM,
        Mode.REPORT_AGGREGATE,
    )
    interval_minutes = forms.IntegerField(
        min_value=5, max_value=7 * 24 * 60, initial=60, label="Sync every (minutes)"
    )

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        connections = Connection.objects.filter(organisation_id=member.organisation_id).order_by(
            "name"
        )
        self.fields["connection"].queryset = connections  # type: ignore[attr-defined]
        self.fields["connection"].widget.option_attrs = {
            str(pk): {"data-kind": family(service)}
            for pk, service in connections.values_list("pk", "service")
        }
        self.fields["mode"].widget.option_attrs = {
            mode: {"data-shown-if": f"connection:{'jira' if mode in JIRA_MODES else 'salesforce'}"}
            for mode in Mode.values
        }
