"""The goal page's comments: adding, editing and deleting one's own, the @mention picker, what a
hostile comment shows, and a page that costs the same however many comments it has."""

from __future__ import annotations

import pytest

from cascade.goals import services
from cascade.goals.models import Comment
from cascade.notifications.models import Notification
from tests.builders import make_world
from tests.web.helpers import queries, sign_in, url


@pytest.fixture
def scene(world):
    world.vera = world.person("Vera Owner", manager=world.ceo)
    world.olga = world.person("Olga Colleague")
    world.target = world.goal("Grow revenue", owner=world.vera)
    return world


def test_a_comment_with_a_mention_is_added_and_shown(client, scene):
    sign_in(client, scene.olga)
    body = f"**Great** week, @[Chief](member:{scene.ceo.pk})! <script>alert(1)</script>"
    response = client.post(url(scene, "comment-add", scene.target.pk), {"body": body})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{comment.pk}")

    page = client.get(url(scene, "goal-detail", scene.target.pk)).text
    assert f'id="comment-{comment.pk}"' in page
    assert "<strong>Great</strong>" in page
    person = url(scene, "person", scene.ceo.pk)
    assert f'<a class="mention" href="{person}"' in page
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page
    assert Notification.objects.filter(recipient=scene.ceo, topic="mention").exists()
    assert Notification.objects.filter(recipient=scene.vera, topic="comment").exists()


def test_an_empty_comment_is_refused_on_the_page(client, scene):
    sign_in(client, scene.olga)
    response = client.post(url(scene, "comment-add", scene.target.pk), {"body": "  "})
    assert response.status_code == 400
    assert "Write something first." in response.text
    assert not Comment.objects.exists()


def test_only_the_author_sees_edit_and_may_edit(client, scene):
    comment = services.add_comment(actor=scene.olga, goal=scene.target, body="Typo hre")
    edit = url(scene, "comment-edit", comment.pk)

    sign_in(client, scene.vera)
    assert edit not in client.get(url(scene, "goal-detail", scene.target.pk)).text
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"body": "Hijacked"}).status_code == 403

    sign_in(client, scene.olga)
    assert edit in client.get(url(scene, "goal-detail", scene.target.pk)).text
    page = client.get(edit)
    assert page.status_code == 200
    assert "Typo hre" in page.text
    assert client.post(edit, {"body": "Typo here"}).status_code == 302
    assert Comment.objects.get().body == "Typo here"
    assert "edited" in client.get(url(scene, "goal-detail", scene.target.pk)).text


def test_the_author_and_a_super_user_delete(client, scene):
    first = services.add_comment(actor=scene.olga, goal=scene.target, body="One")
    second = services.add_comment(actor=scene.olga, goal=scene.target, body="Two")
    sign_in(client, scene.vera)
    assert client.post(url(scene, "comment-delete", first.pk)).status_code == 403
    sign_in(client, scene.olga)
    assert client.post(url(scene, "comment-delete", first.pk)).status_code == 302
    sign_in(client, scene.ceo)
    assert client.post(url(scene, "comment-delete", second.pk)).status_code == 302
    assert not Comment.objects.exists()


def test_another_organisations_member_gets_404_everywhere(client, scene):
    comment = services.add_comment(actor=scene.olga, goal=scene.target, body="Ours")
    other = make_world()
    sign_in(client, other.ceo)
    # Their own organisation's address with our ids: nothing of ours exists there.
    assert client.post(url(other, "comment-add", scene.target.pk), {"body": "x"}).status_code == 404
    assert client.get(url(other, "comment-edit", comment.pk)).status_code == 404
    assert client.post(url(other, "comment-delete", comment.pk)).status_code == 404
    assert client.get(url(other, "mention-search", scene.target.pk, q="olga")).status_code == 404
    # Ours: they are not a member.
    assert client.get(url(scene, "comment-edit", comment.pk)).status_code == 404
    assert Comment.objects.get().body == "Ours"


def test_the_picker_finds_people_who_may_see_the_goal(client, scene):
    sign_in(client, scene.vera)
    answer = client.get(url(scene, "mention-search", scene.target.pk, q="olg")).json()
    assert answer == {
        "people": [
            {
                "id": scene.olga.pk,
                "name": "Olga Colleague",
                "title": "",
                "insert": f"@[Olga Colleague](member:{scene.olga.pk}) ",
            }
        ]
    }
    assert client.get(url(scene, "mention-search", scene.target.pk, q="")).json() == {"people": []}
    # Vera herself is not offered.
    assert client.get(url(scene, "mention-search", scene.target.pk, q="vera")).json() == {
        "people": []
    }


def test_the_picker_runs_a_fixed_number_of_queries(client, scene):
    for n in range(30):
        scene.person(f"Olga {n}")
    sign_in(client, scene.vera)
    few = queries(client, url(scene, "mention-search", scene.target.pk, q="olga"))[0]
    assert few <= 6


def test_the_goal_page_costs_the_same_with_2_or_40_comments(client, scene):
    sign_in(client, scene.vera)
    counts = []
    for total in (2, 40):
        while Comment.objects.count() < total:
            n = Comment.objects.count()
            author = scene.person(f"Person {n}")
            services.add_comment(
                actor=author,
                goal=scene.target,
                body=f"Hello @[x](member:{scene.olga.pk}) and @[y](member:{author.pk}) #{n}",
            )
        count, page = queries(client, url(scene, "goal-detail", scene.target.pk))
        assert page.count('class="comment"') == total
        counts.append(count)
    assert counts[0] == counts[1], counts
