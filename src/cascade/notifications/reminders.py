"""The weekly check-in reminder and its nudge: a periodic job (``notifications.reminders``).

Every slot (a quarter of an hour) the job finds the organisations whose check-in moment — or
the nudge a few days after it — has come within the last ``CATCH_UP``, in their own time zone
(``progress.cadence``). For each, it finds in one query the stale key results of its joined
members (``goals.selectors.stale``: the rule My week shows) and tells each owner once, listing
exactly those key results, with a link to the batch check-in. The notification's key
(``reminder:<date of the cadence>``, ``nudge:<date>``) makes it once per person per cadence,
however many slots or workers run it: ``notify`` stores a key once, and only what it stored is
emailed. The nudge goes to whoever is still stale; someone who has checked in since is not
stale any more, so they hear nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from django.urls import reverse

from cascade.core import formatting
from cascade.goals.models import KeyResult
from cascade.goals.selectors import stale
from cascade.notifications.services import Message, notify
from cascade.notifications.topics import Topic
from cascade.orgs.models import Organisation
from cascade.progress import Kind, cadence

SLOT = timedelta(minutes=15)  # the job's rhythm
# A moment counts as due for this long after it, so a worker down for a slot or three loses no
# reminder; the key keeps the later slots from sending it again.
CATCH_UP = timedelta(hours=1)
ROOM = 3900  # characters of the list in one reminder (the body holds 4000); the rest are counted


@dataclass(frozen=True)
class Due:
    organisation: Organisation
    cadence_start: datetime
    nudge: bool

    @property
    def key(self) -> str:
        return f"{'nudge' if self.nudge else 'reminder'}:{self.cadence_start:%Y-%m-%d}"


def due(organisations: list[Organisation], now: datetime) -> list[Due]:
    """The organisations whose check-in or nudge moment came in the last ``CATCH_UP``."""
    found = []
    for org in organisations:
        zone = org.zone
        start = cadence.cadence_start(now, zone, org.checkin_weekday, org.checkin_time)
        if now < start + CATCH_UP:
            found.append(Due(org, start, nudge=False))
        nudge = cadence.nudge_moment(start, zone, org.checkin_time, org.nudge_after_days)
        if nudge is not None and nudge <= now < nudge + CATCH_UP:
            found.append(Due(org, start, nudge=True))
    return found


def send_due(now: datetime) -> dict[str, int]:
    """The job: remind (or nudge) the people of every organisation due now."""
    organisations = list(
        Organisation.objects.only(
            "name", "slug", "timezone", "checkin_weekday", "checkin_time", "nudge_after_days"
        )
    )
    counts = {"reminders": 0, "nudges": 0}
    for item in due(organisations, now):
        counts["nudges" if item.nudge else "reminders"] += len(remind(item))
    return counts


def stale_key_results(organisation: Organisation, before: datetime) -> list[KeyResult]:
    """The stale key results of the organisation's joined people, by owner. One query."""
    return list(
        KeyResult.objects.filter(
            stale(before),
            organisation=organisation,
            goal__owner__is_active=True,
            goal__owner__accepted_at__isnull=False,
        )
        .select_related("goal__owner")
        .order_by("goal__owner_id", "goal__title", "goal_id", "position", "id")
    )


def remind(item: Due) -> list[object]:
    """Tell each stale person once for this cadence; returns the notifications stored now."""
    organisation = item.organisation
    link = reverse("check-in", kwargs={"org": organisation.slug})
    messages = []
    rows = stale_key_results(organisation, cadence.stale_before(item.cadence_start))
    for _, group in groupby(rows, key=lambda kr: kr.goal.owner_id):
        krs = list(group)
        messages.append(
            Message(
                recipient=krs[0].goal.owner,
                topic=Topic.CHECK_IN_REMINDER,
                title=_title(len(krs), nudge=item.nudge),
                body=body(krs),
                link=link,
                key=item.key,
            )
        )
    return list(notify(messages))


def _title(count: int, *, nudge: bool) -> str:
    things = "1 key result" if count == 1 else f"{count} key results"
    if nudge:
        return f"Still waiting for your check-in: {things}"
    return f"Time to check in: {things}"


def last_value(kr: KeyResult) -> str:
    if kr.last_checkin_at is None:
        return "no check-in yet"
    if kr.kind == Kind.MILESTONE:
        return "done" if kr.current else "not done"
    return formatting.measure(kr.current, kr.unit)


def body(krs: list[KeyResult]) -> str:
    """One line a key result — "goal — key result: last value" — read by the inbox as text and
    by the reminder email as its list."""
    lines: list[str] = []
    used = 0
    for kr in krs:
        line = f"{kr.goal.title} — {kr.title}: {last_value(kr)}"
        if used + len(line) + 1 > ROOM:
            lines.append(f"and {len(krs) - len(lines)} more")
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join(lines)
