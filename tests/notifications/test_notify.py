"""Notifications: stored once per key, by the person's channel, emailed over SMTP with a
one-click unsubscribe that only ever touches its own person and topic."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from cascade.notifications import services, unsubscribe
from cascade.notifications.models import Notification, Preference
from cascade.notifications.services import Message
from cascade.notifications.tasks import email_notification
from cascade.notifications.topics import Channel, Topic


def message(member, **kw) -> Message:
    return Message(
        recipient=member,
        topic=kw.pop("topic", Topic.MADE_OWNER),
        title=kw.pop("title", "You now own “Grow revenue”"),
        body=kw.pop("body", "Chief handed you the goal."),
        link=kw.pop("link", "/o/acme/goals/1/"),
        **kw,
    )


def test_a_notification_lands_in_the_inbox_and_is_emailed_by_the_worker(
    world, smtp, django_capture_on_commit_callbacks
):
    vera = world.person("Vera")
    with django_capture_on_commit_callbacks(execute=True):
        [stored] = services.notify([message(vera)])

    queued = DBTaskResult.objects.get(task_path=email_notification.module_path)
    assert queued.args_kwargs["args"] == [stored.pk]
    assert email_notification.call(stored.pk) == "sent"

    [mail] = smtp.to(vera.user.email)
    assert mail["Subject"] == "You now own “Grow revenue”"
    assert "Chief handed you the goal." in smtp.text(mail)
    assert "http://127.0.0.1:8000/o/acme/goals/1/" in smtp.text(mail)
    assert 'href="http://127.0.0.1:8000/o/acme/goals/1/"' in smtp.html(mail)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/unsubscribe/")
    assert email_notification.call(stored.pk) == "already sent"
    assert len(smtp.to(vera.user.email)) == 1


def test_the_same_key_is_stored_once_per_person(world):
    vera, rob = world.person("Vera"), world.person("Rob")
    first = services.notify([message(vera, key="k1"), message(rob, key="k1")])
    again = services.notify([message(vera, key="k1"), message(vera, key="k2")])

    assert len(first) == 2
    assert [n.key for n in again] == ["k2"]
    assert Notification.objects.filter(recipient=vera).count() == 2


def test_off_stores_nothing_and_inbox_sends_no_email(world, django_capture_on_commit_callbacks):
    vera, rob = world.person("Vera"), world.person("Rob")
    services.set_preference(actor=vera, member=vera, topic=Topic.MADE_OWNER, channel=Channel.OFF)
    services.set_preference(actor=rob, member=rob, topic=Topic.MADE_OWNER, channel=Channel.INBOX)

    with django_capture_on_commit_callbacks(execute=True):
        stored = services.notify([message(vera), message(rob)])

    assert [n.recipient for n in stored] == [rob]
    assert not DBTaskResult.objects.exists()


def test_nobody_chooses_someone_elses_notifications(world):
    vera, rob = world.person("Vera"), world.person("Rob")
    with pytest.raises(PermissionDenied):
        services.set_preference(actor=vera, member=rob, topic=Topic.MENTION, channel=Channel.OFF)
    assert not Preference.objects.exists()


def test_mark_read_touches_only_ones_own(world):
    vera, rob = world.person("Vera"), world.person("Rob")
    [for_vera, for_rob] = services.notify([message(vera), message(rob)])

    assert services.mark_read(actor=vera, notification_ids=[for_vera.pk, for_rob.pk]) == 1
    assert Notification.objects.get(pk=for_rob.pk).read_at is None


def test_the_unsubscribe_link_moves_its_topic_to_the_inbox_with_one_post(world, client):
    vera = world.person("Vera")
    url = reverse("unsubscribe", args=[unsubscribe.token(vera.pk, Topic.MENTION)])

    page = client.get(url)
    assert page.status_code == 200
    assert "Stop these emails?" in page.content.decode()
    assert not Preference.objects.exists()

    # A mail program's one-click POST: no session, no CSRF token (RFC 8058).
    done = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert Preference.objects.get(member=vera, topic=Topic.MENTION).channel == Channel.INBOX


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        unsubscribe.token(1, Topic.MENTION)[:-2] + "xx",  # tampered with
        unsubscribe.token(99_999_999, Topic.MENTION),  # nobody
        unsubscribe.token(1, "not_a_topic"),
    ],
)
def test_a_bad_unsubscribe_link_is_a_404_and_changes_nothing(world, client, token):
    answer = client.post(reverse("unsubscribe", args=[token]))
    assert answer.status_code == 404
    assert "does not work" in answer.content.decode()
    assert not Preference.objects.exists()


def test_the_plain_text_part_is_not_html_escaped(world, smtp):
    vera = world.person("Vera")
    [stored] = services.notify([message(vera, title="R&D's <plan>", body="Tom & Jerry's")])
    email_notification.call(stored.pk)

    [mail] = smtp.to(vera.user.email)
    assert "R&D's <plan>" in smtp.text(mail)
    assert "Tom & Jerry's" in smtp.text(mail)
    assert "R&amp;D" in smtp.html(mail)  # the HTML part stays escaped


def test_a_title_is_kept_to_one_line(world):
    vera = world.person("Vera")
    [stored] = services.notify([message(vera, title="Two\nlines\r\n and  more")])
    assert stored.title == "Two lines and more"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("checkin_time", "٠٩:٠٠", "time_invalid"),
        ("checkin_time", "99999999999999999999:00", "time_invalid"),
        ("checkin_weekday", "٣", "weekday_invalid"),
        ("nudge_after_days", "²", "nudge_after_days_invalid"),
    ],
)
def test_the_cadence_takes_ascii_digits_only(world, field, value, code):
    from django.core.exceptions import ValidationError

    from cascade.orgs import services as orgs

    good = {
        "checkin_weekday": 0,
        "checkin_time": "09:00",
        "nudge_after_days": 2,
        "timezone": "Europe/Berlin",
    }
    with pytest.raises(ValidationError) as refused:
        orgs.change_checkin_cadence(actor=world.ceo, **(good | {field: value}))
    assert refused.value.error_dict[field][0].code == code


@pytest.mark.parametrize(
    ("link", "followed"),
    [
        ("/o/acme/goals/1/", True),
        ("//evil.example/", False),
        ("/\t/evil.example/", False),
        ("/\\evil.example/", False),
        ("https://evil.example/", False),
        ("/o/acme/goals/1/\n", False),
    ],
)
def test_only_paths_inside_cascade_are_followed(link, followed):
    from cascade.web.views.notifications import _safe_path

    assert _safe_path(link) is followed
