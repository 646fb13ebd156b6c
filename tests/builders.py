"""Readable ways to build organisations for tests, through the real services.

    world = make_world()
    vp = world.person("Vera VP", manager=world.ceo)
    company = world.goal("Grow revenue", krs=[metric(0, 100)])
    sales = world.goal("Win deals", owner=vp, krs=[metric(0, 10)], under={company: 2})

reads like the org chart and the goal tree it builds.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from cascade.accounts.models import User
from cascade.goals import services as goals
from cascade.goals.models import Goal, KeyResult
from cascade.orgs import services as orgs
from cascade.orgs.models import Member, Organisation, Period, Role

_counter = itertools.count(1)


def metric(
    start: object = 0, target: object = 100, *, weight: object = 1, title: str = "", unit: str = ""
) -> dict:
    return {
        "kind": "metric",
        "start": start,
        "target": target,
        "weight": weight,
        "title": title,
        "unit": unit,
    }


def milestone(*, weight: object = 1, title: str = "") -> dict:
    return {"kind": "milestone", "weight": weight, "title": title}


def threshold(
    line: object, direction: str = "above", *, start: object = 0, weight: object = 1
) -> dict:
    return {
        "kind": "threshold",
        "start": start,
        "target": line,
        "direction": direction,
        "weight": weight,
    }


def total(start: object = 0, target: object = 100, *, unit: str = "", weight: object = 1) -> dict:
    return {"kind": "sum", "start": start, "target": target, "unit": unit, "weight": weight}


@dataclass
class World:
    organisation: Organisation
    ceo: Member
    period: Period
    people: dict[str, Member] = field(default_factory=dict)

    def person(
        self, name: str, *, manager: Member | None = None, role: str = Role.MEMBER
    ) -> Member:
        n = next(_counter)
        user = User.objects.create_user(
            f"person{n}@example.com", "pw-for-tests-only", full_name=name
        )
        member = orgs.add_member(actor=self.ceo, user=user, role=role, manager=manager)
        self.people[name] = member
        return member

    def goal(
        self,
        title: str,
        *,
        owner: Member | None = None,
        krs: list[dict] | tuple[dict, ...] = (),
        under: dict[Goal, object] | None = None,
        activate: bool = True,
        **fields: Any,
    ) -> Goal:
        owner = owner or self.ceo
        goal = goals.create_goal(
            actor=owner, title=title, period=fields.pop("period", self.period), **fields
        )
        for index, spec in enumerate(krs):
            spec = dict(spec)
            spec["title"] = spec.get("title") or f"{title} KR {index + 1}"
            goals.add_key_result(actor=owner, goal=goal, **spec)
        for senior, weight in (under or {}).items():
            goals.align_goal(actor=owner, junior=goal, senior=senior, weight=weight)
        if activate and (krs or under is not None) and goal_has_contributors(goal):
            goal = goals.activate_goal(actor=owner, goal=goal)
        return goal

    def kr(self, goal: Goal, index: int = 0) -> KeyResult:
        return KeyResult.objects.filter(goal=goal).order_by("position", "id")[index]

    def check_in(
        self, goal: Goal, value: object, *, index: int = 0, actor: Member | None = None, **kw: Any
    ):
        kr = self.kr(goal, index)
        return goals.check_in(
            actor=actor or Goal.objects.get(pk=goal.pk).owner, key_result=kr, value=value, **kw
        )


def goal_has_contributors(goal: Goal) -> bool:
    return goal.key_results.exists() or goal.contributions.exists()


def progress(goal: Goal) -> float | None:
    return Goal.objects.values_list("progress", flat=True).get(pk=goal.pk)


def make_world(
    name: str | None = None, *, period: tuple[date, date] = (date(2026, 10, 1), date(2026, 12, 31))
) -> World:
    n = next(_counter)
    founder = User.objects.create_user(
        f"ceo{n}@example.com", "pw-for-tests-only", full_name=f"Chief {n}"
    )
    ceo = orgs.create_organisation(name=name or f"Org {n}", founder=founder, slug=f"org-{n}")
    q = orgs.create_period(actor=ceo, name="Q4 2026", start=period[0], end=period[1])
    return World(organisation=ceo.organisation, ceo=ceo, period=q)


def approx(value: float | None) -> Any:
    import pytest

    return None if value is None else pytest.approx(value, abs=1e-9)


D = Decimal
