"""The rows of the endpoint table (``test_every_endpoint.py``) for performance management: goal
sheets, review cycles, reviews and assessments, each tried four ways.

In the ``org`` fixture the CEO is a super user, Vera manages Rob, and Olga manages no one; the
other organisation has only its CEO. ``performance_rows(Call)`` takes the table's ``Call``
class, so that this module need not import the test module that imports it.
"""

from __future__ import annotations

import itertools
from typing import Any

from cascade.performance import services
from cascade.performance.models import Assessment, GoalSheet, Review, ReviewCycle, SheetItem
from tests.api.conftest import Org
from tests.builders import World

_names = itertools.count(1)


def sheet(o: Org) -> GoalSheet:
    """Rob's sheet: he and Vera (his manager) shape it, the CEO sees it, Olga does not."""
    return services.sheet_for(owner=o.rob, period=o.world.period)


def intern_sheet(o: Org) -> GoalSheet:
    """The sheet of Rob's new report: Vera sees it (two levels up) but may not shape it."""
    intern = o.world.person(f"Ian Intern {next(_names)}", manager=o.rob)
    return services.sheet_for(owner=intern, period=o.world.period)


def other_sheet(o: Org) -> GoalSheet:
    return services.sheet_for(owner=o.other.ceo, period=o.other.period)


def measure(sheet_: GoalSheet, actor: Any) -> SheetItem:
    return services.add_sheet_item(
        actor=actor, sheet=sheet_, kind="measure", title="Calls", weight=10, target=10
    )


def robs_item(o: Org) -> SheetItem:
    return measure(sheet(o), o.rob)


def interns_item(o: Org) -> SheetItem:
    return measure(intern_sheet(o), o.ceo)


def other_item(o: Org) -> SheetItem:
    return measure(other_sheet(o), o.other.ceo)


def cycle(o: Org, phase: str = "planning", world: World | None = None) -> ReviewCycle:
    """A cycle in the phase: Rob's review (by Vera) in Acme; elsewhere, that of a report of the
    CEO's (the CEO has no manager, so no manager assessment)."""
    world = world or o.world
    acme = world is o.world
    reviewee = o.rob if acme else world.person(f"Other Report {next(_names)}", manager=world.ceo)
    made = services.create_review_cycle(
        actor=world.ceo,
        name=f"Cycle {next(_names)}",
        period=world.period,
        competencies=[("Craft", "Does good work")],
        scale=[(1, "Low"), (2, "High")],
        participation="people",
        people=[reviewee],
    )
    while made.phase != phase:
        made = services.advance_phase(actor=world.ceo, cycle=made)
    return made


def other_cycle(o: Org, phase: str = "planning") -> ReviewCycle:
    return cycle(o, phase, o.other)


def managers(o: Org, phase: str = "manager_assessment", world: World | None = None) -> Assessment:
    return Assessment.objects.get(review__cycle=cycle(o, phase, world), kind="manager")


def other_managers(o: Org) -> Assessment:
    return managers(o, world=o.other)


def rated(o: Org, submit: bool = False) -> Assessment:
    """Vera's manager assessment of Rob, every competency rated."""
    assessment = managers(o)
    ratings = {r.competency_id: (2, "") for r in assessment.competency_ratings.all()}
    return services.save_assessment(
        actor=o.vera, assessment=assessment, competency_ratings=ratings, submit=submit
    )


def review_id(o: Org, world: World | None = None) -> int:
    return managers(o, world=world).review_id


def both_cycles(o: Org, path: str) -> str:
    """The path, once each organisation has a cycle in its self assessment phase."""
    cycle(o, "self_assessment")
    other_cycle(o, "self_assessment")
    return path


def only_ours(model: Any) -> Any:
    """A list answer with items, all of them from the caller's organisation."""

    def check(o: Org, body: Any) -> bool:
        ours = set(
            model.objects.filter(organisation=o.world.organisation).values_list("pk", flat=True)
        )
        return bool(body["items"]) and {item["id"] for item in body["items"]} <= ours

    return check


def new_cycle_body(period: int) -> dict[str, Any]:
    return {
        "name": "H2 reviews",
        "period": period,
        "competencies": [{"name": "Craft", "description": "Does good work"}],
        "scale": [{"value": 1, "label": "Low"}, {"value": 2, "label": "High"}],
    }


SEEING_IS_COMMENTING = "whoever may see a sheet may comment on it; for others it does not exist"
OWN_REVIEWS = "the caller's own reviews: others' are not listed (test_performance.py)"


def performance_rows(Call: Any) -> dict[str, dict[str, Any]]:
    return {
        "GET /members/{member_id}/goal-sheet": {
            "success": Call("vera", "GET", lambda o: f"/members/{o.rob.pk}/goal-sheet"),
            "invalid": Call(
                "vera", "GET", lambda o: f"/members/{o.rob.pk}/goal-sheet?period=abc", status=400
            ),
            "forbidden": Call(
                "olga", "GET", lambda o: f"/members/{o.rob.pk}/goal-sheet", status=404
            ),
            "elsewhere": Call(
                "ceo", "GET", lambda o: f"/members/{o.other.ceo.pk}/goal-sheet", status=404
            ),
        },
        "GET /goal-sheets/{sheet_id}": {
            "success": Call("vera", "GET", lambda o: f"/goal-sheets/{sheet(o).pk}"),
            "invalid": Call("vera", "GET", "/goal-sheets/abc", status=400),
            "forbidden": Call("olga", "GET", lambda o: f"/goal-sheets/{sheet(o).pk}", status=404),
            "elsewhere": Call(
                "ceo", "GET", lambda o: f"/goal-sheets/{other_sheet(o).pk}", status=404
            ),
        },
        "POST /goal-sheets/{sheet_id}/items": {
            "success": Call(
                "rob",
                "POST",
                lambda o: f"/goal-sheets/{sheet(o).pk}/items",
                {"kind": "measure", "title": "Calls", "target": 50, "weight": 20},
                201,
            ),
            "invalid": Call(
                "rob",
                "POST",
                lambda o: f"/goal-sheets/{sheet(o).pk}/items",
                {"kind": "measure", "title": "Flat", "start": 5, "target": 5},
                400,
            ),
            "forbidden": Call(
                "vera",
                "POST",
                lambda o: f"/goal-sheets/{intern_sheet(o).pk}/items",
                {"kind": "measure", "title": "Calls", "target": 50},
                403,
            ),
            "elsewhere": Call(
                "ceo",
                "POST",
                lambda o: f"/goal-sheets/{other_sheet(o).pk}/items",
                {"kind": "measure", "title": "Calls", "target": 50},
                404,
            ),
        },
        "PATCH /goal-sheet-items/{item_id}": {
            "success": Call(
                "rob", "PATCH", lambda o: f"/goal-sheet-items/{robs_item(o).pk}", {"weight": 5}
            ),
            "invalid": Call(
                "rob",
                "PATCH",
                lambda o: f"/goal-sheet-items/{robs_item(o).pk}",
                {"weight": -1},
                400,
            ),
            "forbidden": Call(
                "vera",
                "PATCH",
                lambda o: f"/goal-sheet-items/{interns_item(o).pk}",
                {"weight": 5},
                403,
            ),
            "elsewhere": Call(
                "ceo",
                "PATCH",
                lambda o: f"/goal-sheet-items/{other_item(o).pk}",
                {"weight": 5},
                404,
            ),
        },
        "DELETE /goal-sheet-items/{item_id}": {
            "success": Call(
                "rob", "DELETE", lambda o: f"/goal-sheet-items/{robs_item(o).pk}", status=204
            ),
            "invalid": Call("rob", "DELETE", "/goal-sheet-items/0", status=400),
            "forbidden": Call(
                "vera", "DELETE", lambda o: f"/goal-sheet-items/{interns_item(o).pk}", status=403
            ),
            "elsewhere": Call(
                "ceo", "DELETE", lambda o: f"/goal-sheet-items/{other_item(o).pk}", status=404
            ),
        },
        "POST /goal-sheet-items/{item_id}/updates": {
            "success": Call(
                "rob",
                "POST",
                lambda o: f"/goal-sheet-items/{robs_item(o).pk}/updates",
                {"value": 4, "note": "Going well"},
                201,
            ),
            "invalid": Call(
                "rob",
                "POST",
                lambda o: f"/goal-sheet-items/{robs_item(o).pk}/updates",
                {"value": "lots"},
                400,
            ),
            "forbidden": Call(
                "vera",  # values are the owner's to record, like check-ins
                "POST",
                lambda o: f"/goal-sheet-items/{robs_item(o).pk}/updates",
                {"value": 4},
                403,
            ),
            "elsewhere": Call(
                "ceo",
                "POST",
                lambda o: f"/goal-sheet-items/{other_item(o).pk}/updates",
                {"value": 4},
                404,
            ),
        },
        "GET /goal-sheet-items/{item_id}/updates": {
            "success": Call(
                "vera", "GET", lambda o: f"/goal-sheet-items/{robs_item(o).pk}/updates"
            ),
            "invalid": Call(
                "vera",
                "GET",
                lambda o: f"/goal-sheet-items/{robs_item(o).pk}/updates?limit=0",
                status=400,
            ),
            "forbidden": Call(
                "olga", "GET", lambda o: f"/goal-sheet-items/{robs_item(o).pk}/updates", status=404
            ),
            "elsewhere": Call(
                "ceo", "GET", lambda o: f"/goal-sheet-items/{other_item(o).pk}/updates", status=404
            ),
        },
        "POST /goal-sheets/{sheet_id}/comments": {
            "success": Call(
                "vera",
                "POST",
                lambda o: f"/goal-sheets/{sheet(o).pk}/comments",
                {"body": "A good plan."},
                201,
            ),
            "invalid": Call(
                "vera", "POST", lambda o: f"/goal-sheets/{sheet(o).pk}/comments", {"body": " "}, 400
            ),
            "forbidden": SEEING_IS_COMMENTING,
            "elsewhere": Call(
                "ceo",
                "POST",
                lambda o: f"/goal-sheets/{other_sheet(o).pk}/comments",
                {"body": "Hello"},
                404,
            ),
        },
        "GET /review-cycles": {
            "success": Call("ceo", "GET", lambda o: both_cycles(o, "/review-cycles")),
            "invalid": Call("ceo", "GET", "/review-cycles?limit=0", status=400),
            "forbidden": Call("olga", "GET", "/review-cycles", status=403),
            "elsewhere": Call(
                "ceo",
                "GET",
                lambda o: both_cycles(o, "/review-cycles"),
                check=only_ours(ReviewCycle),
            ),
        },
        "POST /review-cycles": {
            "success": Call(
                "ceo", "POST", "/review-cycles", lambda o: new_cycle_body(o.world.period.pk), 201
            ),
            "invalid": Call(
                "ceo",
                "POST",
                "/review-cycles",
                lambda o: {
                    **new_cycle_body(o.world.period.pk),
                    "scale": [{"value": 1, "label": "Only"}],
                },
                400,
            ),
            "forbidden": Call(
                "olga", "POST", "/review-cycles", lambda o: new_cycle_body(o.world.period.pk), 403
            ),
            "elsewhere": Call(
                "ceo", "POST", "/review-cycles", lambda o: new_cycle_body(o.other.period.pk), 404
            ),
        },
        "GET /review-cycles/{cycle_id}": {
            "success": Call("ceo", "GET", lambda o: f"/review-cycles/{cycle(o).pk}"),
            "invalid": Call("ceo", "GET", "/review-cycles/abc", status=400),
            "forbidden": Call("olga", "GET", lambda o: f"/review-cycles/{cycle(o).pk}", status=403),
            "elsewhere": Call(
                "ceo", "GET", lambda o: f"/review-cycles/{other_cycle(o).pk}", status=404
            ),
        },
        "PATCH /review-cycles/{cycle_id}": {
            "success": Call(
                "ceo",
                "PATCH",
                lambda o: f"/review-cycles/{cycle(o).pk}",
                {"goals_weight": 0.3, "competencies_weight": 0.7},
            ),
            "invalid": Call(
                "ceo",
                "PATCH",
                lambda o: f"/review-cycles/{cycle(o).pk}",
                {"goals_weight": 0.7},
                400,
            ),
            "forbidden": Call(
                "olga",
                "PATCH",
                lambda o: f"/review-cycles/{cycle(o).pk}",
                {"goals_weight": 0.3, "competencies_weight": 0.7},
                403,
            ),
            "elsewhere": Call(
                "ceo",
                "PATCH",
                lambda o: f"/review-cycles/{other_cycle(o).pk}",
                {"goals_weight": 0.3, "competencies_weight": 0.7},
                404,
            ),
        },
        "POST /review-cycles/{cycle_id}/advance": {
            "success": Call("ceo", "POST", lambda o: f"/review-cycles/{cycle(o).pk}/advance"),
            "invalid": Call(
                "ceo",
                "POST",
                lambda o: f"/review-cycles/{cycle(o, 'closed').pk}/advance",
                status=400,
            ),
            "forbidden": Call(
                "olga", "POST", lambda o: f"/review-cycles/{cycle(o).pk}/advance", status=403
            ),
            "elsewhere": Call(
                "ceo", "POST", lambda o: f"/review-cycles/{other_cycle(o).pk}/advance", status=404
            ),
        },
        "GET /review-cycles/{cycle_id}/reviews": {
            "success": Call("ceo", "GET", lambda o: f"/review-cycles/{cycle(o).pk}/reviews"),
            "invalid": Call(
                "ceo",
                "GET",
                lambda o: f"/review-cycles/{cycle(o).pk}/reviews?offset=-1",
                status=400,
            ),
            "forbidden": Call(
                "olga", "GET", lambda o: f"/review-cycles/{cycle(o).pk}/reviews", status=403
            ),
            "elsewhere": Call(
                "ceo", "GET", lambda o: f"/review-cycles/{other_cycle(o).pk}/reviews", status=404
            ),
        },
        "GET /reviews": {
            "success": Call("rob", "GET", lambda o: both_cycles(o, "/reviews")),
            "invalid": Call("rob", "GET", "/reviews?role=boss", status=400),
            "forbidden": OWN_REVIEWS,
            "elsewhere": Call(
                "rob", "GET", lambda o: both_cycles(o, "/reviews"), check=only_ours(Review)
            ),
        },
        "GET /reviews/{review_id}": {
            "success": Call("vera", "GET", lambda o: f"/reviews/{review_id(o)}"),
            "invalid": Call("vera", "GET", "/reviews/abc", status=400),
            "forbidden": Call("olga", "GET", lambda o: f"/reviews/{review_id(o)}", status=404),
            "elsewhere": Call(
                "ceo", "GET", lambda o: f"/reviews/{review_id(o, o.other)}", status=404
            ),
        },
        "PATCH /assessments/{assessment_id}": {
            "success": Call(
                "vera",
                "PATCH",
                lambda o: f"/assessments/{managers(o).pk}",
                {"overall_comment": "A good half."},
            ),
            "invalid": Call(
                "vera",  # past its phase
                "PATCH",
                lambda o: f"/assessments/{managers(o, 'calibration').pk}",
                {"overall_comment": "Late."},
                400,
            ),
            "forbidden": Call(
                "ceo",  # a super user sees it but does not write it
                "PATCH",
                lambda o: f"/assessments/{managers(o).pk}",
                {"overall_comment": "Mine."},
                403,
            ),
            "elsewhere": Call(
                "ceo",
                "PATCH",
                lambda o: f"/assessments/{other_managers(o).pk}",
                {"overall_comment": "Ours."},
                404,
            ),
        },
        "POST /assessments/{assessment_id}/submit": {
            "success": Call("vera", "POST", lambda o: f"/assessments/{rated(o).pk}/submit"),
            "invalid": Call(
                "vera", "POST", lambda o: f"/assessments/{managers(o).pk}/submit", status=400
            ),
            "forbidden": Call(
                "ceo", "POST", lambda o: f"/assessments/{rated(o).pk}/submit", status=403
            ),
            "elsewhere": Call(
                "ceo", "POST", lambda o: f"/assessments/{other_managers(o).pk}/submit", status=404
            ),
        },
        "POST /assessments/{assessment_id}/reopen": {
            "success": Call(
                "ceo", "POST", lambda o: f"/assessments/{rated(o, submit=True).pk}/reopen"
            ),
            "invalid": Call(
                "ceo", "POST", lambda o: f"/assessments/{managers(o).pk}/reopen", status=400
            ),
            "forbidden": Call(
                "vera",
                "POST",
                lambda o: f"/assessments/{rated(o, submit=True).pk}/reopen",
                status=403,
            ),
            "elsewhere": Call(
                "ceo", "POST", lambda o: f"/assessments/{other_managers(o).pk}/reopen", status=404
            ),
        },
        "POST /assessments/{assessment_id}/refresh-goals": {
            "success": Call(
                "vera", "POST", lambda o: f"/assessments/{managers(o).pk}/refresh-goals"
            ),
            "invalid": Call(
                "vera",
                "POST",
                lambda o: f"/assessments/{managers(o, 'calibration').pk}/refresh-goals",
                status=400,
            ),
            "forbidden": Call(
                "ceo", "POST", lambda o: f"/assessments/{managers(o).pk}/refresh-goals", status=403
            ),
            "elsewhere": Call(
                "ceo",
                "POST",
                lambda o: f"/assessments/{other_managers(o).pk}/refresh-goals",
                status=404,
            ),
        },
    }
