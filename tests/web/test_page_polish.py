"""Small things a newcomer stumbles over: "Why this number?" opened directly is a page, the
tree says what "×3" means, the settings tabs lead to the data sources, and the faint text is
readable (WCAG contrast of the stylesheet's colours)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.web.helpers import url

CSS = Path(__file__).resolve().parents[2] / "src/cascade/web/static/cascade/cascade.css"


def scene(world):
    from tests.builders import metric

    senior = world.goal("Senior", krs=[metric(0, 10, title="Own KR")])
    junior = world.goal("Junior", krs=[metric(0, 10)], under={senior: 3})
    world.check_in(junior, 8)
    return senior, junior


def test_why_opened_directly_is_a_whole_page(signed_in, world):
    senior, _ = scene(world)
    page = signed_in.get(url(world, "goal-why", senior.pk)).text
    assert page.lstrip().startswith("<!doctype html>")
    assert "cascade.css" in page  # styled, with the top bar
    assert "<h1>Why this number?</h1>" in page
    assert f'href="{url(world, "goal-detail", senior.pk)}"' in page  # back to the goal
    assert "+60 %" in page  # the share the junior adds (trailing zeros dropped)
    past = signed_in.get(url(world, "goal-why", senior.pk, as_of="2020-01-01")).text
    assert 'value="2020-01-01"' in past  # the date asked stays in its field
    assert "had no progress recorded" in past


def test_why_for_htmx_is_the_fragment_alone(signed_in, world):
    senior, _ = scene(world)
    fragment = signed_in.get(url(world, "goal-why", senior.pk), headers={"HX-Request": "true"}).text
    assert "<html" not in fragment
    assert "<h1>" not in fragment
    assert "+60 %" in fragment


def test_the_tree_explains_a_contribution_weight(signed_in, world):
    scene(world)
    page = signed_in.get(url(world, "goal-tree", period=world.period.pk)).text
    assert ">×3</span>" in page
    assert "weight 3 in the goal above" in page  # for screen readers
    assert re.search(r'title="Weight 3: counts 3 times as much as a weight-1 contributor', page)


def test_the_settings_tabs_include_data_sources(signed_in, world):
    page = signed_in.get(url(world, "org-settings")).text
    nav = page.split('aria-label="Settings"')[1].split("</nav>")[0]
    assert f'href="{url(world, "settings-connections")}"' in nav
    assert ">Data sources</a>" in nav
    sources = signed_in.get(url(world, "settings-connections")).text
    nav = sources.split('aria-label="Settings"')[1].split("</nav>")[0]
    assert 'aria-current="page">Data sources' in nav


def luminance(colour: str) -> float:
    if len(colour) == 4:  # #fff
        colour = "#" + "".join(c * 2 for c in colour[1:])
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_reach_4_5_to_1_on_cards_and_the_page():
    colours = dict(
        re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b", CSS.read_text())
    )
    for text in ("ink", "muted", "faint", "accent", "on", "risk", "off"):
        for background in ("bg", "card"):
            ratio = contrast(colours[text], colours[background])
            assert ratio >= 4.5, f"--{text} on --{background}: {ratio:.2f}:1"
    for text, soft in (("on", "on-soft"), ("risk", "risk-soft"), ("off", "off-soft")):
        assert contrast(colours[text], colours[soft]) >= 4.5, f"--{text} on --{soft}"
