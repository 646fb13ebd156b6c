"""Plain helpers the web tests share: addresses, signing in, counting queries, bulk goals.

    sign_in(client, world.ceo).get(url(world, "goal-detail", goal.pk, as_of="2020-01-01"))

``url`` reverses a URL name of the organisation's pages (``cascade/web/urls.py`` and the
modules it includes), so a test names the page it means rather than spelling its path.
Fixtures (``signed_in``) are in ``conftest.py``; reading parts of a page is ``page_parts``,
its forms ``page_forms``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cascade.goals.models import Contribution, Goal, KeyResult
from cascade.orgs import services as orgs
from cascade.orgs.models import Member, Role, Team
from tests.builders import World

PASSWORD = "pw-for-tests-only"  # everyone's, as tests.builders makes them


def slug_of(where: Any) -> str:
    """The organisation's slug, from a slug, anything with a ``slug`` (an Organisation, a
    scene) or anything with an ``organisation`` (a World, a Member)."""
    if isinstance(where, str):
        return where
    slug = getattr(where, "slug", None)
    if isinstance(slug, str):
        return slug
    return where.organisation.slug


def url(where: Any, name: str = "my-week", /, *ids: object, **query: object) -> str:
    """The path of the organisation page called ``name``, its ids in the order of the URL's
    pattern, and ``query`` as its query string: ``url(world, "goal-tree", goal=goal.pk)`` is
    ``/o/<slug>/tree/?goal=<id>``. Without a name, the organisation's home (My week)."""
    path = reverse(name, args=[slug_of(where), *ids])
    return f"{path}?{urlencode(query, doseq=True)}" if query else path


def sign_in(client: Client, member: Member) -> Client:
    """Signs ``member`` in through the password check (whoever was signed in is signed out)."""
    client.logout()
    assert client.login(username=member.user.email, password=PASSWORD)
    return client


def post_check_in(
    client: Client, where: Any, kr: KeyResult, *, htmx: bool = False, **fields: str
) -> HttpResponse:
    """Posts the goal page's inline check-in of ``kr`` (``value="25"``, ``confidence="6"``,
    ``done="on"``, ``note=…``), as htmx sends it when ``htmx``."""
    data = {f"kr{kr.pk}-{name}": value for name, value in fields.items()}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url(where, "kr-check-in", kr.pk), data, headers=headers)


def queries(client: Client, path: str) -> tuple[int, str]:
    """How many queries a GET of ``path`` runs, and the page; the page must answer 200."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured.captured_queries), response.text


def goals_in_bulk(
    world: World,
    count: int,
    *,
    fan_out: int,
    owners: list[Member] | None = None,
    team: Team | None = None,
    private: Callable[[int], bool] = lambda i: False,
    **fields: object,
) -> list[Goal]:
    """``count`` active goals "Goal 0", "Goal 1", … saved in one go, each with a KR (target 1),
    goal i contributing to goal (i − 1) // ``fan_out``: a large tree without the services,
    which are not the point. Goal i is ``owners[i % len(owners)]``'s (the CEO's by default),
    private where ``private(i)``, in ``team`` when i is even; ``fields`` go on every goal."""
    org = world.organisation.pk
    owners = owners or [world.ceo]
    saved = Goal.objects.bulk_create(
        Goal(
            organisation_id=org,
            title=f"Goal {i}",
            owner=owners[i % len(owners)],
            team=team if i % 2 == 0 else None,
            visibility="private" if private(i) else "public",
            period=world.period,
            state="active",
            **fields,
        )
        for i in range(count)
    )
    KeyResult.objects.bulk_create(
        KeyResult(organisation_id=org, goal=g, title="KR", target=Decimal(1)) for g in saved
    )
    Contribution.objects.bulk_create(
        Contribution(organisation_id=org, junior=saved[i], senior=saved[(i - 1) // fan_out])
        for i in range(1, len(saved))
    )
    return saved


def acme_people(world: World, *, in_sales: Iterable[str] = ("max",)) -> SimpleNamespace:
    """CEO ← Vera VP ← Max Manager ← Olga Operator; Pat Plain reports to the CEO; Sam Super is
    a second super user. Team "Sales" (lead Vera, with the people named in ``in_sales``)
    inside "Commercial"."""
    vera = world.person("Vera VP", manager=world.ceo)
    max_ = world.person("Max Manager", manager=vera)
    olga = world.person("Olga Operator", manager=max_)
    pat = world.person("Pat Plain", manager=world.ceo)
    sam = world.person("Sam Super", role=Role.SUPER_USER)
    people = {"max": max_, "olga": olga, "pat": pat, "sam": sam}
    commercial = orgs.create_team(actor=world.ceo, name="Commercial")
    sales = orgs.create_team(
        actor=world.ceo,
        name="Sales",
        parent=commercial,
        lead=vera,
        members=[people[name] for name in in_sales],
    )
    return SimpleNamespace(
        world=world,
        slug=world.organisation.slug,
        ceo=world.ceo,
        vera=vera,
        max=max_,
        olga=olga,
        pat=pat,
        sam=sam,
        commercial=commercial,
        sales=sales,
    )
