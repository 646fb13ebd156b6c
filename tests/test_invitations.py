"""Inviting people, and the password pages.

A super user invites someone by email; the email (and the screen) carry a set-password link; the
invited person chooses a password, lands in the organisation and can sign in from then on, with
the role, manager and teams they were invited with. The link works once.
"""

from __future__ import annotations

import contextlib
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from cascade.accounts.models import User
from cascade.audit.models import AuditEvent, EventKind
from cascade.orgs import services as orgs
from cascade.orgs.models import Member, Role, Team, TeamMembership
from tests.builders import make_world

PASSWORD = "pw-for-tests-only"
NEW_PASSWORD = "a long and unusual passphrase 7"
LINK = re.compile(r"http://testserver/invite/[^/\s]+/[^/\s]+/")


def sign_in(client, member) -> None:
    client.logout()
    assert client.login(username=member.user.email, password=PASSWORD)


def invite_url(world) -> str:
    return reverse("settings-invite", kwargs={"org": world.organisation.slug})


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

    # The email went out, with the link; the same link is on the inviting super user's screen.
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["nina.new@example.com"]
    assert world.organisation.name in email.subject
    link = LINK.search(email.body).group(0)
    assert link in page
    assert "Invitation sent" in page

    # Until then, the new account has no usable password: nobody can sign in with it.
    user = User.objects.get(email="nina.new@example.com")
    assert not user.has_usable_password()
    assert not client.login(username=user.email, password="")

    # The invited person follows the link (signed out), chooses a password, lands in Acme.
    client.logout()
    response = client.get(link)
    assert response.status_code == 302  # the token moves from the URL into the session
    form_url = response["Location"]
    assert form_url.endswith("/set-password/")
    form = client.get(form_url)
    assert form.status_code == 200
    assert "You are joining" in form.text
    assert world.organisation.name in form.text
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("my-week", kwargs={"org": world.organisation.slug})
    people = reverse("people", kwargs={"org": world.organisation.slug})
    assert client.get(people).status_code == 200  # signed in already

    # From now on they sign in with that password.
    client.logout()
    assert client.login(username="nina.new@example.com", password=NEW_PASSWORD)
    assert client.get(people).status_code == 200

    # …as a member with the role, title, manager and team they were invited with.
    member = Member.objects.get(organisation=world.organisation, user__email="nina.new@example.com")
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
    used = client.get(link, follow=True)
    assert "does not work" in used.text
    assert "new_password1" not in used.text


def test_the_invitation_is_audited(client, world, team, django_capture_on_commit_callbacks):
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
        "new_account": True,
    }
    assert member.role == Role.SUPER_USER


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
        orgs.invite_member(
            actor=world.ceo, email=vera.user.email, full_name="Vera", site_url="http://x/"
        )
    assert "reactivate" in refused.value.message_dict["email"][0]


def test_someone_with_an_account_elsewhere_joins_by_signing_in(
    client, world, django_capture_on_commit_callbacks
):
    other = make_world()
    theo = other.person("Theo Two-Hats", manager=other.ceo)
    page = invite_on_screen(
        client,
        world,
        django_capture_on_commit_callbacks,
        email=theo.user.email,
        full_name="Ignored Name",
        role="member",
    )
    assert "already has a Cascade account" in page
    [email] = mail.outbox
    assert "http://testserver/login/" in email.body
    assert not LINK.search(email.body)  # no set-password link: their password stays theirs
    theo_user = User.objects.get(pk=theo.user_id)
    assert theo_user.full_name == "Theo Two-Hats"
    assert theo_user.check_password(PASSWORD)
    assert Member.objects.filter(user=theo_user, organisation=world.organisation).exists()
    event = AuditEvent.objects.get(kind=EventKind.MEMBER_INVITED)
    assert event.data["new_account"] is False


def test_the_email_is_sent_only_once_the_invitation_is_saved(
    world, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        contextlib.suppress(RuntimeError),
        transaction.atomic(),
    ):
        orgs.invite_member(
            actor=world.ceo, email="ghost@example.com", full_name="Ghost", site_url="http://x/"
        )
        raise RuntimeError("the transaction that invited rolls back")
    assert callbacks == []
    assert mail.outbox == []  # nobody is mailed a link to an account that does not exist
    assert not User.objects.filter(email="ghost@example.com").exists()


def test_a_new_link_can_be_sent_until_the_password_is_set(
    client, world, django_capture_on_commit_callbacks
):
    invite_on_screen(
        client,
        world,
        django_capture_on_commit_callbacks,
        email="late@example.com",
        full_name="Lou Late",
        role="member",
    )
    member = Member.objects.get(user__email="late@example.com")
    resend = reverse(
        "settings-resend", kwargs={"org": world.organisation.slug, "member_id": member.pk}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend)
    assert response.status_code == 200
    assert len(mail.outbox) == 2
    assert (
        AuditEvent.objects.filter(kind=EventKind.INVITATION_RESENT, object_id=member.pk).count()
        == 1
    )
    link = LINK.search(mail.outbox[1].body).group(0)
    client.logout()
    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    # Once they have a password, there is nothing to resend.
    sign_in(client, world.ceo)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend, follow=True)
    assert "already set a password" in response.text
    assert len(mail.outbox) == 2


def test_a_weak_or_mismatched_password_is_refused(
    client, world, django_capture_on_commit_callbacks
):
    invite_on_screen(
        client,
        world,
        django_capture_on_commit_callbacks,
        email="wes@example.com",
        full_name="Wes Weak",
        role="member",
    )
    link = LINK.search(mail.outbox[0].body).group(0)
    client.logout()
    form_url = client.get(link)["Location"]
    for first, second in [
        ("password", "password"),
        ("12345678", "12345678"),
        (NEW_PASSWORD, NEW_PASSWORD + "x"),
    ]:
        response = client.post(form_url, {"new_password1": first, "new_password2": second})
        assert response.status_code == 200
        assert 'role="alert"' in response.text
    assert not User.objects.get(email="wes@example.com").has_usable_password()


def test_a_forged_or_foreign_token_does_not_open_an_invitation(client, world):
    vera = world.person("Vera VP", manager=world.ceo)
    uid = urlsafe_base64_encode(force_bytes(vera.user_id))
    for token in ["abc-123", default_token_generator.make_token(vera.user)]:  # a reset token
        response = client.get(reverse("invite-accept", kwargs={"uidb64": uid, "token": token}))
        assert response.status_code == 200
        assert "does not work" in response.text
    response = client.get(reverse("invite-accept", kwargs={"uidb64": "bm9wZQ", "token": "x-y"}))
    assert response.status_code == 200
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


def test_password_pages_need_a_signed_in_user(client, db):
    for name in ["password_change", "password_change_done"]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
