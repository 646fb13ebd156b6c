"""Hostile input answers with a page, a form error or a 4xx — never a 500.

The first tests are about numbers no one types by accident — ids past 64 bits, the last day of
the calendar. SQLite refuses a Python int past 64 bits with OverflowError (in an ``IN`` list or
a foreign-key filter), and ``date.max`` has no day after it.

Then a walk over the whole web app: every page of the URL conf is rendered for a super user
with a full organisation behind it (goals, key results, links, teams, goal sheets, reviews, a
data source). On each page, every query parameter it reads — found in its view's source, its
GET forms and its links — and every field of every form it renders is sent, one at a time,
with each of the ``HOSTILE`` values, and with field names the page never rendered (its own
names with their ids replaced by "²", "٣" or 10**30). ``str.isdigit()`` accepts "²" (and
``int()`` then raises), PostgreSQL refuses NUL bytes in text, SQLite ints past 64 bits.
"""

from __future__ import annotations

import inspect
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from cascade.goals import services as goals
from cascade.goals.models import Contribution
from cascade.integrations import services as integrations
from cascade.notifications.services import Message, notify
from cascade.notifications.topics import Topic
from cascade.orgs import services as orgs
from cascade.performance.models import GoalSheet, Review, ReviewCycle, SheetComment, SheetItem
from cascade.webhooks import services as webhooks
from cascade.webhooks.models import Delivery
from tests.api.test_fuzz import build_performance
from tests.builders import metric, milestone, total
from tests.web.helpers import url
from tests.web.page_forms import forms_on

HUGE = "9" * 25

HOSTILE = [
    "²",  # isdigit() says yes, int() raises
    "٣",  # an Arabic-Indic three: int() reads 3
    "-1",
    "0",
    "1e9",
    str(10**30),
    "abc",
    "",
    " 7 ",
    "x" * 10_000,
    "nul\x00byte",
]
# Ids inside field names (kr12-value, c-3-rating) are replaced by these to make names the page
# never rendered.
ID_SWAPS = ["²", "٣", str(10**30), "0", "abc"]
CSRF = "csrfmiddlewaretoken"

TALLY: Counter[str] = Counter()


def routes(patterns: list, prefix: str = "") -> Iterator[tuple[str, object]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def test_every_url_with_an_id_answers_a_huge_id_with_404(signed_in, world):
    tried = 0
    for route, _view in routes(get_resolver().url_patterns):
        if "<int:" not in route:
            continue
        # Built from the route itself: the walk covers every URL, named or not.
        path = "/" + route.replace("<slug:org>", world.organisation.slug)
        path = re.sub(r"<int:\w+>", HUGE, path)
        path = re.sub(r"<str:\w+>", "archive", path)
        for method in (signed_in.get, signed_in.post):
            # 405 where the URL takes only the other method: refused before any lookup.
            assert method(path).status_code in {404, 405}, path
            tried += 1
    assert tried >= 40  # the walk found the app's URLs


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("goal-list", {"period": HUGE}),
        ("goal-list", {"team": HUGE}),
        ("goal-list", {"owner": HUGE}),
        ("goal-create", {"under": HUGE}),
        ("goal-search", {"q": "a", "exclude": HUGE}),
        ("goal-copy", {"source": HUGE}),
        ("goal-tree", {"goal": HUGE}),
    ],
)
def test_huge_ids_in_query_strings_are_ignored_or_not_found(signed_in, world, name, query):
    assert signed_in.get(url(world, name, **query)).status_code in {200, 404}


def test_why_this_number_on_the_last_day_of_the_calendar_reads_as_today(signed_in, world):
    goal = world.goal("Grow", krs=[metric(0, 10)])
    world.check_in(goal, 4)
    for day in ("9999-12-31", "0001-01-01"):
        answer = signed_in.get(url(world, "goal-why", goal.pk, as_of=day))
        assert answer.status_code == 200
    future = signed_in.get(url(world, "goal-why", goal.pk, as_of="9999-12-31"))
    assert "40" in future.content.decode()  # today's 40 %, not "no progress yet"


def test_a_huge_goal_id_in_a_multiple_choice_is_a_form_error(signed_in, world):
    goal = world.goal("Grow", krs=[metric(0, 10)])
    next_quarter = orgs.create_period(
        actor=world.ceo, name="Q1 2027", start=date(2027, 1, 1), end=date(2027, 3, 31)
    )
    answer = signed_in.post(
        url(world, "goal-copy"),
        {"source": world.period.pk, "target": next_quarter.pk, "goals": [goal.pk, HUGE]},
    )
    assert answer.status_code == 400  # the form again, with its error
    assert "is not a valid value" in answer.content.decode()
    assert not next_quarter.goals.exists()


@pytest.mark.parametrize(
    ("name", "query", "data"),
    [
        ("goal-list", {"team": "²"}, None),
        ("performance", {"period": "²"}, None),
        ("review-cycle-new", {}, {"scale_text": "² Meets"}),
    ],
)
def test_a_superscript_two_is_no_number(signed_in, world, name, query, data):
    path = url(world, name, **query)
    answer = signed_in.post(path, data) if data else signed_in.get(path)
    assert answer.status_code in {200, 400}


def test_a_nul_byte_in_text_that_no_django_form_checked_is_refused(signed_in, world):
    """The sheet's comment box is read straight from the POST: the service refuses NUL (which
    PostgreSQL cannot store) itself."""
    full_organisation(world)
    sheet = GoalSheet.objects.order_by("pk").first()
    assert sheet is not None
    answer = signed_in.post(url(world, "sheet-comment", sheet.pk), {"body": "a\x00b"})
    assert answer.status_code == 302
    assert not SheetComment.objects.filter(body__contains="a").exclude(body="Good plan").exists()
    page = signed_in.get(answer.url).text
    assert "Text cannot contain NUL characters." in page


# --------------------------------------------------------------------------- the walk


def full_organisation(world) -> dict[str, int]:
    """Everything a page can show, and the id to put in each kind of URL."""
    vp = world.person("Vera VP", manager=world.ceo)
    rep = world.person("Rob Rep", manager=vp)
    company = world.goal("Grow revenue", krs=[metric(0, 100), milestone(), total(0, 50)])
    sales = world.goal("Win deals", owner=vp, krs=[metric(0, 10)], under={company: 2})
    world.goal("A draft", owner=rep, activate=False)
    world.check_in(company, 40, confidence=6, note="Started")
    world.check_in(sales, 4, confidence=7)
    team = orgs.create_team(actor=world.ceo, name="Sales", lead=vp, members=[vp, rep])
    build_performance(world, vp, company, sales)
    connection = integrations.create_connection(
        actor=world.ceo,
        service="jira_dc",
        name="Jira",
        base_url="http://127.0.0.1:9",  # nothing listens: a test of it fails at once
        secret="a-token",
    )
    manager_review = Review.objects.filter(cycle__name="Manager reviews").first()
    assert manager_review is not None
    webhook = webhooks.create_endpoint(actor=world.ceo, url="https://hooks.example.com/c").endpoint
    delivery = Delivery.objects.create(
        organisation=world.organisation,
        endpoint=webhook,
        event_id=1,
        kind="goal.created",
        payload={},
    )
    comment = goals.add_comment(
        actor=world.ceo, goal=company, body=f"**Go** @[Vera](member:{vp.pk})"
    )
    return {
        "comment_id": comment.pk,
        "goal_id": company.pk,
        "kr_id": world.kr(company).pk,
        "contribution_id": Contribution.objects.get(junior=sales).pk,
        "member_id": vp.pk,
        "team_id": team.pk,
        "sheet_id": GoalSheet.objects.filter(owner=vp).order_by("pk").first().pk,  # type: ignore[union-attr]
        "item_id": SheetItem.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
        "cycle_id": ReviewCycle.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
        "review_id": manager_review.pk,
        "connection_id": connection.pk,
        "endpoint_id": webhook.pk,
        "delivery_id": delivery.pk,
        "notification_id": notify(
            [Message(recipient=world.ceo, topic=Topic.MADE_OWNER, title="Yours", link="/")]
        )[0].pk,
    }


STR_PARAMS = {"action": "archive", "service": "jira_cloud", "uidb64": "MQ", "token": "x-y"}


def fill(route: str, world, ids: dict[str, int]) -> str | None:
    path = "/" + route.replace("<slug:org>", world.organisation.slug)
    for name, value in {**ids, **STR_PARAMS}.items():
        path = re.sub(rf"<(?:int|str|slug):{name}>|<{name}>", str(value), path)
    return None if "<" in path else path


def query_names_in_source(view: object) -> set[str]:
    """The query parameters a view's module reads: ``request.GET.get("period")`` and the like."""
    function = getattr(view, "view_class", None) or inspect.unwrap(view)  # type: ignore[arg-type]
    module = inspect.getmodule(function)
    source = inspect.getsource(module) if module else ""
    return set(re.findall(r"GET(?:\.get\(|\[)\s*\"(\w+)\"", source))


def swapped_names(names: set[str]) -> set[str]:
    """The page's own names with their ids replaced: ``kr12-value`` → ``kr²-value``, …"""
    out = set()
    for name in names:
        if re.search(r"\d", name):
            out.update(re.sub(r"\d+", swap, name) for swap in ID_SWAPS)
    return out | {"never-rendered", "²"}


class Walk:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.client.raise_request_exception = False
        self.failures: list[str] = []

    def send(self, method: str, path: str, data: dict[str, list[str]], what: str) -> int:
        call = self.client.get if method == "get" else self.client.post
        response = call(path, data, headers={"HX-Request": "true"} if "preview" in path else {})
        TALLY["requests"] += 1
        if response.status_code >= 500:
            TALLY["5xx"] += 1
            error = getattr(response, "exc_info", None)
            cause = repr(error[1])[:200] if error else ""
            self.failures.append(f"{method.upper()} {path} {what}: {response.status_code} {cause}")
        return response.status_code

    def query(self, path: str, names: set[str]) -> None:
        for name in sorted(names):
            for value in HOSTILE:
                self.send("get", path, {name: [value]}, f"?{name}={value[:20]!r}")
        for name in sorted(swapped_names(names)):
            self.send("get", path, {name: ["1"]}, f"unrendered ?{name[:40]}")

    def form(self, path: str, action: str, names: set[str], data: dict[str, list[str]]) -> None:
        target = urlsplit(action).path or path
        query = dict(parse_qsl(urlsplit(action).query))
        target = target + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
        for name in sorted(names - {CSRF}):
            for value in HOSTILE:
                self.send("post", target, {**data, name: [value]}, f"{name}={value[:20]!r}")
        for name in sorted(swapped_names(names - {CSRF})):
            self.send("post", target, {**data, name: ["1"]}, f"unrendered {name[:40]}")


def walk_targets() -> list[str]:
    return [route for route, _view in routes(get_resolver().url_patterns)]


@pytest.fixture(scope="module", autouse=True)
def report_tally():
    yield
    if TALLY:
        print(f"\nHostile web requests: {TALLY['requests']}, 5xx: {TALLY['5xx']}")


def _skipped(route: str) -> bool:
    # The admin has its own forms (Django's); logging out would end the walk's session.
    return route.startswith("admin/") or route.startswith("api/") or route == "logout/"


@pytest.mark.parametrize("route", [r for r in walk_targets() if not _skipped(r)])
def test_every_field_and_query_parameter_of_every_page_takes_hostile_values(client, world, route):
    ids = full_organisation(world)
    path = fill(route, world, ids)
    assert path, route
    view = dict(routes(get_resolver().url_patterns))[route]
    signed_in = route.startswith("o/") or route.startswith("password")
    if signed_in:
        client.force_login(world.ceo.user)
    walk = Walk(client)
    page = client.get(path)
    names = query_names_in_source(view)
    forms = []
    if page.status_code == 200 and "html" in page.headers.get("Content-Type", ""):
        for form in forms_on(page.text):
            if form.method == "get":
                names |= form.names
            elif "logout" not in form.action:
                forms.append(form)
        for href in re.findall(r'href="([^"]*\?[^"]*)"', page.text):
            if urlsplit(href).path in ("", path):
                names |= {k for k, _ in parse_qsl(urlsplit(href.replace("&amp;", "&")).query)}
    walk.query(path, names)
    # Forms with fields first: a form of buttons only (remove, archive) may end what others need.
    seen = set()
    for form in sorted(forms, key=lambda f: -len(f.names)):
        shape = (form.action, frozenset(re.sub(r"\d+", "#", n) for n in form.names))
        if shape in seen:
            continue  # one of a row of forms alike (a check-in per key result)
        seen.add(shape)
        walk.form(path, form.action, form.names, form.data())
        if signed_in:
            client.force_login(world.ceo.user)  # a form may have changed who is signed in
    assert not walk.failures, "\n".join(walk.failures[:20])
