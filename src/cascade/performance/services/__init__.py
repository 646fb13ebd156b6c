"""Every write of performance management: goal sheets, review cycles and assessments. The app's
one public write surface: callers use ``from cascade.performance import services``; the modules
of this package (one a noun) are its inside.

Like every service in Cascade: one transaction, everything in the actor's organisation, the
actor's right checked (``cascade.permissions``), input validated before anything is written, and
an audit event.
"""

from cascade.performance.services.assessments import (
    refresh_goals_snapshot,
    reopen_assessment,
    save_assessment,
)
from cascade.performance.services.goals_in_reviews import set_goals_in_reviews
from cascade.performance.services.review_cycles import (
    SPLIT_PLACES,
    SUPER_USERS_ONLY,
    advance_phase,
    change_review_split,
    create_review_cycle,
)
from cascade.performance.services.sheets import (
    add_sheet_item,
    change_sheet_item,
    comment_on_sheet,
    remove_sheet_item,
    sheet_for,
    update_sheet_item,
)

__all__ = [
    "SPLIT_PLACES",
    "SUPER_USERS_ONLY",
    "add_sheet_item",
    "advance_phase",
    "change_review_split",
    "change_sheet_item",
    "comment_on_sheet",
    "create_review_cycle",
    "refresh_goals_snapshot",
    "remove_sheet_item",
    "reopen_assessment",
    "save_assessment",
    "set_goals_in_reviews",
    "sheet_for",
    "update_sheet_item",
]
