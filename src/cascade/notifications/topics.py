"""The topics Cascade notifies people about, the channels, and the default of each topic.

A person chooses one channel per topic. The inbox in the web app holds every notification that
is not switched off; the channel says where it goes *as well*: ``inbox`` only, ``email``, or
``chat`` (Slack or Teams, once the organisation connects one). ``off`` sends nothing at all.
"""

from django.db import models


class Topic(models.TextChoices):
    CHECK_IN_REMINDER = "check_in_reminder", "Reminders to check in"
    WEEKLY_DIGEST = "weekly_digest", "The weekly digest"
    ALIGNED_UNDER_MINE = "aligned_under_mine", "A goal was aligned under one of mine"
    CONTRIBUTOR_AT_RISK = "contributor_at_risk", "A goal under mine moved to at risk or off track"
    MADE_OWNER = "made_owner", "I was made the owner of a goal"
    COMMENT = "comment", "A comment on my goal"
    MENTION = "mention", "Someone mentioned me"
    REVIEW = "review", "A review phase opened or an assessment is due"
    SYNC_FAILING = "sync_failing", "A data source of mine keeps failing"


class Channel(models.TextChoices):
    INBOX = "inbox", "In Cascade only"
    EMAIL = "email", "In Cascade and by email"
    CHAT = "chat", "In Cascade and in Slack or Teams"
    OFF = "off", "Off"


# What a person gets before choosing: what needs them by email, the rest in the inbox.
DEFAULTS: dict[Topic, Channel] = {
    Topic.CHECK_IN_REMINDER: Channel.EMAIL,
    Topic.WEEKLY_DIGEST: Channel.EMAIL,
    Topic.ALIGNED_UNDER_MINE: Channel.INBOX,
    Topic.CONTRIBUTOR_AT_RISK: Channel.EMAIL,
    Topic.MADE_OWNER: Channel.EMAIL,
    Topic.COMMENT: Channel.INBOX,
    Topic.MENTION: Channel.EMAIL,
    Topic.REVIEW: Channel.EMAIL,
    Topic.SYNC_FAILING: Channel.EMAIL,
}
