"""Notifications in a person's inbox, and each person's choice of channel per topic."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from cascade.notifications.topics import Channel, Topic
from cascade.orgs.models import Member, OrgScoped


class Notification(OrgScoped):
    """One thing a person is told. ``key`` makes a notification idempotent: the same key for the
    same person is stored once however many workers try (a reminder per cadence, say)."""

    recipient = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="notifications")
    topic = models.CharField(max_length=32, choices=Topic.choices)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True, max_length=4000)
    link = models.CharField(max_length=500, blank=True, help_text="A path inside Cascade.")
    goal = models.ForeignKey(
        "goals.Goal", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=200, blank=True)
    # What a rich email shows besides the body (the weekly digest's sections), as read when the
    # notification was made: the email tells the same story however late the worker sends it.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=~Q(key=""),
                name="notification_once_per_key",
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.title


class Preference(OrgScoped):
    """A person's channel for one topic; without a row, ``topics.DEFAULTS`` applies."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="preferences")
    topic = models.CharField(max_length=32, choices=Topic.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "topic"], name="one_preference_per_topic")
        ]
