"""Organisation services: people, teams, periods and settings are for super users only,
their input is validated before anything is written, and each write leaves one audit event."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cascade.accounts.models import User
from cascade.audit.models import AuditEvent, EventKind
from cascade.core.errors import NotFound
from cascade.goals.models import Goal, KeyResult
from cascade.orgs import services as orgs
from cascade.orgs.models import Member, Organisation, Period, Role, Team, TeamMembership
from tests.builders import make_world

MODELS = (User, Organisation, Member, Team, TeamMembership, Period, Goal, KeyResult, AuditEvent)


def snapshot() -> dict[str, object]:
    return {
        "row counts": {model.__name__: model.objects.count() for model in MODELS},
        "every row": {
            model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS
        },
    }


def refused(call, error: type[Exception] = ValidationError, *, field: str | None = None):
    """Run ``call``, expect ``error``, and prove that nothing changed."""
    before = snapshot()
    with pytest.raises(error) as caught:
        call()
    after = snapshot()
    for part in before:
        assert after[part] == before[part], f"a refused call changed the {part}"
    if isinstance(caught.value, ValidationError):
        assert all(len(m.strip()) > 10 for m in caught.value.messages), caught.value
        if field is not None:
            assert field in caught.value.message_dict, caught.value
    else:
        assert str(caught.value).strip()
    return caught.value


def one_event(call):
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    result = call()
    new = list(AuditEvent.objects.filter(id__gt=last))
    assert len(new) == 1, [event.kind for event in new]
    return result, new[0]


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def new_user(name: str = "New Person") -> User:
    n = User.objects.count() + 1
    return User.objects.create_user(f"new{n}@example.com", "pw-for-tests-only", full_name=name)


@pytest.fixture
def org(world):
    """CEO ← Vic VP ← Mia manager ← Olive; Sam a second super user; Pat a plain member."""
    vp = world.person("Vic VP", manager=world.ceo)
    manager = world.person("Mia Manager", manager=vp)
    olive = world.person("Olive", manager=manager)
    return SimpleNamespace(
        world=world,
        ceo=world.ceo,
        vp=vp,
        manager=manager,
        olive=olive,
        admin=world.person("Sam Super", role=Role.SUPER_USER),
        pat=world.person("Pat Plain", manager=world.ceo),
        period=world.period,
        newcomer=new_user("Nat Newcomer"),
    )


def deactivate(member: Member) -> Member:
    Member.objects.filter(pk=member.pk).update(is_active=False)
    return fresh(member)


# --------------------------------------------------------------------------- who may

ADMIN_WRITES = {
    "add_member": lambda o, actor: orgs.add_member(actor=actor, user=o.newcomer),
    "change_member": lambda o, actor: orgs.change_member(actor=actor, member=o.olive, title="Lead"),
    "create_team": lambda o, actor: orgs.create_team(actor=actor, name="Platform"),
    "create_period": lambda o, actor: orgs.create_period(
        actor=actor, name="Oct", kind="month", start=date(2026, 10, 1), end=date(2026, 10, 31)
    ),
    "change_status_margins": lambda o, actor: orgs.change_status_margins(
        actor=actor, at_risk_margin="0.05", off_track_margin="0.2"
    ),
}


@pytest.mark.parametrize("write", ADMIN_WRITES.values(), ids=ADMIN_WRITES.keys())
@pytest.mark.parametrize("who", ["ceo", "admin"])
def test_super_users_run_the_organisation(org, write, who):
    _, event = one_event(lambda: write(org, getattr(org, who)))
    assert event.actor == getattr(org, who)


@pytest.mark.parametrize("write", ADMIN_WRITES.values(), ids=ADMIN_WRITES.keys())
@pytest.mark.parametrize("who", ["pat", "manager", "vp"])
def test_members_do_not_run_the_organisation_not_even_managers(org, write, who):
    refused(lambda: write(org, getattr(org, who)), PermissionDenied)


@pytest.mark.parametrize("write", ADMIN_WRITES.values(), ids=ADMIN_WRITES.keys())
def test_deactivated_super_user_does_not_run_the_organisation(org, write):
    admin = deactivate(org.admin)
    refused(lambda: write(org, admin), PermissionDenied)


def test_super_user_of_another_organisation_does_not_run_ours(org):
    elsewhere = make_world()
    refused(
        lambda: orgs.change_member(actor=elsewhere.ceo, member=org.olive, title="Spy"), NotFound
    )
    refused(
        lambda: orgs.add_member(actor=elsewhere.ceo, user=org.newcomer, manager=org.olive),
        NotFound,
    )
    refused(
        lambda: orgs.change_member(actor=org.ceo, member=elsewhere.ceo, role=Role.MEMBER),
        NotFound,
    )
    refused(
        lambda: orgs.change_member(actor=org.ceo, member=org.olive, manager=elsewhere.ceo),
        NotFound,
    )
    theirs = orgs.create_team(actor=elsewhere.ceo, name="Theirs")
    refused(lambda: orgs.create_team(actor=org.ceo, name="Sub", parent=theirs), NotFound)
    refused(lambda: orgs.create_team(actor=org.ceo, name="Led", lead=elsewhere.ceo), NotFound)
    refused(
        lambda: orgs.create_team(actor=org.ceo, name="Mixed", members=[org.olive, elsewhere.ceo]),
        NotFound,
    )
    refused(
        lambda: orgs.create_period(
            actor=org.ceo,
            name="Nov",
            start=date(2026, 11, 1),
            end=date(2026, 11, 30),
            parent=elsewhere.period,
        ),
        NotFound,
    )


# --------------------------------------------------------------------------- organisations


def test_founder_is_the_first_super_user(db):
    founder = new_user("Fay Founder")
    member, event = one_event(lambda: orgs.create_organisation(name="Acme Ltd", founder=founder))
    assert member.role == Role.SUPER_USER
    assert member.organisation.slug == "acme-ltd"
    assert event.kind == EventKind.ORGANISATION_CREATED
    assert event.actor == member
    assert event.organisation_id == member.organisation_id


def test_organisation_address_is_unique(db):
    orgs.create_organisation(name="Acme", founder=new_user())
    second = new_user()
    refused(lambda: orgs.create_organisation(name="ACME", founder=second), field="slug")


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_organisation_needs_a_name(db, name):
    founder = new_user()
    refused(lambda: orgs.create_organisation(name=name, founder=founder), field="name")


# --------------------------------------------------------------------------- members


def test_add_member_records_member_added(org):
    user = new_user("Nia New")
    member, event = one_event(
        lambda: orgs.add_member(actor=org.ceo, user=user, title="  Engineer ", manager=org.manager)
    )
    stored = fresh(member)
    assert (stored.role, stored.title, stored.manager) == (Role.MEMBER, "Engineer", org.manager)
    assert stored.organisation_id == org.world.organisation.pk
    assert event.kind == EventKind.MEMBER_ADDED
    assert event.actor == org.ceo
    assert event.object_id == member.pk
    assert event.data == {"email": user.email, "role": "member", "manager": org.manager.pk}


def test_add_member_role_must_be_known(org):
    user = new_user()
    refused(lambda: orgs.add_member(actor=org.ceo, user=user, role="owner"), field="role")


def test_a_person_is_a_member_once(org):
    refused(lambda: orgs.add_member(actor=org.ceo, user=org.olive.user), field="user")


def test_member_title_has_a_length_limit(org):
    # Regression, fixed: add_member and change_member do not check the title's length (Member.title is
    # CharField(max_length=120)). A 121-character title is stored as is on SQLite and fails
    # with django.db.DataError "value too long" on PostgreSQL, instead of a ValidationError
    # naming "title" like every other text field of the services.
    user = new_user()
    refused(lambda: orgs.add_member(actor=org.ceo, user=user, title="t" * 121), field="title")
    refused(
        lambda: orgs.change_member(actor=org.ceo, member=org.olive, title="t" * 121),
        field="title",
    )


def test_change_member_records_what_changed(org):
    _, event = one_event(
        lambda: orgs.change_member(
            actor=org.ceo, member=org.olive, role=Role.SUPER_USER, title="Lead", manager=org.vp
        )
    )
    stored = fresh(org.olive)
    assert (stored.role, stored.title, stored.manager) == (Role.SUPER_USER, "Lead", org.vp)
    assert event.kind == EventKind.MEMBER_CHANGED
    assert event.actor == org.ceo
    assert event.data == {
        "role": ["member", "super_user"],
        "title": ["", "Lead"],
        "manager": [org.manager.pk, org.vp.pk],
    }


def test_change_member_without_a_change_records_nothing(org):
    before = AuditEvent.objects.count()
    orgs.change_member(actor=org.ceo, member=org.olive, title="", manager=org.manager)
    assert AuditEvent.objects.count() == before


def test_manager_can_be_removed(org):
    orgs.change_member(actor=org.ceo, member=org.olive, manager=None)
    assert fresh(org.olive).manager is None


@pytest.mark.parametrize(
    ("member", "manager"),
    [
        ("olive", "olive"),  # one's own manager
        ("manager", "olive"),  # one's direct report
        ("vp", "olive"),  # someone further down one's line
        ("ceo", "olive"),  # the top of the tree under its bottom
    ],
    ids=["self", "direct report", "indirect report", "top under bottom"],
)
def test_change_member_refuses_a_manager_loop(org, member, manager):
    refused(
        lambda: orgs.change_member(
            actor=org.admin, member=getattr(org, member), manager=getattr(org, manager)
        ),
        field="manager",
    )


def test_change_member_refuses_a_loop_and_keeps_the_other_changes_out(org):
    refused(
        lambda: orgs.change_member(
            actor=org.admin,
            member=org.vp,
            title="Changed",
            role=Role.SUPER_USER,
            manager=org.olive,
        ),
        field="manager",
    )


def test_sideways_manager_change_is_not_a_loop(org):
    orgs.change_member(actor=org.ceo, member=org.olive, manager=org.pat)
    assert fresh(org.olive).manager == org.pat


def test_change_member_role_must_be_known(org):
    refused(lambda: orgs.change_member(actor=org.ceo, member=org.olive, role="admin"), field="role")


def test_super_user_cannot_drop_their_own_role(org):
    refused(
        lambda: orgs.change_member(actor=org.ceo, member=org.ceo, role=Role.MEMBER), field="role"
    )
    # Another super user may.
    orgs.change_member(actor=org.admin, member=org.ceo, role=Role.MEMBER)
    assert fresh(org.ceo).role == Role.MEMBER


# --------------------------------------------------------------------------- teams


def test_create_team_with_lead_and_members_records_team_created(org):
    company = orgs.create_team(actor=org.ceo, name="Company")
    team, event = one_event(
        lambda: orgs.create_team(
            actor=org.admin,
            name="  Platform ",
            parent=company,
            lead=org.manager,
            members=[org.olive, org.manager],
        )
    )
    assert (team.name, team.parent, team.lead) == ("Platform", company, org.manager)
    assert set(team.members.all()) == {org.olive, org.manager}  # the lead is a member, once
    assert event.kind == EventKind.TEAM_CREATED
    assert event.actor == org.admin
    assert event.data == {
        "name": "Platform",
        "parent": company.pk,
        "members": sorted([org.olive.pk, org.manager.pk]),
    }


@pytest.mark.parametrize("name", ["", "  ", None, "n" * 121])
def test_team_needs_a_name(org, name):
    refused(lambda: orgs.create_team(actor=org.ceo, name=name), field="name")


def test_team_names_are_unique_in_an_organisation(org):
    orgs.create_team(actor=org.ceo, name="Sales")
    refused(lambda: orgs.create_team(actor=org.ceo, name=" Sales "), field="name")
    # Another organisation may have its own "Sales".
    elsewhere = make_world()
    assert orgs.create_team(actor=elsewhere.ceo, name="Sales").name == "Sales"


# --------------------------------------------------------------------------- periods


def test_create_period_records_period_created(org):
    period, event = one_event(
        lambda: orgs.create_period(
            actor=org.ceo,
            name="2027",
            kind="year",
            start=date(2027, 1, 1),
            end=date(2027, 12, 31),
        )
    )
    assert (period.start, period.end, period.kind) == (date(2027, 1, 1), date(2027, 12, 31), "year")
    assert event.kind == EventKind.PERIOD_CREATED
    assert event.actor == org.ceo
    assert event.data == {"name": "2027", "start": "2027-01-01", "end": "2027-12-31"}


def test_period_cannot_end_before_it_starts(org):
    refused(
        lambda: orgs.create_period(
            actor=org.ceo, name="Backwards", start=date(2027, 3, 31), end=date(2027, 1, 1)
        ),
        field="end",
    )


def test_period_of_one_day_is_fine(org):
    period = orgs.create_period(
        actor=org.ceo, name="Hack day", kind="custom", start=date(2027, 2, 1), end=date(2027, 2, 1)
    )
    assert period.start == period.end


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 12, 31), date(2027, 3, 31)),  # starts before the parent
        (date(2027, 10, 1), date(2028, 1, 1)),  # ends after the parent
        (date(2026, 1, 1), date(2028, 12, 31)),  # around the parent
    ],
)
def test_period_must_lie_inside_its_parent(org, start, end):
    year = orgs.create_period(
        actor=org.ceo, name="2027", kind="year", start=date(2027, 1, 1), end=date(2027, 12, 31)
    )
    refused(
        lambda: orgs.create_period(actor=org.ceo, name="Q", start=start, end=end, parent=year),
        field="parent",
    )


def test_period_may_fill_its_parent_exactly(org):
    year = orgs.create_period(
        actor=org.ceo, name="2027", kind="year", start=date(2027, 1, 1), end=date(2027, 12, 31)
    )
    q1 = orgs.create_period(
        actor=org.ceo, name="Q1 2027", start=date(2027, 1, 1), end=date(2027, 3, 31), parent=year
    )
    whole = orgs.create_period(
        actor=org.ceo,
        name="All 2027",
        kind="custom",
        start=date(2027, 1, 1),
        end=date(2027, 12, 31),
        parent=year,
    )
    assert q1.parent == whole.parent == year


def test_period_kind_must_be_known(org):
    refused(
        lambda: orgs.create_period(
            actor=org.ceo,
            name="Sprint",
            kind="sprint",
            start=date(2027, 1, 1),
            end=date(2027, 1, 14),
        ),
        field="kind",
    )


def test_period_names_are_unique_in_an_organisation(org):
    refused(
        lambda: orgs.create_period(
            actor=org.ceo, name="Q4 2026", start=date(2026, 10, 1), end=date(2026, 12, 31)
        ),
        field="name",
    )


@pytest.mark.parametrize("name", ["", "  ", "p" * 61])
def test_period_needs_a_name(org, name):
    refused(
        lambda: orgs.create_period(
            actor=org.ceo, name=name, start=date(2027, 1, 1), end=date(2027, 1, 31)
        ),
        field="name",
    )


# --------------------------------------------------------------------------- status margins


def test_change_status_margins_records_settings_changed(org):
    organisation, event = one_event(
        lambda: orgs.change_status_margins(
            actor=org.ceo, at_risk_margin="0.05", off_track_margin="0.3"
        )
    )
    stored = fresh(organisation)
    assert (stored.at_risk_margin, stored.off_track_margin) == (Decimal("0.05"), Decimal("0.3"))
    assert event.kind == EventKind.ORGANISATION_SETTINGS_CHANGED
    assert event.actor == org.ceo
    assert event.organisation_id == organisation.pk
    old, new = event.data["margins"]
    assert [Decimal(x) for x in old] == [Decimal("0.1"), Decimal("0.25")]
    assert [Decimal(x) for x in new] == [Decimal("0.05"), Decimal("0.3")]


@pytest.mark.parametrize(
    ("at_risk", "off_track"), [(0, 0), ("0.2", "0.2"), (1, 1), (0, 1), ("0.001", "0.002")]
)
def test_margins_may_touch_their_bounds(org, at_risk, off_track):
    organisation = orgs.change_status_margins(
        actor=org.ceo, at_risk_margin=at_risk, off_track_margin=off_track
    )
    stored = fresh(organisation)
    assert stored.at_risk_margin == Decimal(str(at_risk))
    assert stored.off_track_margin == Decimal(str(off_track))


@pytest.mark.parametrize(
    ("at_risk", "off_track"),
    [
        ("-0.01", "0.2"),  # below 0
        ("0.3", "0.2"),  # at risk beyond off track
        ("0.1", "1.01"),  # above 1
        ("1.5", "2"),
        ("-1", "-0.5"),
    ],
)
def test_margins_must_satisfy_0_at_risk_off_track_1(org, at_risk, off_track):
    refused(
        lambda: orgs.change_status_margins(
            actor=org.ceo, at_risk_margin=at_risk, off_track_margin=off_track
        ),
        field="off_track_margin",
    )


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", None, True, ""], ids=repr)
@pytest.mark.parametrize("field", ["at_risk_margin", "off_track_margin"])
def test_margins_must_be_numbers(org, bad, field):
    values = {"at_risk_margin": "0.1", "off_track_margin": "0.25", field: bad}
    refused(lambda: orgs.change_status_margins(actor=org.ceo, **values), field=field)


def test_today_is_the_organisations_own_date():
    """Late on 30 November in UTC it is already 1 December in Auckland, still the 30th in
    Los Angeles: what is expected of a goal "by today" follows the organisation's time zone."""
    from datetime import UTC, date, datetime

    from cascade.core import clock
    from cascade.orgs.models import Organisation

    with clock.frozen_at(datetime(2026, 11, 30, 20, 0, tzinfo=UTC)):
        assert Organisation(timezone="Pacific/Auckland").today() == date(2026, 12, 1)
        assert Organisation(timezone="America/Los_Angeles").today() == date(2026, 11, 30)
        assert Organisation(timezone="UTC").today() == date(2026, 11, 30)
