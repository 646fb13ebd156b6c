"""Inviting people, accepting, and the password pages (rules: ``cascade.orgs.invitations``).

A super user invites someone by email; only the email carries the link. Someone new to Cascade
chooses a password through it and lands in the organisation, with the role, manager and teams
they were invited with; someone with an account accepts while signed in. The link works once,
for a week. Accounts are global, so the rules are tested as an attacker from another
organisation would try them.
"""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from cascade.accounts.models import User
from cascade.audit.models import AuditEvent, EventKind
from cascade.core import clock
from cascade.orgs import invitations
from cascade.orgs import services as orgs
from cascade.orgs.models import Invitation, Member, Role, Team, TeamMembership
from tests.builders import make_world

PASSWORD = "pw-for-tests-only"
NEW_PASSWORD = "a long and unusual passphrase 7"
LINK = re.compile(r"http://testserver/invitations/[^/\s]+/")


def sign_in(client, member) -> None:
    client.logout()
    assert client.login(username=member.user.email, password=PASSWORD)


def invite_url(world) -> str:
    return reverse("settings-invite", kwargs={"org": world.organisation.slug})


def my_week(world) -> str:
    return reverse("my-week", kwargs={"org": world.organisation.slug})


@pytest.fixture
def team(world) -> Team:
    return orgs.create_team(actor=world.ceo, name="Platform")


def invite_on_screen(client, world, django_capture_on_commit_callbacks, **data) -> str:
    """Post the invitation form as the CEO and return the response's page."""
    sign_in(client, world.ceo)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invite_url(world), data)
    assert response.status_code == 200, response.text
    return response.text


def invite(world, email, name, callbacks) -> str:
    """Invite through the service and return the emailed link."""
    before = len(mail.outbox)
    with callbacks(execute=True):
        invitations.invite_member(
            actor=world.ceo, email=email, full_name=name, site_url="http://testserver/"
        )
    return last_link(before)


def last_link(before: int) -> str:
    assert len(mail.outbox) == before + 1
    return LINK.search(mail.outbox[-1].body).group(0)


def set_password(client, link, password=NEW_PASSWORD):
    return client.post(link, {"new_password1": password, "new_password2": password})


def test_invite_set_password_sign_in_and_belong(
    client, world, team, django_capture_on_commit_callbacks
):
    vera = world.person("Vera VP", manager=world.ceo)
    page = invite_on_screen(
        client,
        world,
        django_capture_on_commit_callbacks,
        email="  Nina.New@Example.com ",
        full_name="Nina New",
        title="Platform engineer",
        role="member",
        manager=vera.pk,
        teams=[team.pk],
    )

    # The email went out with the link; the inviting super user's screen does not show it.
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["nina.new@example.com"]
    assert world.organisation.name in email.subject
    link = LINK.search(email.body).group(0)
    assert link not in page
    assert "/invitations/" not in page
    assert "Invitation sent" in page

    # Until then, the new account has no usable password and opens nothing.
    user = User.objects.get(email="nina.new@example.com")
    assert not user.has_usable_password()
    member = Member.objects.get(organisation=world.organisation, user=user)
    assert not member.has_joined

    # The invited person follows the link (signed out), chooses a password, lands in the org.
    client.logout()
    form = client.get(link)
    assert form.status_code == 200
    assert form["Cache-Control"].startswith("max-age=0")
    assert world.organisation.name in form.text
    assert "new_password1" in form.text
    response = set_password(client, link)
    assert response.status_code == 302
    assert response["Location"] == my_week(world)
    people = reverse("people", kwargs={"org": world.organisation.slug})
    assert client.get(people).status_code == 200  # signed in already

    # From now on they sign in with that password.
    client.logout()
    assert client.login(username="nina.new@example.com", password=NEW_PASSWORD)
    assert client.get(people).status_code == 200

    # …as a member with the role, title, manager and team they were invited with.
    member.refresh_from_db()
    assert member.has_joined
    assert (member.role, member.title, member.manager_id) == (
        Role.MEMBER,
        "Platform engineer",
        vera.pk,
    )
    assert list(TeamMembership.objects.filter(member=member).values_list("team_id", flat=True)) == [
        team.pk
    ]
    assert member.user.full_name == "Nina New"

    # The link worked once.
    client.logout()
    used = client.get(link)
    assert used.status_code == 404
    assert "does not work" in used.text
    assert "new_password1" not in used.text
    assert set_password(client, link, "another long passphrase 8").status_code == 404
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)


def test_every_step_is_audited(client, world, team, django_capture_on_commit_callbacks):
    invite_on_screen(
        client,
        world,
        django_capture_on_commit_callbacks,
        email="ada@example.com",
        full_name="Ada",
        role="super_user",
        teams=[team.pk],
    )
    event = AuditEvent.objects.get(kind=EventKind.MEMBER_INVITED)
    member = Member.objects.get(user__email="ada@example.com")
    assert event.actor_id == world.ceo.pk
    assert event.object_id == member.pk
    assert event.organisation_id == world.organisation.pk
    assert event.data == {
        "email": "ada@example.com",
        "role": "super_user",
        "manager": None,
        "teams": [team.pk],
    }
    assert member.role == Role.SUPER_USER
    resend = reverse(
        "settings-resend", kwargs={"org": world.organisation.slug, "member_id": member.pk}
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(resend).status_code == 200
    resent = AuditEvent.objects.get(kind=EventKind.INVITATION_RESENT)
    assert (resent.actor_id, resent.object_id) == (world.ceo.pk, member.pk)
    client.logout()
    set_password(client, LINK.search(mail.outbox[-1].body).group(0))
    accepted = AuditEvent.objects.get(kind=EventKind.INVITATION_ACCEPTED)
    assert (accepted.organisation_id, accepted.actor_id, accepted.object_id) == (
        world.organisation.pk,
        member.pk,
        member.pk,
    )
    assert accepted.data == {
        "invitation": Invitation.objects.get(member=member, accepted_at__isnull=False).pk,
        "method": "set_password",
    }


# --------------------------------------------------------------------------- another organisation


def test_another_organisation_cannot_take_over_a_pending_invitation(
    client, world, django_capture_on_commit_callbacks
):
    """The attack of issue 10.1: B invites an address A has invited, and tries to get in."""
    a_link = invite(
        world, "victim@example.com", "Victoria Real", django_capture_on_commit_callbacks
    )
    attacker = make_world("Evil Corp")
    sign_in(client, attacker.ceo)
    api = "/api/v1/members"
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            api,
            {"email": "victim@example.com", "full_name": "Guess Who", "role": "member"},
            content_type="application/json",
        )
    assert created.status_code == 201, created.text
    theirs = created.json()
    assert theirs["name"] == "Guess Who"  # not the name A knows her by
    assert theirs["joined"] is False
    assert "Victoria" not in created.text
    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post(f"{api}/{theirs['id']}/resend-invitation")
    assert resent.status_code == 200
    assert "/invitations/" not in resent.text
    assert "link" not in resent.json()
    assert "Victoria" not in resent.text
    # B's searches do not match the account's own name either.
    assert client.get(api, {"q": "Victoria"}).json()["items"] == []
    people = reverse("settings-people", kwargs={"org": attacker.organisation.slug})
    assert "Guess Who" in client.get(people, {"q": "Guess"}).text
    assert "Guess Who" not in client.get(people, {"q": "Victoria"}).text

    # The links went only to her mailbox; B's joins B only, and A's own link still works.
    assert [m.to for m in mail.outbox] == [["victim@example.com"]] * 3
    client.logout()
    assert set_password(client, a_link).status_code == 302
    victim = User.objects.get(email="victim@example.com")
    assert Member.objects.get(user=victim, organisation=world.organisation).has_joined
    assert not Member.objects.get(user=victim, organisation=attacker.organisation).has_joined
    # Nobody signed in as her reaches B's organisation before she accepts there.
    assert client.get(my_week(attacker)).status_code == 404
    token = client.post(
        "/api/v1/tokens",
        {
            "email": "victim@example.com",
            "password": NEW_PASSWORD,
            "organisation": attacker.organisation.slug,
        },
        content_type="application/json",
    )
    assert token.status_code == 401

    # B's newest link, once she has joined A, cannot set her password: she must sign in.
    b_link = LINK.search(mail.outbox[-1].body).group(0)
    client.logout()
    page = client.get(b_link)
    assert page.status_code == 302
    assert page["Location"].startswith("/login/")
    assert set_password(client, b_link, "the attacker's choice 99").status_code == 302
    assert User.objects.get(pk=victim.pk).check_password(NEW_PASSWORD)
    assert not Member.objects.get(user=victim, organisation=attacker.organisation).has_joined


def test_an_invitation_never_resets_an_existing_password(
    client, world, django_capture_on_commit_callbacks
):
    other = make_world()
    theo = other.person("Theo Two-Hats", manager=other.ceo)
    link = invite(world, theo.user.email, "Theo", django_capture_on_commit_callbacks)
    assert "sign in" in mail.outbox[-1].body
    client.logout()
    set_password(client, link, "the attacker's choice 99")
    theo_user = User.objects.get(pk=theo.user_id)
    assert theo_user.check_password(PASSWORD)
    assert theo_user.full_name == "Theo Two-Hats"
    assert not Member.objects.get(user=theo_user, organisation=world.organisation).has_joined


def test_the_answer_does_not_tell_whether_an_account_exists(
    client, world, django_capture_on_commit_callbacks
):
    other = make_world()
    known = other.person("Known Person", manager=other.ceo)
    sign_in(client, world.ceo)
    answers = []
    for email in [known.user.email, "nobody-yet@example.com"]:
        missing = client.post(
            "/api/v1/members", {"email": email, "role": "member"}, content_type="application/json"
        )
        assert missing.status_code == 400
        assert "full_name" in missing.json()["error"]["fields"]
        with django_capture_on_commit_callbacks(execute=True):
            created = client.post(
                "/api/v1/members",
                {"email": email, "full_name": "Pat Example", "role": "member"},
                content_type="application/json",
            )
        assert created.status_code == 201
        body = created.json()
        answers.append({k: v for k, v in body.items() if k not in ("id", "email", "joined_at")})
    assert answers[0] == answers[1]
    event_data = [e.data for e in AuditEvent.objects.filter(kind=EventKind.MEMBER_INVITED)]
    assert all("new_account" not in data for data in event_data)


def test_someone_with_an_account_accepts_while_signed_in(
    client, world, django_capture_on_commit_callbacks
):
    other = make_world()
    theo = other.person("Theo Two-Hats", manager=other.ceo)
    link = invite(world, theo.user.email, "Theo", django_capture_on_commit_callbacks)
    # Signed out: sign in first, then come back.
    client.logout()
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/invitations/")
    # Signed in as someone else: told so, nothing happens.
    sign_in(client, other.ceo)
    wrong = client.get(link)
    assert wrong.status_code == 200
    assert "you are signed in as" in wrong.text
    client.post(link)
    assert not Member.objects.get(user=theo.user, organisation=world.organisation).has_joined
    assert client.get(my_week(world)).status_code == 404
    # Signed in as Theo: one button.
    sign_in(client, theo)
    assert client.get(my_week(world)).status_code == 404  # not before accepting
    page = client.get(link)
    assert page.status_code == 200
    assert "new_password1" not in page.text
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == my_week(world)
    assert client.get(my_week(world)).status_code == 200
    joined = Member.objects.get(user=theo.user, organisation=world.organisation)
    assert joined.has_joined
    assert joined.name == "Theo Two-Hats"
    accepted = AuditEvent.objects.get(kind=EventKind.INVITATION_ACCEPTED)
    assert accepted.data["method"] == "signed_in"
    assert User.objects.get(pk=theo.user_id).check_password(PASSWORD)


def test_a_link_expires_after_a_week_and_a_new_one_replaces_it(
    client, world, django_capture_on_commit_callbacks
):
    first = invite(world, "late@example.com", "Lou Late", django_capture_on_commit_callbacks)
    member = Member.objects.get(user__email="late@example.com")
    client.logout()
    with clock.frozen_at(clock.now() + timedelta(days=invitations.VALID_DAYS, minutes=1)):
        assert client.get(first).status_code == 404
        assert set_password(client, first).status_code == 404
    sign_in(client, world.ceo)
    resend = reverse(
        "settings-resend", kwargs={"org": world.organisation.slug, "member_id": member.pk}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend)
    assert response.status_code == 200
    assert "/invitations/" not in response.text
    second = LINK.search(mail.outbox[-1].body).group(0)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(resend)
    third = LINK.search(mail.outbox[-1].body).group(0)
    client.logout()
    assert client.get(second).status_code == 404  # replaced by the third
    assert set_password(client, third).status_code == 302
    # Once they have joined, there is nothing to resend.
    sign_in(client, world.ceo)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend, follow=True)
    assert "has joined already" in response.text
    assert len(mail.outbox) == 3


def test_only_a_digest_of_the_link_is_stored(world, django_capture_on_commit_callbacks):
    link = invite(world, "dee@example.com", "Dee", django_capture_on_commit_callbacks)
    token = link.rstrip("/").rsplit("/", 1)[1]
    stored = Invitation.objects.get(member__user__email="dee@example.com")
    assert token not in stored.digest
    assert len(stored.digest) == 64


def test_a_deactivated_invitee_cannot_accept(client, world, django_capture_on_commit_callbacks):
    link = invite(world, "gone@example.com", "Gone", django_capture_on_commit_callbacks)
    member = Member.objects.get(user__email="gone@example.com")
    orgs.deactivate_member(actor=world.ceo, member=member)
    client.logout()
    response = set_password(client, link)
    assert response.status_code == 400
    assert not User.objects.get(email="gone@example.com").has_usable_password()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "not-an-email", "full_name": "X", "role": "member"}, "email", "valid email"),
        ({"email": "", "full_name": "X", "role": "member"}, "email", "required"),
        ({"email": "x@example.com", "full_name": "", "role": "member"}, "full_name", "required"),
        ({"email": "x@example.com", "full_name": "X", "role": "emperor"}, "role", "valid choice"),
        (
            {"email": "x@example.com", "full_name": "X", "role": "member", "manager": "999999"},
            "manager",
            "valid choice",
        ),
        (
            {"email": "x@example.com", "full_name": "X", "role": "member", "teams": ["999999"]},
            "teams",
            "valid choice",
        ),
        (
            {"email": "x@example.com", "full_name": "X" * 151, "role": "member"},
            "full_name",
            "at most 150",
        ),
    ],
)
def test_bad_invitations_are_explained_and_send_nothing(
    client, world, data, field, message, django_capture_on_commit_callbacks
):
    sign_in(client, world.ceo)
    users, members = User.objects.count(), Member.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invite_url(world), data)
    assert response.status_code == 400
    assert message in response.text
    assert 'class="field invalid"' in response.text or 'class="checklist invalid"' in response.text
    assert (User.objects.count(), Member.objects.count()) == (users, members)
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(kind=EventKind.MEMBER_INVITED).exists()


def test_inviting_a_member_twice_is_refused(client, world, django_capture_on_commit_callbacks):
    vera = world.person("Vera VP", manager=world.ceo)
    sign_in(client, world.ceo)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            invite_url(world),
            {"email": vera.user.email.upper(), "full_name": "Vera again", "role": "member"},
        )
    assert response.status_code == 400
    assert "already a member" in response.text
    assert mail.outbox == []


def test_inviting_a_deactivated_member_points_to_reactivation(world):
    vera = world.person("Vera VP", manager=world.ceo)
    orgs.deactivate_member(actor=world.ceo, member=vera)
    with pytest.raises(ValidationError) as refused:
        invitations.invite_member(
            actor=world.ceo, email=vera.user.email, full_name="Vera", site_url="http://x/"
        )
    assert "reactivate" in refused.value.message_dict["email"][0]


def test_the_email_is_sent_only_once_the_invitation_is_saved(
    world, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        contextlib.suppress(RuntimeError),
        transaction.atomic(),
    ):
        invitations.invite_member(
            actor=world.ceo, email="ghost@example.com", full_name="Ghost", site_url="http://x/"
        )
        raise RuntimeError("the transaction that invited rolls back")
    assert callbacks == []
    assert mail.outbox == []  # nobody is mailed a link to an account that does not exist
    assert not User.objects.filter(email="ghost@example.com").exists()


def test_a_weak_or_mismatched_password_is_refused(
    client, world, django_capture_on_commit_callbacks
):
    link = invite(world, "wes@example.com", "Wes Weak", django_capture_on_commit_callbacks)
    client.logout()
    for first, second in [
        ("password", "password"),
        ("12345678", "12345678"),
        (NEW_PASSWORD, NEW_PASSWORD + "x"),
    ]:
        response = client.post(link, {"new_password1": first, "new_password2": second})
        assert response.status_code == 400
        assert 'role="alert"' in response.text
    assert not User.objects.get(email="wes@example.com").has_usable_password()
    assert not Member.objects.get(user__email="wes@example.com").has_joined


def test_a_forged_token_does_not_open_an_invitation(client, world):
    for token in ["abc-123", "x" * 43, "x" * 5000]:
        response = client.get(reverse("invitation", kwargs={"token": token}))
        assert response.status_code == 404
        assert "does not work" in response.text


# --------------------------------------------------------------------------- password change


def test_change_password(client, world):
    sign_in(client, world.ceo)
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    assert 'autocomplete="current-password"' in page.text
    wrong = client.post(
        reverse("password_change"),
        {"old_password": "not it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    assert 'class="field invalid"' in wrong.text
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    done = client.get(reverse("password_change_done"))
    assert done.status_code == 200
    assert "Password changed" in done.text
    client.logout()
    assert client.login(username=world.ceo.user.email, password=NEW_PASSWORD)


def test_password_pages_need_a_signed_in_user(client, world):
    for name in ["password_change", "password_change_done"]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
