"""Benchmark: what the main pages and API reads cost as the organisation grows.

    .venv/bin/python bench/pages.py                      # SQLite in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cascade_bench .venv/bin/python bench/pages.py

For each size it builds a fresh organisation — goals written in bulk as a tree (four juniors
under each goal), each with a key result, a tenth of them private, owned by a hundred people —
then requests each page as a member who is not a super user (so the visibility rules run) and
counts its queries. The design says pages run a fixed number of queries whatever the size; the
time of a paginated page should stay flat, and only pages that show everything at once (the
alignment tree of a whole period) may grow with what they show.

With a PostgreSQL URL the database named in it is created if missing and dropped at the end.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("CASCADE_DATA_DIR", tempfile.mkdtemp(prefix="cascade-bench-"))
# The test settings: static files from the apps (no collectstatic) and a fast password hasher.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

from bench.checkin import drop_database, prepare_database  # noqa: E402

SIZES = [100, 1_000, 10_000]
REPEATS = 15
PEOPLE = 100


def build(size: int):
    """An organisation of ``size`` goals; returns the member who reads and a goal to open."""
    from cascade.accounts.models import User
    from cascade.goals.models import Contribution, Goal, KeyResult
    from cascade.orgs import services as orgs
    from cascade.orgs.models import Member

    founder = User.objects.create_user(f"ceo-{size}@bench.example", None, full_name="Bench CEO")
    ceo = orgs.create_organisation(name=f"Bench {size}", slug=f"bench-{size}", founder=founder)
    org = ceo.organisation_id
    period = orgs.create_period(
        actor=ceo, name="Q4", start=date(2026, 10, 1), end=date(2026, 12, 31)
    )
    users = User.objects.bulk_create(
        User(email=f"p{i}-{size}@bench.example", full_name=f"Person {i}") for i in range(PEOPLE)
    )
    people = Member.objects.bulk_create(
        Member(
            organisation_id=org, user=u, manager=ceo, title="Engineer", accepted_at=ceo.accepted_at
        )
        for u in users
    )
    goals = Goal.objects.bulk_create(
        Goal(
            organisation_id=org,
            title=f"Goal {i}",
            owner=people[i % PEOPLE] if i else ceo,
            period=period,
            state="active",
            visibility="private" if i % 10 == 9 else "public",
            progress=(i % 100) / 100,
        )
        for i in range(size)
    )
    KeyResult.objects.bulk_create(
        KeyResult(
            organisation_id=org,
            goal=g,
            title="KR",
            target=Decimal(100),
            current=Decimal(g.pk % 100),
        )
        for g in goals
    )
    Contribution.objects.bulk_create(
        Contribution(organisation_id=org, junior=goals[i], senior=goals[(i - 1) // 4])
        for i in range(1, size)
    )
    reader = people[1]
    return reader, goals[1]


def pages(reader, goal) -> dict[str, str]:
    slug = reader.organisation.slug
    return {
        "my week": f"/o/{slug}/",
        "goal list": f"/o/{slug}/goals/",
        "goal page": f"/o/{slug}/goals/{goal.pk}/",
        "why this number": f"/o/{slug}/goals/{goal.pk}/why/",
        "tree from a goal": f"/o/{slug}/tree/?goal={goal.pk}",
        "whole tree": f"/o/{slug}/tree/",
        "API goals (50)": "/api/v1/goals?limit=50",
        "API goal": f"/api/v1/goals/{goal.pk}",
        "API tree": "/api/v1/tree",
    }


def main() -> None:
    pg_name = prepare_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cascade.api.services import issue_token

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; median of {REPEATS} requests, as a member\n")
    results: dict[str, dict[int, tuple[int, float, int]]] = {}
    for size in SIZES:
        reader, goal = build(size)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(reader.user)
        token = issue_token(member=reader, name="bench").plain
        for name, path in pages(reader, goal).items():
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if path.startswith("/api") else {}
            timings, queries, length = [], 0, 0
            for _ in range(REPEATS):
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(path, **headers)
                    timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (path, response.status_code)
                queries, length = len(captured.captured_queries), len(response.content)
            results.setdefault(name, {})[size] = (queries, statistics.median(timings), length)
    header = "".join(f" | {s:,} goals: queries, ms, kB" for s in SIZES)
    print(f"| page{header} |")
    print("|---" + "|---:" * len(SIZES) + "|")
    for name, by_size in results.items():
        cells = "".join(
            f" | {q}, {ms:.1f}, {kb / 1024:.0f}" for q, ms, kb in (by_size[s] for s in SIZES)
        )
        print(f"| {name}{cells} |")
    if pg_name:
        drop_database(pg_name)


if __name__ == "__main__":
    main()
