"""Comments on goals: who may write, edit and delete them, what their Markdown becomes (never a
script), whom a mention counts for, and who is told."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cascade.audit.models import AuditEvent, EventKind
from cascade.core import markdown
from cascade.core.errors import NotFound
from cascade.goals import selectors, services
from cascade.goals.models import Comment
from cascade.notifications.models import Notification
from cascade.notifications.topics import Topic
from cascade.orgs import services as orgs
from tests.builders import make_world


def mention(member) -> str:
    return f"@[{member.name}](member:{member.pk})"


def told(member, topic=None) -> list[Notification]:
    rows = Notification.objects.filter(recipient=member)
    if topic:
        rows = rows.filter(topic=topic)
    return list(rows)


@pytest.fixture
def scene(world):
    world.vera = world.person("Vera Owner", manager=world.ceo)
    world.olga = world.person("Olga Colleague")
    world.goal_ = world.goal("Grow revenue", owner=world.vera)
    return world


def html_of(actor, comment) -> str:
    [row] = selectors.comment_rows(actor, comment.goal, [comment])
    return str(row.html)


# --------------------------------------------------------------------------- Markdown


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](java\tscript:alert(1))",
        "<javascript:alert(1)>",
        '<a href="https://x.test" onclick="alert(1)">x</a>',
        "<img src=x onerror=alert(1)>",
        "![pixel](https://tracker.test/p.png)",
        '<div style="position:fixed">raw</div>',
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "<iframe src='https://evil.test'></iframe>",
        '[a](https://x.test "t" onmouseover="alert(1)")',
        "@[<b onclick=alert(1)>Bob</b>](member:1)",
        "[ref]\n\n[ref]: javascript:alert(1)",
    ],
)
def test_hostile_markdown_is_neutralised(source):
    found = elements(markdown.render(source, {1: markdown.Mention("<i>Bob</i>", "/p/1/")}))
    for tag, attrs in found:
        assert tag in markdown.TAGS
        assert set(attrs) <= {"href", "rel", "class", "start"}
        href = (attrs.get("href") or "").strip().lower()
        assert href.startswith(("https:", "http:", "mailto:", "/")) or not href


def test_markdown_keeps_what_people_write():
    html = markdown.render("**bold** _it_ `code`\n\n- one\n- two\n\n[site](https://x.test/a?b=1)")
    for part in ("<strong>bold</strong>", "<em>it</em>", "<code>code</code>"):
        assert part in html
    assert "<li>one</li>" in html
    assert '<a href="https://x.test/a?b=1" rel="nofollow noopener noreferrer">site</a>' in html


def test_a_mention_in_code_is_code_not_a_mention():
    assert markdown.mentioned_ids("`@[Bob](member:7)` and @[Ann](member:8)") == [8]


# --------------------------------------------------------------------------- mentions


def test_a_mention_links_the_person_and_tells_them_and_the_owner(scene):
    comment = services.add_comment(
        actor=scene.olga, goal=scene.goal_, body=f"Nice, {mention(scene.ceo)}!"
    )
    html = html_of(scene.olga, comment)
    path = selectors.person_path(scene.organisation.slug, scene.ceo.pk)
    assert (
        f'<a class="mention" href="{path}" rel="nofollow noopener noreferrer">@{scene.ceo.name}</a>'
        in html
    )

    [mentioned] = told(scene.ceo)
    assert mentioned.topic == Topic.MENTION
    assert mentioned.link.endswith(f"/goals/{scene.goal_.pk}/#comment-{comment.pk}")
    assert f"@{scene.ceo.name}" in mentioned.body
    [owner] = told(scene.vera)
    assert owner.topic == Topic.COMMENT
    assert "Olga Colleague commented" in owner.title
    assert told(scene.olga) == []  # never the author


def test_the_name_shown_is_the_persons_not_the_one_typed(scene):
    comment = services.add_comment(
        actor=scene.olga, goal=scene.goal_, body=f"@[The Boss](member:{scene.ceo.pk})"
    )
    html = html_of(scene.olga, comment)
    assert f">@{scene.ceo.name}</a>" in html
    assert "The Boss" not in html


def test_the_owner_mentioned_is_told_once_as_a_mention(scene):
    services.add_comment(actor=scene.olga, goal=scene.goal_, body=f"{mention(scene.vera)} hi")
    assert [n.topic for n in told(scene.vera)] == [Topic.MENTION]


def test_the_owner_commenting_is_not_told(scene):
    services.add_comment(actor=scene.vera, goal=scene.goal_, body="A note to myself")
    assert told(scene.vera) == []


def test_another_organisations_person_or_a_missing_id_is_not_a_mention(scene):
    stranger = make_world().ceo
    body = f"{mention(stranger)} and @[Ghost](member:999999999)"
    comment = services.add_comment(actor=scene.olga, goal=scene.goal_, body=body)
    html = html_of(scene.olga, comment)
    assert "<a" not in html
    assert f"@{stranger.name}" in html
    assert "@Ghost" in html
    assert told(stranger) == []
    [row] = selectors.comment_rows(scene.olga, scene.goal_, [comment])
    assert row.mentions == []
    event = AuditEvent.objects.get(kind=EventKind.COMMENT_ADDED)
    assert event.data == {"mentions": []}


def test_someone_who_may_not_see_a_private_goal_is_neither_linked_nor_told(scene):
    team = orgs.create_team(actor=scene.ceo, name="Sales", members=[scene.vera])
    secret = scene.goal("Secret plan", owner=scene.vera, visibility="private", team=team)
    comment = services.add_comment(
        actor=scene.vera, goal=secret, body=f"{mention(scene.olga)} {mention(scene.ceo)}"
    )
    html = html_of(scene.vera, comment)
    assert f">@{scene.ceo.name}</a>" in html  # a super user sees every goal
    assert "@Olga Colleague" in html
    assert selectors.person_path(scene.organisation.slug, scene.olga.pk) not in html
    assert html.count("<a ") == 1
    assert told(scene.olga) == []
    assert [n.topic for n in told(scene.ceo)] == [Topic.MENTION]


def test_the_picker_offers_only_people_who_may_see_the_goal(scene):
    team = orgs.create_team(actor=scene.ceo, name="Sales", members=[scene.vera])
    secret = scene.goal("Secret plan", owner=scene.vera, visibility="private", team=team)
    public = scene.goal_
    assert selectors.mention_candidates(scene.vera, public, "olga") == [scene.olga]
    assert selectors.mention_candidates(scene.vera, secret, "olga") == []
    assert selectors.mention_candidates(scene.vera, secret, "chief") == [scene.ceo]
    make_world()  # another organisation's Chief is never offered
    assert len(selectors.mention_candidates(scene.vera, public, "chief")) == 1


# --------------------------------------------------------------------------- editing, deleting


def test_only_the_author_edits_and_a_new_mention_is_told_once(scene):
    comment = services.add_comment(actor=scene.olga, goal=scene.goal_, body="First")
    with pytest.raises(PermissionDenied):
        services.edit_comment(actor=scene.ceo, comment=comment, body="Mine now")
    with pytest.raises(PermissionDenied):
        services.edit_comment(actor=scene.vera, comment=comment, body="Mine now")

    edited = services.edit_comment(
        actor=scene.olga, comment=comment, body=f"First, {mention(scene.ceo)}"
    )
    assert edited.edited_at is not None
    services.edit_comment(actor=scene.olga, comment=comment, body=f"Again, {mention(scene.ceo)}")
    assert [n.topic for n in told(scene.ceo)] == [Topic.MENTION]
    assert Comment.objects.get(pk=comment.pk).body == f"Again, {mention(scene.ceo)}"
    kinds = list(AuditEvent.objects.filter(object_type="comment").values_list("kind", flat=True))
    assert kinds.count(EventKind.COMMENT_EDITED) == 2
    assert [n.topic for n in told(scene.vera)] == [Topic.COMMENT]  # told once, at first


def test_the_author_or_a_super_user_deletes_nobody_else(scene):
    first = services.add_comment(actor=scene.olga, goal=scene.goal_, body="One")
    second = services.add_comment(actor=scene.olga, goal=scene.goal_, body="Two")
    with pytest.raises(PermissionDenied):
        services.delete_comment(actor=scene.vera, comment=first)  # the goal's owner may not
    services.delete_comment(actor=scene.olga, comment=first)
    services.delete_comment(actor=scene.ceo, comment=second)
    assert not Comment.objects.exists()
    deleted = AuditEvent.objects.filter(kind=EventKind.COMMENT_DELETED, goal=scene.goal_)
    assert sorted(e.data["author"] for e in deleted) == [scene.olga.pk, scene.olga.pk]


@pytest.mark.parametrize(
    ("body", "code"), [("   ", "comment_empty"), ("x" * 5001, "comment_too_long")]
)
def test_an_empty_or_long_comment_is_refused_with_its_code(scene, body, code):
    with pytest.raises(ValidationError) as refused:
        services.add_comment(actor=scene.olga, goal=scene.goal_, body=body)
    assert refused.value.error_dict["body"][0].code == code
    assert not Comment.objects.exists()


def test_another_organisations_member_finds_no_comment(scene):
    comment = services.add_comment(actor=scene.olga, goal=scene.goal_, body="Ours")
    stranger = make_world().ceo
    with pytest.raises(NotFound):
        selectors.get_comment(stranger, comment.pk)
    with pytest.raises(NotFound):
        services.add_comment(actor=stranger, goal=scene.goal_, body="Hello")


def test_a_comment_on_a_goal_one_may_not_see_does_not_exist(scene):
    team = orgs.create_team(actor=scene.ceo, name="Sales", members=[scene.vera])
    secret = scene.goal("Secret plan", owner=scene.vera, visibility="private", team=team)
    comment = services.add_comment(actor=scene.vera, goal=secret, body="Hush")
    with pytest.raises(NotFound):
        selectors.get_comment(scene.olga, comment.pk)
    with pytest.raises(PermissionDenied):
        services.add_comment(actor=scene.olga, goal=secret, body="Let me in")
