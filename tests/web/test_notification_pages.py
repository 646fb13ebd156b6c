"""The bell, the inbox and the notification settings: one's own only, read by opening (a POST),
and the bell's count costs no query of its own."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cascade.notifications import services
from cascade.notifications.models import Notification, Preference
from cascade.notifications.services import Message
from cascade.notifications.topics import Channel, Topic
from tests.builders import make_world
from tests.web.helpers import queries, sign_in, url


def tell(member, count: int = 1, **kw) -> list[Notification]:
    return services.notify(
        [
            Message(
                recipient=member,
                topic=kw.get("topic", Topic.MADE_OWNER),
                title=kw.get("title", f"News {i}"),
                link=kw.get("link", url(member, "goal-list")),
            )
            for i in range(count)
        ]
    )


def bell(page: str) -> str:
    found = re.search(r'<a class="bell[^"]*"[^>]*>.*?</a>', page, re.S)
    assert found, "no bell on the page"
    return found.group(0)


def test_the_bell_shows_the_unread_count_and_nothing_at_zero(client, world):
    vera = world.person("Vera")
    sign_in(client, vera)
    assert 'class="count"' not in bell(client.get(url(world, "my-week")).text)

    tell(vera, 3)
    tell(world.ceo, 5)  # someone else's are not counted
    page = client.get(url(world, "goal-list")).text
    assert re.search(r'class="count">3<', bell(page))


def test_the_bell_costs_no_query_as_notifications_grow(client, world):
    vera = world.person("Vera")
    sign_in(client, vera)
    tell(vera, 1)
    client.get(url(world, "my-week"))  # the first visit of the day records it
    small, _ = queries(client, url(world, "my-week"))
    tell(vera, 200)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url(world, "my-week")).text
    assert len(captured.captured_queries) == small
    assert re.search(r'class="count">201<', bell(page))
    # The count rides on the query of the memberships (the organisation switcher).
    touching = [
        q["sql"] for q in captured.captured_queries if "notifications_notification" in q["sql"]
    ]
    assert len(touching) == 1
    assert "orgs_member" in touching[0]


def test_the_inbox_lists_ones_own_newest_first_and_pages(client, world):
    vera = world.person("Vera")
    tell(world.ceo, 1, title="Not for Vera")
    for i in range(30):
        tell(vera, 1, title=f"Item {i:02d}")
    sign_in(client, vera)
    count, page = queries(client, url(world, "notifications"))
    assert "Not for Vera" not in page
    assert page.index("Item 29") < page.index("Item 05")
    assert "Item 04" not in page  # on the second page
    assert "Page 1 of 2" in page
    assert page.count("badge new") == 25
    assert "Item 04" in client.get(url(world, "notifications", page=2)).text
    for i in range(30):
        tell(vera, 1, title=f"More {i}")
    assert queries(client, url(world, "notifications"))[0] == count


def test_opening_a_notification_marks_it_read_and_goes_to_its_target(client, world):
    vera = world.person("Vera")
    [first, second] = tell(vera, 2, link=url(world, "goal-tree"))
    sign_in(client, vera)
    open_url = url(world, "notification-open", first.pk)

    assert client.get(open_url).status_code == 405  # a GET changes nothing
    answer = client.post(open_url)
    assert answer.status_code == 302
    assert answer["Location"] == url(world, "goal-tree")
    assert Notification.objects.get(pk=first.pk).read_at is not None
    assert Notification.objects.get(pk=second.pk).read_at is None
    page = client.get(url(world, "notifications", show="unread")).text
    assert "News 1" in page
    assert "News 0" not in page


def test_a_link_outside_cascade_is_not_followed(client, world):
    vera = world.person("Vera")
    [odd] = tell(vera, 1, link="//evil.example.com/")
    sign_in(client, vera)
    answer = client.post(url(world, "notification-open", odd.pk))
    assert answer["Location"] == url(world, "notifications")


def test_nobody_opens_someone_elses_notification(client, world):
    vera, rob = world.person("Vera"), world.person("Rob")
    [for_rob] = tell(rob)
    other = make_world()
    [theirs] = tell(other.ceo)
    sign_in(client, vera)
    assert client.post(url(world, "notification-open", for_rob.pk)).status_code == 404
    assert client.post(url(world, "notification-open", theirs.pk)).status_code == 404
    assert client.post(url(other, "notification-open", theirs.pk)).status_code == 404
    assert client.get(url(other, "notifications")).status_code == 404
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_mark_all_read_reads_only_ones_own(client, world):
    vera = world.person("Vera")
    tell(vera, 4)
    tell(world.ceo, 2)
    sign_in(client, vera)
    page = client.post(url(world, "notifications-read-all"), follow=True).text
    assert "Marked 4 notifications read." in page
    assert 'class="count"' not in bell(page)
    assert Notification.objects.filter(recipient=world.ceo, read_at__isnull=True).count() == 2


def test_the_settings_page_saves_a_channel_per_topic_and_chat_is_not_yet_offered(client, world):
    vera = world.person("Vera")
    sign_in(client, vera)
    page = client.get(url(world, "notification-preferences")).text
    assert "Slack and Teams: not available yet" in page
    assert page.count('value="chat" aria-labelledby') == len(Topic)
    assert re.search(r'value="chat"[^>]*disabled', page)
    assert re.search(r'name="made_owner" value="email"[^>]*checked', page)  # the default

    answer = client.post(
        url(world, "notification-preferences"),
        {"made_owner": "off", "review": "inbox"},
    )
    assert answer.status_code == 302
    chosen = dict(Preference.objects.filter(member=vera).values_list("topic", "channel"))
    assert chosen == {"made_owner": Channel.OFF, "review": Channel.INBOX}

    refused = client.post(url(world, "notification-preferences"), {"mention": "chat"})
    assert refused.status_code == 400
    assert "not connected" in refused.text
    assert not Preference.objects.filter(member=vera, topic="mention").exists()


def test_the_settings_are_in_the_account_menu(client, world):
    sign_in(client, world.ceo)
    page = client.get(url(world, "my-week")).text
    assert url(world, "notification-preferences") in page
