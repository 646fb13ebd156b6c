"""Who may see and do what. Every access rule of Cascade is here, and only here.

Services call ``require(...)`` before writing; views and the API call the same predicates to
decide what to show. The actor is always a ``Member``: a person acting inside one organisation.

The rules (DESIGN §2, the foundation issue):

* Nothing crosses organisations. Anything in another organisation does not exist for the
  caller (``NotFound``, never "forbidden", so ids do not leak).
* A goal's owner, or a super user, edits the goal and updates its key results.
* A goal may be created for yourself; a super user or your manager (at any level above you)
  may create one for you.
* An alignment (contribution) may be made, re-weighted or removed by the owner of either goal
  or a super user.
* A private goal is seen by its owner, the owner's manager, members of its team and super
  users. Everyone in the organisation sees public goals. A link between two goals is seen by
  whoever sees both of its ends: a link to a hidden goal shows its numbers, never its ids.
* Organisation settings, people, teams and periods are for super users.
* Whoever sees a goal may comment on it, and mention people who see it too; a comment is
  edited by its author only, and deleted by its author or a super user.
* Outbound webhooks (endpoints, deliveries, replays) are for super users.
* Data-source connections (Jira, Salesforce) are for super users; binding a key result to one,
  and asking it to sync now, follows editing the key result: its goal's owner or a super user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q

from cascade.core.errors import NotFound

if TYPE_CHECKING:
    from cascade.goals.models import Goal
    from cascade.orgs.models import Member
    from cascade.performance.models import Assessment, Review


class Scoped(Protocol):
    organisation_id: int


def require_same_organisation(actor: Member, *objects: Scoped | None) -> None:
    for obj in objects:
        if obj is not None and obj.organisation_id != actor.organisation_id:
            raise NotFound("No such object in this organisation.")


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def is_super_user(actor: Member) -> bool:
    return actor.is_active and actor.is_super_user


def manages(actor: Member, member: Member) -> bool:
    """Is ``actor`` above ``member`` in the reporting line? One query per level walked."""
    from cascade.orgs.models import Member as MemberModel

    seen = {member.pk}
    manager_id = member.manager_id
    while manager_id is not None and manager_id not in seen:
        if manager_id == actor.pk:
            return True
        seen.add(manager_id)
        manager_id = (
            MemberModel.objects.filter(pk=manager_id).values_list("manager_id", flat=True).first()
        )
    return False


# What a refusal of the super users' rules says, for the services and the selectors alike.
ORGANISATION_ADMINS_ONLY = (
    "Only super users may change the organisation's people, teams, periods and settings."
)
REVIEW_ADMINS_ONLY = "Only super users may run review cycles."


def can_manage_organisation(actor: Member) -> bool:
    return is_super_user(actor)


def require_organisation_admin(actor: Member, message: str = ORGANISATION_ADMINS_ONLY) -> None:
    """Refuse anyone but a super user: the organisation's people, teams, periods, settings and
    invitations are theirs."""
    require(can_manage_organisation(actor), message)


def can_create_goal_for(actor: Member, owner: Member) -> bool:
    if not actor.is_active or not owner.is_active:
        return False
    return owner.pk == actor.pk or is_super_user(actor) or manages(actor, owner)


def can_edit_goal(actor: Member, goal: Goal) -> bool:
    return actor.is_active and (goal.owner_id == actor.pk or is_super_user(actor))


# A KR is owned and updated by its goal's owner (DESIGN §2).
can_update_key_results = can_edit_goal


def can_align(actor: Member, junior: Goal, senior: Goal) -> bool:
    return actor.is_active and (
        actor.pk in (junior.owner_id, senior.owner_id) or is_super_user(actor)
    )


def can_manage_connections(actor: Member) -> bool:
    """Adding, changing, testing and removing data-source connections: super users."""
    return is_super_user(actor)


def can_manage_webhooks(actor: Member) -> bool:
    """Registering, changing, removing and replaying outbound webhooks, and reading their
    deliveries: super users."""
    return is_super_user(actor)


def can_read_source_errors(actor: Member) -> bool:
    """Reading a data source's error whole, host names and URLs included: super users (who set
    the connections up). Everyone else reads it without them (integrations.redaction)."""
    return is_super_user(actor)


def can_bind_key_result(actor: Member, goal: Goal) -> bool:
    """Binding a KR to a data source (or unbinding, or "sync now"), as for its check-ins."""
    return can_update_key_results(actor, goal)


def visible_goals(actor: Member) -> Q:
    """A filter for the goals ``actor`` may see (to combine with the organisation's goals)."""
    from cascade.orgs.models import TeamMembership

    if is_super_user(actor):
        return Q()
    in_team = Exists(TeamMembership.objects.filter(team_id=OuterRef("team_id"), member_id=actor.pk))
    return (
        Q(visibility="public") | Q(owner_id=actor.pk) | Q(owner__manager_id=actor.pk) | Q(in_team)
    )


def visible_contributions(actor: Member) -> Q:
    """A filter for the contributions ``actor`` may see, and so reach by id: both ends visible."""
    from cascade.goals.models import Goal as GoalModel

    goals = GoalModel.objects.filter(
        Q(organisation_id=actor.organisation_id) & visible_goals(actor)
    )
    return Q(junior__in=goals, senior__in=goals)


def can_view_goal(actor: Member, goal: Goal) -> bool:
    if goal.organisation_id != actor.organisation_id:
        return False
    if goal.visibility == "public" or goal.owner_id == actor.pk or is_super_user(actor):
        return True
    if goal.owner.manager_id == actor.pk:
        return True
    return goal.team is not None and goal.team.memberships.filter(member_id=actor.pk).exists()


def sees_goal(
    actor: Member,
    *,
    visibility: str,
    owner_id: int,
    owner_manager_id: int | None,
    team_member_ids: set[int] | frozenset[int],
) -> bool:
    """``can_view_goal`` from facts already read, for a reader of many goals at once (the
    weekly digest): the same rule, without a query per goal. The goal is of the actor's
    organisation (the caller read it there)."""
    if visibility == "public" or owner_id == actor.pk or is_super_user(actor):
        return True
    return owner_manager_id == actor.pk or actor.pk in team_member_ids


def goal_viewers(goal: Goal) -> Q:
    """A filter for the members who may see ``goal`` (``can_view_goal`` from the goal's side,
    to combine with the goal's organisation's members): whom a comment may mention."""
    if goal.visibility == "public":
        return Q()
    from cascade.orgs.models import Member as MemberModel
    from cascade.orgs.models import TeamMembership

    manager = MemberModel.objects.filter(pk=goal.owner_id).values("manager_id")
    seen = Q(pk=goal.owner_id) | Q(pk__in=manager) | Q(role="super_user")
    if goal.team_id is None:
        return seen
    return seen | Q(
        Exists(TeamMembership.objects.filter(team_id=goal.team_id, member_id=OuterRef("pk")))
    )


# Comments (on goals): whoever sees the goal may comment; only the author edits a comment; the
# author or a super user deletes one.
can_comment = can_view_goal


def can_edit_comment(actor: Member, author_id: int | None) -> bool:
    return actor.is_active and author_id == actor.pk


def can_delete_comment(actor: Member, author_id: int | None) -> bool:
    return can_edit_comment(actor, author_id) or is_super_user(actor)


# --------------------------------------------------------------------------- performance
# A goal sheet is its owner's; their manager (direct or higher up) sees it and comments on it,
# and the owner and their direct manager shape it (items, weights) while its period's review
# cycle is in planning. Super users may do everything a manager may.


def can_view_sheet(actor: Member, owner: Member) -> bool:
    return actor.pk == owner.pk or is_super_user(actor) or manages(actor, owner)


def can_edit_sheet(actor: Member, owner: Member) -> bool:
    return actor.is_active and (actor.pk in (owner.pk, owner.manager_id) or is_super_user(actor))


def can_update_sheet_values(actor: Member, owner: Member) -> bool:
    """Own-measure items are updated by their owner, like KR check-ins."""
    return actor.is_active and (actor.pk == owner.pk or is_super_user(actor))


can_comment_on_sheet = can_view_sheet


def can_manage_reviews(actor: Member) -> bool:
    """Review cycles, their phases, the score split and reopening assessments: super users."""
    return is_super_user(actor)


def can_view_review(actor: Member, reviewee: Member, manager_id: int | None) -> bool:
    return actor.pk in (reviewee.pk, manager_id) or is_super_user(actor) or manages(actor, reviewee)


def can_write_assessment(
    actor: Member, kind: str, reviewee: Member, manager_id: int | None
) -> bool:
    """The reviewee writes the self assessment, the reviewer (their manager) the other."""
    if not actor.is_active:
        return False
    return actor.pk == (reviewee.pk if kind == "self" else manager_id)


def can_see_manager_assessment(
    actor: Member, reviewee: Member, manager_id: int | None, shared: bool
) -> bool:
    """The reviewee sees the manager's assessment only once the review is shared."""
    if actor.pk == reviewee.pk:
        return shared
    return actor.pk == manager_id or is_super_user(actor) or manages(actor, reviewee)


def can_view_assessment(
    actor: Member, review: Review, assessment: Assessment, above: frozenset[int] = frozenset()
) -> bool:
    """An assessment of a review the actor may see (``can_view_review``): a draft self
    assessment is the reviewee's own until submitted; the manager's waits for the shared phase
    for the reviewee. ``above``: reviewees the actor is known to manage from higher up, so that
    a list of one person's reviews does not walk the reporting line once per row."""
    if assessment.kind == "self":
        return actor.pk == review.reviewee_id or assessment.is_submitted
    if review.reviewee_id in above:
        return True
    return can_see_manager_assessment(
        actor, review.reviewee, review.manager_id, review.cycle.is_shared
    )
