"""The first run of a real installation (issue 16): the setup page with its one-time code, the
`create_organisation` command, the admin's action and self-service sign-up."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from cascade.accounts.models import User
from cascade.orgs import setup
from cascade.orgs.models import Member, Organisation, Period, Role, SetupCode
from tests.builders import make_world
from tests.concurrency import in_threads

PASSWORD = "a long and unusual passphrase 7"


def form_data(code: str, **changes) -> dict:
    data = {
        "code": code,
        "organisation_name": "Umbrella Works",
        "slug": "umbrella",
        "timezone": "Europe/Berlin",
        "period_name": "Q1 2027",
        "period_start": "2027-01-01",
        "period_end": "2027-03-31",
        "admin_name": "Una Founder",
        "admin_email": "una@umbrella.example",
        "admin_password": PASSWORD,
    }
    return data | changes


def period(start=date(2027, 1, 1), end=date(2027, 3, 31)) -> setup.FirstPeriod:
    return setup.FirstPeriod(name="Q1 2027", start=start, end=end)


# --------------------------------------------------------------------------- the setup page


def test_every_page_leads_to_setup_until_there_is_an_organisation(client, db):
    for path in ["/", "/login/", "/o/acme/", "/password/", "/signup/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/setup/"
    assert client.get("/setup/").status_code == 200
    assert client.get("/api/v1/organisation").status_code == 401  # the API answers for itself
    make_world()
    assert client.get("/setup/").status_code == 404
    assert client.get("/login/").status_code == 200


def test_the_code_is_printed_at_start_and_stays_the_same(db, monkeypatch):
    out = io.StringIO()
    setup.announce_setup(out, "http://cascade.example:8000/")
    code = SetupCode.objects.get(used_at=None).code
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert f"http://cascade.example:8000/setup/ and enter the setup code {code}" in out.getvalue()
    worker = io.StringIO()
    with monkeypatch.context() as patched:  # the command's loop would run, and close the db
        patched.setattr("cascade.web.management.commands.worker.work", lambda **kw: None)
        call_command("worker", "--batch", stdout=worker)
    assert code in worker.getvalue()  # the worker prints the same code
    assert SetupCode.objects.count() == 1
    make_world()
    quiet = io.StringIO()
    setup.announce_setup(quiet)
    assert quiet.getvalue() == ""


def test_setting_up_creates_the_organisation_and_signs_in(client, db):
    code = setup.announce()
    response = client.post("/setup/", form_data(code.lower().replace("-", " ")))
    assert response.status_code == 302, response.text
    assert response["Location"] == "/o/umbrella/first-steps/"
    organisation = Organisation.objects.get()
    assert (organisation.name, organisation.slug, organisation.timezone) == (
        "Umbrella Works",
        "umbrella",
        "Europe/Berlin",
    )
    founder = Member.objects.get(organisation=organisation)
    assert founder.role == Role.SUPER_USER
    assert founder.has_joined
    assert founder.user.check_password(PASSWORD)
    first = Period.objects.get(organisation=organisation)
    assert (first.name, first.start, first.end, first.kind) == (
        "Q1 2027",
        date(2027, 1, 1),
        date(2027, 3, 31),
        "quarter",
    )
    steps = client.get(response["Location"])  # signed in already
    assert steps.status_code == 200
    for name in ["settings-teams", "settings-invite", "settings-periods", "goal-create"]:
        assert reverse(name, kwargs={"org": "umbrella"}) in steps.text
    # The code is used, and the page is gone.
    assert SetupCode.objects.get().used_at is not None
    assert client.get("/setup/").status_code == 404
    with pytest.raises(ValidationError):
        setup.set_up(**_service_args(code, slug="again"))


def _service_args(code, **changes) -> dict:
    args = {
        "code": code,
        "organisation_name": "Umbrella Works",
        "slug": "umbrella",
        "timezone": "UTC",
        "period": period(),
        "admin_name": "Una Founder",
        "admin_email": "una@umbrella.example",
        "admin_password": PASSWORD,
    }
    return args | changes


def test_a_wrong_code_claims_nothing(client, db):
    code = setup.announce()
    for wrong in ["AAAA-BBBB-CCCC", code[:-1], code + "A", "²" * 12, "x" * 40]:
        response = client.post("/setup/", form_data(wrong))
        assert response.status_code == 400
        assert "That is not the setup code" in response.text
    for malformed in ["", "x" * 5000]:
        assert client.post("/setup/", form_data(malformed)).status_code == 400
    assert not Organisation.objects.exists()
    assert not User.objects.exists()
    assert SetupCode.objects.get().used_at is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"organisation_name": ""}, "organisation_name", "required"),
        ({"slug": "Not a slug!"}, "slug", "letters"),
        ({"timezone": "Mars/Olympus"}, "timezone", "valid choice"),
        ({"period_name": ""}, "period_name", "required"),
        ({"period_start": "2027-13-01"}, "period_start", "valid date"),
        ({"period_end": "2026-12-31"}, "period_end", "before it starts"),
        ({"admin_name": ""}, "admin_name", "required"),
        ({"admin_email": "not-an-email"}, "admin_email", "valid email"),
        ({"admin_password": "password"}, "admin_password", "too common"),
        ({"admin_password": "12345678901"}, "admin_password", "entirely numeric"),
        ({"admin_password": "una"}, "admin_password", "too short"),
    ],
)
def test_every_field_is_checked_with_a_clear_error(client, db, changes, field, message):
    code = setup.announce()
    response = client.post("/setup/", form_data(code, **changes))
    assert response.status_code == 400
    errors = re.search(rf'id="id_{field}".*?(<ul class="errors".*?</ul>)', response.text, re.S)
    assert errors, f"no error next to {field}"
    assert message in errors.group(1)
    assert not Organisation.objects.exists()
    assert SetupCode.objects.get().used_at is None  # a mistake does not use the code up


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_create_one_organisation():
    code = setup.announce()
    results: list[str] = []

    def submit(n: int) -> None:
        try:
            setup.set_up(
                **_service_args(code, slug=f"org-{n}", admin_email=f"admin{n}@example.com")
            )
            results.append("created")
        except ValidationError as error:
            results.append(" ".join(error.messages))

    assert in_threads(2, submit) == []
    # The second finds the installation set up, or (on PostgreSQL) the code being claimed.
    assert sorted(results)[1] == "created"
    assert re.fullmatch(r"This installation is (being )?set up already\.", sorted(results)[0])
    assert Organisation.objects.count() == 1
    assert User.objects.count() == 1


# --------------------------------------------------------------------------- the command


def test_the_command_creates_an_organisation_with_a_password_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("CASCADE_ADMIN_PASSWORD", PASSWORD)
    out = io.StringIO()
    call_command(
        "create_organisation",
        "--name=Globex",
        "--slug=globex",
        "--timezone=America/New_York",
        "--admin-email=Gina@Globex.example",
        "--admin-name=Gina Boss",
        stdout=out,
    )
    assert "Created Globex at /o/globex/" in out.getvalue()
    founder = Member.objects.get(organisation__slug="globex")
    assert founder.user.email == "gina@globex.example"
    assert founder.user.check_password(PASSWORD)
    assert founder.has_joined
    assert founder.organisation.timezone == "America/New_York"
    assert Period.objects.filter(organisation=founder.organisation).count() == 1
    assert mail.outbox == []


def test_the_command_refuses_duplicates_and_bad_input_clearly(db, monkeypatch):
    monkeypatch.setenv("CASCADE_ADMIN_PASSWORD", PASSWORD)
    make_world("Taken")
    existing = Organisation.objects.get().slug
    cases = [
        ([f"--slug={existing}"], f"slug: The address {existing} is taken"),
        (["--timezone=Nowhere"], "timezone: Choose a time zone"),
        (["--admin-email=nope"], "admin-email: Enter a valid email"),
    ]
    for extra, message in cases:
        args = ["--name=New", "--admin-email=n@new.example", "--admin-name=N N", *extra]
        with pytest.raises(CommandError, match=message):
            call_command("create_organisation", *args)
    monkeypatch.setenv("CASCADE_ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError, match="admin-password"):
        call_command(
            "create_organisation", "--name=New", "--admin-email=n@new.example", "--admin-name=N N"
        )
    assert Organisation.objects.count() == 1
    assert not User.objects.filter(email="n@new.example").exists()


def test_the_command_without_a_password_or_terminal_says_what_to_do(db, monkeypatch):
    monkeypatch.delenv("CASCADE_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("os.isatty", lambda fd: False)
    with pytest.raises(CommandError, match="CASCADE_ADMIN_PASSWORD"):
        call_command(
            "create_organisation", "--name=New", "--admin-email=n@new.example", "--admin-name=N N"
        )
    assert not Organisation.objects.exists()


def test_an_existing_account_is_invited_not_taken_over(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setenv("CASCADE_ADMIN_PASSWORD", "the operator's choice 42")
    world = make_world()
    someone = world.person("Sam Elsewhere")
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "create_organisation",
            "--name=Second",
            f"--admin-email={someone.user.email}",
            stdout=io.StringIO(),
        )
    founder = Member.objects.get(organisation__slug="second")
    assert founder.user_id == someone.user_id
    assert not founder.has_joined  # they accept while signed in
    assert User.objects.get(pk=someone.user_id).check_password("pw-for-tests-only")
    [email] = mail.outbox
    assert email.to == [someone.user.email]
    assert "/invitations/" in email.body


# --------------------------------------------------------------------------- admin and sign-up


def test_the_installation_admin_creates_an_organisation_and_invites(
    client, db, django_capture_on_commit_callbacks
):
    make_world()
    url = reverse("admin:orgs_organisation_create")
    User.objects.create_user("plain@example.com", "pw-for-tests-only", full_name="Plain")
    client.login(username="plain@example.com", password="pw-for-tests-only")
    assert client.get(url).status_code == 302  # not staff: to the admin's login
    staff = User.objects.create_user(
        "operator@example.com", "pw-for-tests-only", full_name="Op", is_staff=True
    )
    client.force_login(staff)
    assert client.get(url).status_code == 403  # staff, but not the installation's super user
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    listing = client.get(reverse("admin:orgs_organisation_changelist"))
    assert url in listing.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "name": "Initech",
                "slug": "",
                "timezone": "UTC",
                "admin_email": "bill@initech.example",
                "admin_name": "Bill Lumbergh",
            },
        )
    assert response.status_code == 302
    founder = Member.objects.get(organisation__slug="initech")
    assert not founder.user.has_usable_password()
    assert not founder.has_joined
    [email] = mail.outbox
    link = re.search(r"http://testserver/invitations/\S+/", email.body).group(0)
    client.logout()
    client.post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    founder.refresh_from_db()
    assert founder.has_joined
    bad = client.post(url, {"name": "", "timezone": "UTC", "admin_email": "x"})
    assert bad.status_code == 302  # signed out again: nothing is created
    assert Organisation.objects.count() == 2


def test_sign_up_is_off_by_default(client, db):
    make_world()
    assert client.get("/signup/").status_code == 404
    assert client.post("/signup/", {"name": "X"}).status_code == 404


@override_settings(CASCADE_ALLOW_SIGNUP=True)
def test_sign_up_when_on_answers_the_same_for_known_and_new_emails(
    client, db, django_capture_on_commit_callbacks
):
    world = make_world()
    known = world.person("Kim Known")
    pages = []
    for n, email in enumerate([known.user.email, "new@startup.example"]):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/signup/",
                {
                    "name": f"Startup {n}",
                    "timezone": "UTC",
                    "admin_name": "Pat",
                    "admin_email": email,
                },
            )
        assert response.status_code == 200
        page = re.sub(r'"X-CSRFToken": "\w+"', "", response.text)
        pages.append(page.replace(email, "EMAIL").replace(f"Startup {n}", "ORG"))
    assert pages[0] == pages[1]
    assert "Check your email" in pages[0]
    assert len(mail.outbox) == 2
    assert User.objects.get(pk=known.user_id).check_password("pw-for-tests-only")
    assert not Member.objects.get(organisation__slug="startup-0").has_joined
