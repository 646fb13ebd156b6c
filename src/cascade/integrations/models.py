"""Connections to outside services, the key results bound to them, and every sync run.

Secrets (API tokens, client secrets, private keys, cached access tokens) are stored sealed
(``cascade.integrations.encryption``): the columns hold Fernet tokens, never plain text.
``Binding`` also caches its latest outcome (value, time, error), so a goal page reads the state
of all its key results' data sources in one query.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from cascade.core import clock
from cascade.goals.models import CheckIn, KeyResult, value_field
from cascade.integrations.errors import ERROR_KIND_CHOICES
from cascade.orgs.models import Member, OrgScoped


class Service(models.TextChoices):
    JIRA_CLOUD = "jira_cloud", "Jira Cloud"
    JIRA_DATA_CENTER = "jira_dc", "Jira Data Center"
    SALESFORCE = "salesforce", "Salesforce"


class AuthMethod(models.TextChoices):
    """How Cascade signs in. Jira has one way per edition; Salesforce offers two OAuth flows."""

    API_TOKEN = "api_token", "Email and API token"
    PERSONAL_ACCESS_TOKEN = "pat", "Personal access token"
    CLIENT_CREDENTIALS = "client_credentials", "OAuth 2.0 client credentials"
    JWT_BEARER = "jwt_bearer", "OAuth 2.0 JWT bearer (private key)"


class ConnectionStatus(models.TextChoices):
    UNTESTED = "untested", "Not tested yet"
    OK = "ok", "Working"
    NEEDS_ATTENTION = "needs_attention", "Needs attention"
    # The last test did not get an answer, or not a usable one (network, timeout, 5xx). Unlike
    # refused credentials this does not pause syncing: syncs retry, and one that works clears it.
    FAILED = "failed", "Test failed"


class Connection(OrgScoped):
    """A signed-in way to one Jira site or Salesforce org, added by a super user."""

    name = models.CharField(max_length=80)
    service = models.CharField(max_length=20, choices=Service.choices)
    auth_method = models.CharField(max_length=20, choices=AuthMethod.choices)
    # Jira: the site (https://acme.atlassian.net) or base URL; Salesforce: the login or My Domain URL.
    base_url = models.URLField(max_length=300)
    # Jira Cloud: the account's email; Salesforce JWT bearer: the user to act as.
    username = models.CharField(max_length=200, blank=True)
    # Salesforce: the connected app's consumer key (an identifier, not a secret).
    client_id = models.CharField(max_length=300, blank=True)
    api_version = models.CharField(max_length=10, blank=True)  # Salesforce: "v62.0"
    # Sealed: the API token, personal access token, client secret or private key (PEM).
    secret_sealed = models.TextField()
    # Salesforce: the cached access token (sealed) and the instance it belongs to.
    access_token_sealed = models.TextField(blank=True)
    instance_url = models.URLField(max_length=300, blank=True)

    status = models.CharField(
        max_length=20, choices=ConnectionStatus.choices, default=ConnectionStatus.UNTESTED
    )
    status_message = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    last_tested_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["organisation_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="connection_name_unique_in_organisation"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:  # never the secrets
        return f"<Connection {self.pk} {self.service} {self.name!r}>"

    @property
    def is_jira(self) -> bool:
        return self.service in (Service.JIRA_CLOUD, Service.JIRA_DATA_CENTER)

    @property
    def needs_attention(self) -> bool:
        return self.status == ConnectionStatus.NEEDS_ATTENTION

    @property
    def test_failed(self) -> bool:
        return self.status == ConnectionStatus.FAILED


class Mode(models.TextChoices):
    JIRA_COUNT = "jira_count", "Jira: number of issues"
    JIRA_DONE_RATIO = "jira_done_ratio", "Jira: done ÷ total, in %"
    JIRA_SUM = "jira_sum", "Jira: sum of a numeric field"
    SOQL_SCALAR = "soql_scalar", "Salesforce: value of a SOQL query"
    REPORT_AGGREGATE = "report_aggregate", "Salesforce: a report's grand total"


JIRA_MODES = (Mode.JIRA_COUNT, Mode.JIRA_DONE_RATIO, Mode.JIRA_SUM)
SALESFORCE_MODES = (Mode.SOQL_SCALAR, Mode.REPORT_AGGREGATE)


class Binding(OrgScoped):
    """A key result that takes its value from a connection: a mode, a query and an interval."""

    key_result = models.OneToOneField(
        KeyResult, on_delete=models.CASCADE, related_name="data_source"
    )
    connection = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="bindings")
    mode = models.CharField(max_length=20, choices=Mode.choices)
    query = models.TextField()  # JQL, SOQL, or a report id
    # Jira sum: the numeric field's id (customfield_10016); report: the aggregate (s!AMOUNT).
    field = models.CharField(max_length=100, blank=True)
    interval_minutes = models.PositiveIntegerField(default=60)
    next_run_at = models.DateTimeField(default=clock.now)

    # The latest outcome, cached from the runs.
    last_value = value_field(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)  # the last good sync
    last_error = models.TextField(blank=True)
    last_error_kind = models.CharField(max_length=20, choices=ERROR_KIND_CHOICES, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_run = models.ForeignKey(
        "SyncRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["next_run_at"], name="binding_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_minutes__gte=5), name="binding_interval_at_least_5_minutes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_result_id} ← {self.connection_id} ({self.mode})"


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", "On schedule"
    MANUAL = "manual", "Sync now"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    RETRYING = "retrying", "Waiting to retry"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
    INTERRUPTED = "interrupted", "Interrupted"  # its worker stopped mid-run (see interruptions)


UNFINISHED = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.RETRYING)


class SyncRun(OrgScoped):
    """One sync of one binding: a scheduled slot or a "sync now", with all its attempts.

    ``idempotency_key`` names the slot ("schedule:<due time>" or "manual:<uuid>"); it is unique
    per binding, so a slot can be claimed, and run, only once whatever the number of workers.
    """

    binding = models.ForeignKey(Binding, on_delete=models.CASCADE, related_name="runs")
    idempotency_key = models.CharField(max_length=80)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    attempt = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(default=clock.now)
    started_at = models.DateTimeField(null=True, blank=True)  # the first attempt's start
    attempt_started_at = models.DateTimeField(null=True, blank=True)  # the latest attempt's
    finished_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    value = value_field(null=True, blank=True)
    changed = models.BooleanField(default=False)  # the value differed and was checked in
    checkin = models.ForeignKey(
        CheckIn, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.CharField(max_length=200, blank=True)  # "8 done of 12 issues"
    error = models.TextField(blank=True)
    error_kind = models.CharField(max_length=20, choices=ERROR_KIND_CHOICES, blank=True)
    request_id = models.CharField(max_length=120, blank=True)
    attempts = models.JSONField(default=list)  # one entry per failed attempt
    requested_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The worker (``core.WorkerHeartbeat.id``) running or that ran the latest attempt; empty when
    # the run was claimed outside ``cascade worker``. Kept as text: it outlives the heartbeat.
    worker_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [
            models.Index(fields=["binding", "-queued_at"], name="syncrun_binding_recent_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["binding", "idempotency_key"], name="syncrun_once_per_slot"
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} of binding {self.binding_id}: {self.status}"
