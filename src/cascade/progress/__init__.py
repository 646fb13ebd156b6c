"""The progress rules of Cascade (DESIGN §3), as pure functions.

Every progress figure the product shows comes from this package. It imports nothing from
Django or from the apps (an import-linter contract in pyproject.toml checks this), so the
rules can be read, tested and reasoned about on their own.
"""

from cascade.progress.goals import (
    COUNTING_STATES,
    OPEN_STATES,
    Contributor,
    ContributorKind,
    Explanation,
    GoalState,
    Share,
    explain,
    goal_progress,
)
from cascade.progress.graph import (
    CycleError,
    GoalNode,
    KeyResultNode,
    Link,
    closes_cycle,
    evaluate,
    resolve_sums,
    topological_order,
)
from cascade.progress.keyresults import (
    Direction,
    KeyResultValues,
    Kind,
    Problem,
    attainment,
    progress,
    sum_of_children,
    validation_errors,
)
from cascade.progress.schedule import (
    Point,
    Status,
    expected_from,
    expected_progress,
    forecast,
    status,
)

__all__ = [
    "COUNTING_STATES",
    "OPEN_STATES",
    "Contributor",
    "ContributorKind",
    "CycleError",
    "Direction",
    "Explanation",
    "GoalNode",
    "GoalState",
    "KeyResultNode",
    "KeyResultValues",
    "Kind",
    "Link",
    "Point",
    "Problem",
    "Share",
    "Status",
    "attainment",
    "closes_cycle",
    "evaluate",
    "expected_from",
    "expected_progress",
    "explain",
    "forecast",
    "goal_progress",
    "progress",
    "resolve_sums",
    "status",
    "sum_of_children",
    "topological_order",
    "validation_errors",
]
