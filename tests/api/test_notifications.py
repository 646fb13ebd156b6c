"""The inbox through the API: one's own, newest first, filtered by unread, in a fixed number of
queries; marking all read; the channel per topic with its default."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cascade.notifications import services
from cascade.notifications.services import Message
from cascade.notifications.topics import Topic
from tests.api.conftest import api_for


def tell(member, count: int) -> None:
    services.notify(
        [Message(recipient=member, topic=Topic.REVIEW, title=f"Item {i}") for i in range(count)]
    )


def test_the_list_is_ones_own_newest_first_and_filters_unread(world):
    vera = world.person("Vera")
    tell(vera, 3)
    tell(world.ceo, 2)
    api = api_for(vera)
    first = api.get("/notifications").body["items"][0]
    api.post("/notifications/read", {"ids": [first["id"]]})

    everything = api.get("/notifications").body
    assert everything["count"] == 3
    assert [n["title"] for n in everything["items"]] == ["Item 2", "Item 1", "Item 0"]
    assert api.get("/notifications?unread=true").body["count"] == 2
    assert [n["id"] for n in api.get("/notifications?unread=false").body["items"]] == [first["id"]]

    assert api.post("/notifications/read", {"all": True}).body == {"marked": 2, "unread": 0}
    assert api.get("/notifications?unread=true").body["count"] == 0
    assert api_for(world.ceo).get("/notifications?unread=true").body["count"] == 2


def test_the_list_runs_a_fixed_number_of_queries(world):
    vera = world.person("Vera")
    api = api_for(vera)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/notifications").status == 200
        return len(captured.captured_queries)

    tell(vera, 2)
    queries()  # the token's first use of the day is recorded
    small = queries()
    tell(vera, 60)
    assert queries() == small


def test_preferences_show_the_default_until_chosen(world):
    api = api_for(world.ceo)
    before = {p["topic"]: p for p in api.get("/notification-preferences").body["items"]}
    assert before["made_owner"] == {
        "topic": "made_owner",
        "label": Topic.MADE_OWNER.label,
        "channel": "email",
        "is_default": True,
    }
    assert (
        api.send("PUT", "/notification-preferences/made_owner", {"channel": "inbox"}).status == 200
    )
    after = {p["topic"]: p for p in api.get("/notification-preferences").body["items"]}
    assert after["made_owner"]["channel"] == "inbox"
    assert not after["made_owner"]["is_default"]
    unknown = api.send("PUT", "/notification-preferences/made_owner", {"channel": "nonsense"})
    assert unknown.status == 400


def test_a_preference_for_a_topic_that_does_not_exist_is_a_404(world):
    from tests.api.conftest import api_for

    answer = api_for(world.ceo).send("PUT", "/notification-preferences/nope", {"channel": "off"})
    assert answer.status == 404
    assert answer.error["code"] == "not_found"
