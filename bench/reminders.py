"""Benchmark: a check-in reminder run over an organisation of 10,000 people.

    .venv/bin/python bench/reminders.py                      # SQLite in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cascade_bench .venv/bin/python bench/reminders.py

Each size is a fresh organisation in Europe/Berlin (rows written in bulk): every person owns an
active goal with two key results; seven in ten are stale (made two weeks before the cadence,
never checked in), the others checked in during the past week. The run at Monday 09:05 is
timed and its queries counted, including the email tasks it queues (one a hundred people), then
run again (it must store nothing). Last, the reminders are removed and two workers run the job
at the same moment, each in its own thread and connection: every stale person must have one
reminder, and the email tasks must name each notification once.

With a PostgreSQL URL the database named in it is created if missing and dropped at the end.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("CASCADE_DATA_DIR", tempfile.mkdtemp(prefix="cascade-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cascade.settings")

from checkin import drop_database, prepare_database

SIZES = [1_000, 10_000]
STALE_SHARE = 0.7
BERLIN = ZoneInfo("Europe/Berlin")
CADENCE = datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN).astimezone(UTC)  # a Monday, 09:00 local
RUN_AT = CADENCE + timedelta(minutes=5)


def build(size: int) -> tuple[object, int]:
    """An organisation of ``size`` people; returns it and how many of them are stale."""
    from cascade.accounts.models import User
    from cascade.goals.models import Goal, KeyResult
    from cascade.orgs import services as orgs
    from cascade.orgs.models import Member, Organisation

    made, fresh = CADENCE - timedelta(days=14), CADENCE - timedelta(days=3)
    founder = User.objects.create_user(f"ceo-{size}@bench.example", None, full_name="Bench CEO")
    ceo = orgs.create_organisation(name=f"Bench {size}", slug=f"bench-{size}", founder=founder)
    Organisation.objects.filter(pk=ceo.organisation_id).update(timezone="Europe/Berlin")
    period = orgs.create_period(
        actor=ceo, name="Q", start=date(2026, 10, 1), end=date(2026, 12, 31)
    )
    org = ceo.organisation_id
    users = User.objects.bulk_create(
        User(email=f"p{i}-{size}@bench.example", full_name=f"Person {i}", password="!")
        for i in range(size)
    )
    members = Member.objects.bulk_create(
        Member(organisation_id=org, user=u, accepted_at=made, joined_at=made) for u in users
    )
    goals = Goal.objects.bulk_create(
        Goal(organisation_id=org, title=f"Goal {i}", owner=m, period=period, state="active")
        for i, m in enumerate(members)
    )
    stale = int(size * STALE_SHARE)
    KeyResult.objects.bulk_create(
        KeyResult(
            organisation_id=org,
            goal=g,
            title=f"KR {k}",
            target=Decimal(100),
            created_at=made,
            current=None if i < stale else Decimal(40),
            last_checkin_at=None if i < stale else fresh,
        )
        for i, g in enumerate(goals)
        for k in (1, 2)
    )
    return Organisation.objects.get(pk=org), stale


def main() -> None:
    pg_name = prepare_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django_tasks_db.models import DBTaskResult

    from cascade.core import clock
    from cascade.notifications import reminders
    from cascade.notifications.models import Notification

    call_command("migrate", verbosity=0)
    reverse("check-in", kwargs={"org": "warm"})  # load the URL patterns before any timing
    print(f"database: {connection.vendor}\n")
    print(
        f"{'people':>8} {'stale':>6} {'queries':>8} {'per person':>11} {'seconds':>8} "
        f"{'ms/person':>10} {'again q':>8} {'two workers':>12}"
    )
    for size in SIZES:
        organisation, stale = build(size)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        item = reminders.Due(organisation, CADENCE, nudge=False)
        with clock.frozen_at(RUN_AT), CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            stored = reminders.remind(item)
            seconds = time.perf_counter() - start
        assert len(stored) == stale, (len(stored), stale)
        queries = len(captured.captured_queries)
        with clock.frozen_at(RUN_AT), CaptureQueriesContext(connection) as again:
            assert reminders.remind(item) == []
        # Two workers at once, from nothing sent.
        Notification.objects.filter(organisation=organisation).delete()
        DBTaskResult.objects.all().delete()
        barrier, errors = threading.Barrier(2), []

        def worker(item=item, barrier=barrier, errors=errors) -> None:  # type: ignore[no-untyped-def]
            try:
                # The real clock: two workers never store at the very same microsecond,
                # which is how each tells its own rows from the other's (notify).
                barrier.wait()
                reminders.remind(item)
            except BaseException as error:
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [], errors
        per_person = Counter(
            Notification.objects.filter(organisation=organisation).values_list(
                "recipient_id", flat=True
            )
        )
        queued = Counter(
            pk for row in DBTaskResult.objects.all() for pk in row.args_kwargs["args"][0]
        )
        once = (
            len(per_person) == stale
            and set(per_person.values()) == {1}
            and len(queued) == stale
            and set(queued.values()) == {1}
        )
        print(
            f"{size:>8} {stale:>6} {queries:>8} {queries / stale:>11.3f} {seconds:>8.2f} "
            f"{seconds * 1000 / stale:>10.3f} {len(again.captured_queries):>8} "
            f"{'once each' if once else 'TWICE':>12}"
        )
        DBTaskResult.objects.all().delete()
    if pg_name:
        drop_database(pg_name)


if __name__ == "__main__":
    main()
