from collections.abc import Iterable
from typing import Any

from django.db import models

from cascade.audit import listeners
from cascade.core import clock
from cascade.orgs.models import Member, OrgScoped


class EventKind(models.TextChoices):
    ORGANISATION_CREATED = "organisation.created"
    ORGANISATION_SETTINGS_CHANGED = "organisation.settings_changed"
    MEMBER_ADDED = "member.added"
    MEMBER_CHANGED = "member.changed"
    TEAM_CREATED = "team.created"
    TEAM_CHANGED = "team.changed"
    PERIOD_CREATED = "period.created"
    GOAL_CREATED = "goal.created"
    GOAL_CHANGED = "goal.changed"
    GOAL_ACTIVATED = "goal.activated"
    GOAL_CLOSED = "goal.closed"
    GOAL_REOPENED = "goal.reopened"
    GOAL_ARCHIVED = "goal.archived"
    GOAL_RESTORED = "goal.restored"
    KEY_RESULT_ADDED = "key_result.added"
    KEY_RESULT_CHANGED = "key_result.changed"
    KEY_RESULT_REMOVED = "key_result.removed"
    CHECKED_IN = "key_result.checked_in"
    GOAL_ALIGNED = "contribution.added"
    CONTRIBUTION_WEIGHT_CHANGED = "contribution.weight_changed"
    CONTRIBUTION_REMOVED = "contribution.removed"
    PROGRESS_REPAIRED = "progress.repaired"
    TOKEN_CREATED = "api_token.created"
    TOKEN_REVOKED = "api_token.revoked"
    MEMBER_INVITED = "member.invited"
    INVITATION_RESENT = "member.invitation_resent"
    MEMBER_DEACTIVATED = "member.deactivated"
    MEMBER_REACTIVATED = "member.reactivated"
    TEAM_MEMBERS_CHANGED = "team.members_changed"
    GOALS_IN_REVIEWS_CHANGED = "organisation.goals_in_reviews_changed"
    SHEET_ITEM_ADDED = "goal_sheet.item_added"
    SHEET_ITEM_CHANGED = "goal_sheet.item_changed"
    SHEET_ITEM_REMOVED = "goal_sheet.item_removed"
    SHEET_ITEM_UPDATED = "goal_sheet.item_updated"
    SHEET_COMMENTED = "goal_sheet.commented"
    REVIEW_CYCLE_CREATED = "review_cycle.created"
    REVIEW_CYCLE_CHANGED = "review_cycle.changed"
    REVIEW_PHASE_CHANGED = "review_cycle.phase_changed"
    ASSESSMENT_SAVED = "assessment.saved"
    ASSESSMENT_SUBMITTED = "assessment.submitted"
    ASSESSMENT_REOPENED = "assessment.reopened"
    GOALS_SNAPSHOT_REFRESHED = "assessment.goals_refreshed"
    CONNECTION_CREATED = "connection.created"
    CONNECTION_CHANGED = "connection.changed"
    CONNECTION_REMOVED = "connection.removed"
    CONNECTION_TESTED = "connection.tested"
    CONNECTION_NEEDS_ATTENTION = "connection.needs_attention"
    CONNECTION_KEYS_ROTATED = "connection.keys_rotated"
    KEY_RESULT_BOUND = "key_result.bound"
    KEY_RESULT_UNBOUND = "key_result.unbound"
    SYNC_REQUESTED = "key_result.sync_requested"
    INVITATION_ACCEPTED = "member.invitation_accepted"
    SIGNED_IN = "account.signed_in"
    SIGN_IN_FAILED = "account.sign_in_failed"
    PASSWORD_CHANGED = "account.password_changed"
    COMMENT_ADDED = "comment.added"
    COMMENT_EDITED = "comment.edited"
    COMMENT_DELETED = "comment.deleted"
    WEBHOOK_CREATED = "webhook.created"
    WEBHOOK_CHANGED = "webhook.changed"
    WEBHOOK_REMOVED = "webhook.removed"
    WEBHOOK_REPLAYED = "webhook.replayed"


class AuditEventManager(models.Manager["AuditEvent"]):
    """Tells ``audit.listeners`` of the events a ``bulk_create`` wrote (``save`` tells of one)."""

    def bulk_create(
        self, objs: Iterable["AuditEvent"], *args: Any, **kwargs: Any
    ) -> list["AuditEvent"]:
        created: list[AuditEvent] = super().bulk_create(objs, *args, **kwargs)
        listeners.recorded(created)
        return created


class AuditEvent(OrgScoped):
    """Who did what, when. ``goal`` is set for everything that happened to a goal or its parts,
    so a goal's audit trail is one indexed query."""

    actor = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    goal = models.ForeignKey(
        "goals.Goal", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField(null=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=clock.now)

    objects = AuditEventManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"]),
            models.Index(fields=["goal", "-created_at"]),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:
            listeners.recorded([self])

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor_id} at {self.created_at:%Y-%m-%d %H:%M}"
