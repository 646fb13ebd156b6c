"""What the web app remembers about its users between visits."""

from django.db import models

from cascade.core import clock
from cascade.orgs.models import Member, OrgScoped


class Visit(OrgScoped):
    """A member's visits to their week page, for “what changed since your last visit”.

    A visit counts as new after a pause of at least half an hour, so that reloading the page does
    not empty the list of changes.
    """

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="visit")
    last_seen_at = models.DateTimeField(default=clock.now)
    previous_seen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.member_id} last seen {self.last_seen_at:%Y-%m-%d %H:%M}"
