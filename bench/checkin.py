"""Benchmark: what a check-in costs as the organisation grows and as the goal tree deepens.

    .venv/bin/python bench/checkin.py                      # SQLite in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cascade_bench .venv/bin/python bench/checkin.py

For each organisation size it builds a fresh organisation (filler goals written in bulk, plus a
chain of goals of the given depth), then times check-ins on the leaf of the chain and counts
their queries. The design says a check-in costs work proportional to the depth above it, not to
the size of the organisation: the query count must not move with size, and the time only a
little (indexes grow logarithmically).

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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("CASCADE_DATA_DIR", tempfile.mkdtemp(prefix="cascade-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cascade.settings")

SIZES = [100, 1_000, 10_000]
DEPTHS = [1, 4, 8]
CHECK_INS = 40


def prepare_database() -> str | None:
    """Create the PostgreSQL database named by DATABASE_URL if needed; return its name."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def main() -> None:
    pg_name = prepare_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cascade.accounts.models import User
    from cascade.goals import services
    from cascade.goals.models import Contribution, Goal, KeyResult
    from cascade.orgs import services as orgs

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; {CHECK_INS} check-ins per cell\n")
    print(f"{'goals':>8} {'depth':>6} {'queries':>8} {'median ms':>10} {'p95 ms':>8}")
    for size in SIZES:
        for depth in DEPTHS:
            n = f"{size}-{depth}"
            founder = User.objects.create_user(
                f"ceo-{n}@bench.example", None, full_name="Bench CEO"
            )
            ceo = orgs.create_organisation(name=f"Bench {n}", slug=f"bench-{n}", founder=founder)
            period = orgs.create_period(
                actor=ceo, name="Q", start=date(2026, 10, 1), end=date(2026, 12, 31)
            )
            org = ceo.organisation_id
            filler = Goal.objects.bulk_create(
                Goal(
                    organisation_id=org,
                    title=f"Filler {i}",
                    owner=ceo,
                    period=period,
                    state="active",
                )
                for i in range(size - depth - 1)
            )
            KeyResult.objects.bulk_create(
                KeyResult(organisation_id=org, goal=g, title="KR", target=Decimal(100))
                for g in filler
            )
            Contribution.objects.bulk_create(
                Contribution(organisation_id=org, junior=filler[i], senior=filler[(i - 1) // 4])
                for i in range(1, len(filler))
            )
            chain = [
                services.start_goal(
                    actor=ceo, title="Top", period=period, key_result={"title": "KR", "target": 100}
                )
            ]
            for level in range(depth):
                chain.append(
                    services.start_goal(
                        actor=ceo,
                        title=f"Level {level}",
                        period=period,
                        key_result={"title": "KR", "target": 100},
                        senior=chain[-1],
                    )
                )
            leaf = KeyResult.objects.get(goal=chain[-1])
            if connection.vendor == "postgresql":
                # Fresh statistics, as autovacuum keeps them after a bulk load in production;
                # without them the planner walks the graph with sequential scans.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            timings, queries = [], 0
            for i in range(CHECK_INS):
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    services.check_in(actor=ceo, key_result=leaf, value=Decimal(i), confidence=7)
                    timings.append((time.perf_counter() - start) * 1000)
                queries = len(captured.captured_queries)
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(
                f"{size:>8} {depth:>6} {queries:>8} {statistics.median(timings):>10.2f} {p95:>8.2f}"
            )
    if pg_name:
        drop_database(pg_name)


if __name__ == "__main__":
    main()
