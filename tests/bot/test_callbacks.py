"""Callback data: round trips within 64 bytes; forged, stale and oversize data never raise."""

from __future__ import annotations

import pytest

from bot import callbacks as cb


@pytest.mark.parametrize(
    "callback",
    [
        cb.ToggleTopic("volunteer", 1),
        cb.ToggleCategory("sports", 0),
        cb.TopicsPage(0),
        cb.RemoveSubscription("topic", "rural"),
        cb.RemoveSubscription("category", "realestate"),
        cb.RemoveSubscription("keyword", cb.key_digest("乡村振兴示范村建设")),
        cb.RemoveSubscription("exclude", cb.key_digest("华为")),
        cb.SubscriptionsPage(4),
        cb.SearchPage("志愿服务", 3),
        cb.SearchPage("~" + cb.key_digest("x" * 500), 1),
        cb.FullArticle(123456),
        cb.SubscribeWord("乡村振兴"),
    ],
)
def test_round_trip(callback: cb.Callback) -> None:
    assert cb.parse(cb.encode(callback)) == callback


def test_every_shipped_topic_fits_a_toggle_button() -> None:
    from pathlib import Path

    from summaries.topics import load_topics

    topics = load_topics(Path(__file__).resolve().parents[2] / "seeds" / "topics.toml")
    for topic in topics:  # encode raises when data would be over 64 bytes
        assert cb.parse(cb.encode(cb.ToggleTopic(topic.slug, 99))) == cb.ToggleTopic(topic.slug, 99)


def test_every_category_fits_a_toggle_button_distinct_from_a_topic_one() -> None:
    from summaries import CATEGORIES

    for category in CATEGORIES:
        toggle = cb.ToggleCategory(category.slug, 99)
        assert cb.parse(cb.encode(toggle)) == toggle
    # education is a category and a topic: the two buttons stay apart.
    assert cb.parse(cb.encode(cb.ToggleCategory("education", 0))) != cb.ToggleTopic("education", 0)


def test_encode_refuses_what_would_not_fit() -> None:
    with pytest.raises(ValueError):
        cb.encode(cb.SubscribeWord("志" * 25))
    assert not cb.fits("w", "志" * 25)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "|",
        "1",
        "1|",
        "1|zz|x",
        "1|t|volunteer",
        "1|t|volunteer|-1",
        "1|t|volunteer|9999999999999999",
        "1|a|abc",
        "1|a|١٢",  # Arabic-Indic digits are digits to str.isdigit
        "1|rm|x|rural",
        "1|sp|",
        "1|sp|-1",
        "1|s|0|",
        "x|t|a|0",
        "\x00\ud800",
        "1|" + "a" * 100,
        "<b>|&amp;",
    ],
)
def test_forged_data_is_invalid(data: str | None) -> None:
    assert isinstance(cb.parse(data), cb.Invalid)


def test_other_versions_are_stale() -> None:
    assert isinstance(cb.parse("0|t|volunteer|0"), cb.Stale)
    assert isinstance(cb.parse("2|a|1"), cb.Stale)
