"""Seeding the demo organisation through the real services, replaying twelve weeks of work.

Everything goes through the same services as the web app (permissions, rollup, audit trail),
with the clock set to the moment each thing happened, so the demo's history, charts and audit
trail are as real as a customer's. The randomness is seeded: the same day gives the same demo.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction

from cascade.accounts.models import User
from cascade.core import clock
from cascade.demo import data
from cascade.demo.data import GOALS, KR, PEOPLE, TEAMS, G
from cascade.demo.performance import seed_performance
from cascade.goals import services as goals
from cascade.goals.models import Goal, KeyResult, Visibility
from cascade.integrations.demo import seed_data_sources
from cascade.notifications import services as notifications
from cascade.notifications.models import Notification
from cascade.orgs import services as orgs
from cascade.orgs.models import Member, Organisation, Period, PeriodKind, Role, Team
from cascade.progress import expected_progress

UTC = ZoneInfo("UTC")
HISTORY_WEEKS = 12


def email(first_name: str) -> str:
    return f"{first_name.lower().replace(chr(39), '')}@{data.DOMAIN}"


def quarter_of(day: date) -> tuple[date, date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = (date(day.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1)) - timedelta(
        days=1
    )
    return start, end


def quarter_name(start: date) -> str:
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


@dataclass
class Event:
    moment: datetime
    order: int  # ties: check-ins before closing
    action: Callable[[], object]


class Seeder:
    def __init__(self, today: date, seed: int) -> None:
        self.today = today
        self.rng = random.Random(seed)
        q_start, q_end = quarter_of(today)
        p_start, p_end = quarter_of(q_start - timedelta(days=1))
        self.window_start = min(today - timedelta(weeks=HISTORY_WEEKS), p_end - timedelta(weeks=6))
        self.quarter_dates = (q_start, q_end)
        self.previous_dates = (p_start, p_end)
        self.members: dict[str, Member] = {}
        self.teams: dict[str, Team] = {}
        self.goals: dict[str, Goal] = {}
        self.key_results: dict[tuple[str, str], KeyResult] = {}  # (goal key, KR title)
        self.sums: dict[str, KeyResult] = {}  # sum-of-children KRs by title
        self.periods: dict[str, Period] = {}

    # ------------------------------------------------------------ organisation
    def people(self) -> Member:
        # One hash for everyone: they share the demo password, and hashing is slow on purpose.
        password = make_password(data.PASSWORD)
        first, title, _, _ = PEOPLE[0]
        founder = User.objects.create(
            email=email(first.split()[0]),
            full_name=first,
            password=password,
            is_staff=True,
            is_superuser=True,
        )
        ceo = orgs.create_organisation(
            name="Acme", slug="acme", founder=founder, founder_title=title
        )
        self.members[first.split()[0]] = ceo
        for full_name, job, manager, super_user in PEOPLE[1:]:
            user = User.objects.create(
                email=email(full_name.split()[0]), full_name=full_name, password=password
            )
            self.members[full_name.split()[0]] = orgs.add_member(
                actor=ceo,
                user=user,
                role=Role.SUPER_USER if super_user else Role.MEMBER,
                title=job,
                manager=self.members[manager] if manager else None,
            )
        for name, parent, lead, members in TEAMS:
            self.teams[name] = orgs.create_team(
                actor=ceo,
                name=name,
                parent=self.teams[parent] if parent else None,
                lead=self.members[lead],
                members=[self.members[m] for m in members],
            )
        year_start, year_end = date(self.today.year, 1, 1), date(self.today.year, 12, 31)
        self.periods["year"] = orgs.create_period(
            actor=ceo,
            name=str(self.today.year),
            kind=PeriodKind.YEAR,
            start=year_start,
            end=year_end,
        )
        for key, (start, end) in (
            ("previous", self.previous_dates),
            ("quarter", self.quarter_dates),
        ):
            self.periods[key] = orgs.create_period(
                actor=ceo,
                name=quarter_name(start),
                start=start,
                end=end,
                parent=self.periods["year"] if start.year == self.today.year else None,
            )
        return ceo

    # ------------------------------------------------------------ goals
    def goal(self, spec: G) -> None:
        owner = self.members[spec.owner]
        goal = goals.create_goal(
            actor=owner,
            title=spec.title,
            description=spec.description,
            period=self.periods[spec.period],
            team=self.teams.get(spec.team),
            visibility=Visibility.PRIVATE if spec.private else Visibility.PUBLIC,
        )
        for kr in spec.krs:
            created = goals.add_key_result(
                actor=owner,
                goal=goal,
                title=kr.title,
                kind=kr.kind,
                start=Decimal(str(kr.start)),
                target=Decimal(str(kr.target)),
                unit=kr.unit,
                direction=kr.direction,
                weight=kr.weight,
                rollup_into=self.sums[kr.adds_into] if kr.adds_into else None,
            )
            self.key_results[(spec.key, kr.title)] = created
            if kr.kind == "sum":
                self.sums[kr.title] = created
        for senior, weight in spec.under.items():
            goals.align_goal(actor=owner, junior=goal, senior=self.goals[senior], weight=weight)
        if not spec.draft:
            goal = goals.activate_goal(actor=owner, goal=goal)
        self.goals[spec.key] = goal

    # ------------------------------------------------------------ history
    def fridays(self, start: date, end: date) -> list[date]:
        first = max(start, self.window_start)
        last = min(end, self.today)
        day = first + timedelta(days=(4 - first.weekday()) % 7)
        days = []
        while day <= last:
            days.append(day)
            day += timedelta(weeks=1)
        return days

    def value(self, kr: KR, pace: float, elapsed: float, previous: float | None) -> float:
        rng = self.rng
        if kr.kind == "milestone":
            return 1.0 if previous == 1.0 or pace * elapsed >= rng.uniform(0.55, 0.95) else 0.0
        if kr.kind == "threshold":
            good = rng.random() < min(0.95, 0.55 + 0.35 * pace)
            sign = 1 if kr.direction == "above" else -1
            gap = abs(kr.start - kr.target) or kr.step
            offset = rng.uniform(0.2, 1.5) * gap if good else -rng.uniform(kr.step, gap)
            return self.rounded(kr.target + sign * offset, kr.step)
        fraction = max(0.0, pace * elapsed + rng.gauss(0, 0.03))
        if previous is not None and rng.random() < 0.85:  # mostly forward, sometimes a step back
            done_so_far = (previous - kr.start) / (kr.target - kr.start)
            fraction = max(fraction, done_so_far)
        return self.rounded(kr.start + (kr.target - kr.start) * min(fraction, 2.2), kr.step)

    @staticmethod
    def rounded(value: float, step: float) -> float:
        return round(round(value / step) * step, 6)

    def confidence(self, pace: float) -> int:
        base = 9 if pace >= 1.2 else 7 if pace >= 0.85 else 5 if pace >= 0.6 else 3
        return max(0, min(10, base + self.rng.choice((-1, 0, 0, 1))))

    def note(self, pace: float) -> str:
        if self.rng.random() < 0.3:
            return ""
        mood = "ahead" if pace >= 1.2 else "on" if pace >= 0.8 else "behind"
        return self.rng.choice(data.NOTES[mood])

    def timeline(self) -> list[Event]:
        events: list[Event] = []
        for spec in GOALS:
            if spec.draft:
                continue
            goal = self.goals[spec.key]
            owner = self.members[spec.owner]
            start, end = self.periods[spec.period].start, self.periods[spec.period].end
            for kr_spec in spec.krs:
                if kr_spec.kind == "sum":
                    continue
                kr = self.key_results[(spec.key, kr_spec.title)]
                pace = kr_spec.pace or spec.pace
                previous: float | None = None
                days = self.fridays(start, end)
                for day in days:
                    if self.rng.random() < 0.12 and day != days[-1]:
                        continue  # a missed week
                    previous = self.value(
                        kr_spec, pace, expected_progress(start, end, day), previous
                    )
                    moment = at(day, self.rng.randint(9, 17), self.rng.randint(0, 59))
                    events.append(Event(moment, 0, self.check_in(owner, kr, previous, pace)))
            if spec.closed:
                score, outcome, retro = spec.closed
                events.append(Event(at(end, 18), 1, self.close(owner, goal, score, outcome, retro)))
        events.extend(self.comments())
        return sorted(events, key=lambda e: (e.moment, e.order))

    def comments(self) -> list[Event]:
        """A few conversations on goals, with mentions, in the last days."""
        mentions = {
            "{" + first + "}": f"@[{member.name}](member:{member.pk})"
            for first, member in self.members.items()
        }
        events = []
        for key, author, days_ago, hour, text in data.COMMENTS:
            for placeholder, mention in mentions.items():
                text = text.replace(placeholder, mention)
            moment = at(self.today - timedelta(days=days_ago), hour)
            events.append(Event(moment, 2, self.comment(self.members[author], key, text)))
        return events

    def comment(self, author: Member, key: str, body: str) -> Callable[[], object]:
        return lambda: goals.add_comment(actor=author, goal=self.goals[key], body=body)

    def check_in(
        self, owner: Member, kr: KeyResult, value: float, pace: float
    ) -> Callable[[], object]:
        confidence, note = self.confidence(pace), self.note(pace)
        return lambda: goals.check_in(
            actor=owner, key_result=kr, value=Decimal(str(value)), confidence=confidence, note=note
        )

    def close(
        self, owner: Member, goal: Goal, score: float, outcome: str, retro: str
    ) -> Callable[[], object]:
        return lambda: goals.close_goal(
            actor=owner, goal=goal, score=Decimal(str(score)), outcome=outcome, retrospective=retro
        )


def seed(today: date | None = None, *, seed_value: int = 2026) -> Member:
    """Create the Acme demo organisation as it stands on ``today``. Returns the CEO's membership."""
    today = today or clock.today()
    seeder = Seeder(today, seed_value)
    with transaction.atomic(), notifications.without_email():
        with clock.frozen_at(at(seeder.window_start - timedelta(days=3), 9)):
            ceo = seeder.people()
            for spec in GOALS:
                seeder.goal(spec)
        for event in seeder.timeline():
            with clock.frozen_at(event.moment):
                event.action()
        seed_performance(ceo, seeder.members, seeder.periods["quarter"])
        seed_data_sources(ceo)
        read_all_but_the_latest(ceo.organisation_id)
    return ceo


UNREAD_IN_THE_DEMO = 3


def read_all_but_the_latest(organisation_id: int, keep: int = UNREAD_IN_THE_DEMO) -> None:
    """Twelve weeks of work told everyone what happened (goals aligned under theirs, reviews
    opening): as if each had read all but their latest few, so the bell shows a few."""
    rows = Notification.objects.filter(organisation_id=organisation_id).order_by(
        "recipient_id", "-created_at", "-id"
    )
    latest: dict[int, int] = {}
    to_read = []
    for pk, recipient_id in rows.values_list("pk", "recipient_id"):
        latest[recipient_id] = latest.get(recipient_id, 0) + 1
        if latest[recipient_id] > keep:
            to_read.append(pk)
    Notification.objects.filter(pk__in=to_read).update(read_at=clock.now())


def is_seeded() -> bool:
    return Organisation.objects.filter(slug="acme").exists()
