"""An organisation's webhook endpoints, and one delivery per (event, endpoint).

The endpoint's secret (``whsec_`` + base64 of 32 random bytes) is stored sealed with
``integrations.encryption`` (CASCADE_ENCRYPTION_KEYS), shown once when it is made, never again.
"""

from __future__ import annotations

from django.db import models

from cascade.core import clock
from cascade.orgs.models import OrgScoped


class Endpoint(OrgScoped):
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # Audit EventKind values; empty means every kind.
    kinds = models.JSONField(default=list, blank=True)
    secret_sealed = models.TextField()
    active = models.BooleanField(default=True)
    # Why it was switched off by Cascade (a 410 Gone), or "" when a person did it or it is on.
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organisation", "active"])]

    def subscribes(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds

    def __repr__(self) -> str:  # never the secret
        return f"<Endpoint {self.pk} {self.url}>"

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Delivery(OrgScoped):
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The audit event's id (not a foreign key: deliveries outlive a pruned audit trail).
    event_id = models.BigIntegerField()
    kind = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["endpoint", "-created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    @property
    def message_id(self) -> str:
        """The ``webhook-id``: one per event, the same for every endpoint, retry and replay."""
        return f"evt_{self.event_id}"

    def __str__(self) -> str:
        return f"{self.kind} → {self.endpoint_id}: {self.status}"
