"""Every write to goals, key results, contributions and check-ins: the app's one public write
surface. Callers use ``from cascade.goals import services; services.check_in(...)``; the modules
of this package (one a noun) are its inside.

Each service is one transaction that: checks that everything belongs to the actor's
organisation (anything else is NotFound); parses its input; locks the rows it will change and
everything above them (``cascade.goals.rollup``); checks the actor's right on those fresh rows
(``cascade.permissions``) and the state rules; only then writes, updates the cached progress
above the change and records an audit event. Any refusal raises before the first write, and the
transaction leaves nothing behind.
"""

from cascade.goals.services._shared import OWNER_ONLY
from cascade.goals.services.carry_over import Copied, copy_goals
from cascade.goals.services.checkins import check_in, check_in_many
from cascade.goals.services.comments import (
    COMMENT_AUTHOR_ONLY,
    add_comment,
    delete_comment,
    edit_comment,
)
from cascade.goals.services.contributions import (
    ALIGN_RULE,
    align_goal,
    change_contribution_weight,
    remove_contribution,
)
from cascade.goals.services.goals import (
    EDITABLE_GOAL_FIELDS,
    HAND_OVER_RULE,
    create_goal,
    start_goal,
    update_goal,
)
from cascade.goals.services.key_results import (
    EDITABLE_KR_FIELDS,
    add_key_result,
    remove_key_result,
    update_key_result,
)
from cascade.goals.services.states import (
    ACTIVE_NEEDS,
    activate_goal,
    archive_goal,
    close_goal,
    reopen_goal,
    restore_goal,
)

__all__ = [
    "ACTIVE_NEEDS",
    "ALIGN_RULE",
    "COMMENT_AUTHOR_ONLY",
    "EDITABLE_GOAL_FIELDS",
    "EDITABLE_KR_FIELDS",
    "HAND_OVER_RULE",
    "OWNER_ONLY",
    "Copied",
    "activate_goal",
    "add_comment",
    "add_key_result",
    "align_goal",
    "archive_goal",
    "change_contribution_weight",
    "check_in",
    "check_in_many",
    "close_goal",
    "copy_goals",
    "create_goal",
    "delete_comment",
    "edit_comment",
    "remove_contribution",
    "remove_key_result",
    "reopen_goal",
    "restore_goal",
    "start_goal",
    "update_goal",
    "update_key_result",
]
