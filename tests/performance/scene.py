"""A small team for performance tests: a manager, her report, and a review cycle builder."""

from dataclasses import dataclass

from cascade.goals.models import Goal, KeyResult
from cascade.orgs.models import Member, Role
from cascade.performance import services
from cascade.performance.models import GoalSheet, ReviewCycle
from tests.builders import World, metric

SCALE = [(1, "Below"), (2, "Partly meets"), (3, "Meets"), (4, "Exceeds"), (5, "Outstanding")]
COMPETENCIES = [("Ownership", "Takes responsibility"), ("Collaboration", "Works well with others")]


@dataclass
class Team:
    world: World
    manager: Member
    report: Member
    outsider: Member
    kr_goal: Goal
    kr: KeyResult
    linked_goal: Goal
    sheet: GoalSheet

    def cycle(self, **kwargs) -> ReviewCycle:
        options = {
            "name": "H2 reviews",
            "period": self.world.period,
            "competencies": COMPETENCIES,
            "scale": SCALE,
            "participation": "people",
            "people": [self.report],
        } | kwargs
        return services.create_review_cycle(actor=self.world.ceo, **options)


def make_team(world: World) -> Team:
    manager = world.person("Mona Manager", manager=world.ceo)
    report = world.person("Rob Report", manager=manager)
    outsider = world.person("Olga Outsider", manager=world.ceo, role=Role.MEMBER)
    kr_goal = world.goal("Ship the product", owner=report, krs=[metric(0, 10)])
    linked_goal = world.goal("Grow the community", owner=report, krs=[metric(0, 100)])
    sheet = services.sheet_for(owner=report, period=world.period)
    return Team(world, manager, report, outsider, kr_goal, world.kr(kr_goal), linked_goal, sheet)
