"""The third failed run in a row of a data source tells the goal's owner, once per series."""

from __future__ import annotations

import itertools

from cascade.integrations import runs
from cascade.integrations.errors import ErrorKind, SyncError
from cascade.integrations.models import RunStatus, SyncRun
from cascade.notifications.models import Notification
from cascade.notifications.topics import Topic
from tests.builders import make_world

_keys = itertools.count(1)


def finish(binding, status: str, *, requested_by=None) -> SyncRun:
    """One run of the binding: failed through the real outcome code, or a plain other status."""
    run = SyncRun.objects.create(
        organisation_id=binding.organisation_id,
        binding=binding,
        idempotency_key=f"manual:{next(_keys)}",
        trigger="manual",
        status=RunStatus.RUNNING,
        attempt=1,
        requested_by=requested_by,
    )
    if status == RunStatus.FAILED:
        runs._failed(run, SyncError(ErrorKind.BAD_QUERY, "The JQL is not valid."))
    else:
        SyncRun.objects.filter(pk=run.pk).update(status=status, finished_at=run.queued_at)
    return run


def failing_notes(member) -> list[Notification]:
    return list(Notification.objects.filter(recipient=member, topic=Topic.SYNC_FAILING))


def test_the_third_failure_in_a_row_tells_the_owner_once(world, binding):
    other = make_world()
    finish(binding, RunStatus.FAILED)
    finish(binding, RunStatus.FAILED)
    assert not failing_notes(world.ceo)
    finish(binding, RunStatus.SKIPPED)  # neither counts nor breaks the series
    third = finish(binding, RunStatus.FAILED)

    [note] = failing_notes(world.ceo)
    assert note.key == f"sync_failing:{third.pk}"
    assert "failed 3 times in a row" in note.title
    assert "The JQL is not valid." in note.body
    assert note.goal_id == binding.key_result.goal_id

    finish(binding, RunStatus.FAILED)  # the fourth: no new notification
    assert len(failing_notes(world.ceo)) == 1
    assert not Notification.objects.filter(organisation=other.organisation).exists()


def test_a_success_breaks_the_series(world, binding):
    finish(binding, RunStatus.FAILED)
    finish(binding, RunStatus.FAILED)
    finish(binding, RunStatus.SUCCEEDED)
    finish(binding, RunStatus.FAILED)
    finish(binding, RunStatus.FAILED)
    assert not failing_notes(world.ceo)
    finish(binding, RunStatus.FAILED)
    assert len(failing_notes(world.ceo)) == 1


def test_whoever_pressed_sync_now_is_not_told_what_they_saw(world, binding):
    finish(binding, RunStatus.FAILED)
    finish(binding, RunStatus.FAILED)
    finish(binding, RunStatus.FAILED, requested_by=world.ceo)
    assert not failing_notes(world.ceo)


def test_an_owner_who_is_not_a_super_user_reads_the_error_without_host_names(world, binding):
    from urllib.parse import urlsplit

    from cascade.goals import services as goals

    host = urlsplit(binding.connection.base_url).hostname
    vera = world.person("Vera")
    goals.update_goal(actor=world.ceo, goal=binding.key_result.goal, owner=vera)

    def fail() -> None:
        run = SyncRun.objects.create(
            organisation_id=binding.organisation_id,
            binding=binding,
            idempotency_key=f"manual:{next(_keys)}",
            trigger="manual",
            status=RunStatus.RUNNING,
            attempt=1,
        )
        runs._failed(run, SyncError(ErrorKind.BAD_QUERY, f"Could not reach {host}: refused."))

    for _ in range(3):
        fail()

    [note] = failing_notes(vera)
    assert "Could not reach" in note.body
    assert host not in note.body
