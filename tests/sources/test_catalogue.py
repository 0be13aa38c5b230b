"""The shipped feed catalogue: what it holds, what it must never hold, and enabling defaults."""

from __future__ import annotations

import logging
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot import callbacks
from bot.config import Settings
from bot.services.catalogue import CatalogueService
from bot.sources.catalogue import (
    FREE_LABELS,
    CatalogueError,
    default_entries,
    load_catalogue,
    parse_catalogue,
)
from bot.sources.feed_store import FeedStore
from bot.store.api import Store
from summaries.taxonomy import CATEGORIES
from tests.sources.pages import REPO

CATALOGUE = REPO / "seeds" / "feeds.toml"
# catalogue.md's "do not ship" list, as address fragments.
NEVER_SHIP = (
    "people.com.cn/rss",
    "news.cn/",
    "xinhuanet.com",
    "caixin.com/rss",
    "scmp.com",
    "rsshub://huxiu",
    "rsshub.app",
)


def test_the_shipped_catalogue_is_valid_and_never_ships_the_forbidden() -> None:
    entries = load_catalogue(CATALOGUE)
    assert len(entries) >= 39
    text = CATALOGUE.read_text("utf-8")
    for fragment in NEVER_SHIP:
        assert all(fragment not in entry.url for entry in entries), fragment
        assert f'url = "{fragment}' not in text
    known = {category.slug for category in CATEGORIES} | set(FREE_LABELS)
    assert {entry.category for entry in entries} <= known
    assert {entry.script for entry in entries} == {"simplified", "traditional"}


def test_default_entries_are_confident_publisher_feeds_covering_the_main_news() -> None:
    defaults = default_entries(load_catalogue(CATALOGUE), "default")
    assert {entry.category for entry in defaults} == {"news", "world", "finance", "tech", "sports"}
    for entry in defaults:
        # Publisher feeds: no RSSHub instance is needed on the first start.
        assert entry.url.startswith("https://") and not entry.needs_rsshub, entry.slug
        # High confidence, or a stated reason to ship it anyway.
        assert entry.confidence == "high" or entry.note.startswith("default"), entry.slug
    assert default_entries(load_catalogue(CATALOGUE), "none") == ()


def test_every_catalogue_button_fits_in_callback_data() -> None:
    entries = load_catalogue(CATALOGUE)
    for entry in entries:
        assert len(callbacks.encode(callbacks.CatalogueToggle(entry.slug)).encode()) <= 64
        assert callbacks.parse(callbacks.encode(callbacks.CatalogueToggle(entry.slug))) == (
            callbacks.CatalogueToggle(entry.slug)
        )
        data = callbacks.encode(callbacks.CatalogueCategory(entry.category))
        assert callbacks.parse(data) == callbacks.CatalogueCategory(entry.category)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"slug": "Bad Slug"}, "slug must be lower-case"),
        ({"url": "http://plain.example/rss"}, "url must be https://"),
        ({"url": "rsshub://a/../b"}, "../"),
        ({"url": "rsshub://a/b?key=secret"}, "RSSHUB_ACCESS_KEY"),
        ({"script": "pinyin"}, "script must be simplified or traditional"),
        ({"default": "yes"}, "true or false"),
    ],
)
def test_a_bad_entry_is_one_sentence_naming_it(entry: dict[str, object], message: str) -> None:
    good = {
        "slug": "ok",
        "name": "好",
        "url": "https://ok.example/rss",
        "category": "tech",
        "script": "simplified",
        "confidence": "high",
    }
    with pytest.raises(CatalogueError, match="feed #2") as raised:
        parse_catalogue(
            {"feed": [good | {"slug": "first", "url": "https://a.example/"}, good | entry]}
        )
    assert message in str(raised.value)


def test_a_catalogue_that_is_not_toml_says_so(tmp_path: Path) -> None:
    broken = tmp_path / "feeds.toml"
    broken.write_text("[[feed]\nslug = ", "utf-8")
    with pytest.raises(CatalogueError, match="is not valid TOML"):
        load_catalogue(broken)
    assert load_catalogue(tmp_path / "missing.toml") == ()


async def test_defaults_are_enabled_once_and_an_entry_turned_off_stays_off(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    entries = load_catalogue(CATALOGUE)
    feeds = await FeedStore.open(store)  # type: ignore[arg-type]
    service = CatalogueService(feeds, entries, rsshub_ready=False)
    defaults = default_entries(entries, "default")
    with caplog.at_level(logging.INFO, logger="bot.services.catalogue"):
        first = await service.enable_defaults(defaults)
    assert [entry.slug for entry in first] == [entry.slug for entry in defaults]
    (line,) = [r.getMessage() for r in caplog.records if "catalogue: enabled" in r.getMessage()]
    assert "36kr (36氪)" in line and f"enabled {len(defaults)} default feeds" in line
    listed = await feeds.list()
    assert [feed.slug for feed in listed] == [entry.slug for entry in defaults]
    assert all(feed.is_global and feed.title for feed in listed)

    off = await service.toggle("36kr")
    assert off.status == "off"
    caplog.clear()
    assert await service.enable_defaults(defaults) == []
    assert not [r for r in caplog.records if "catalogue: enabled" in r.getMessage()]
    assert "36kr" not in {feed.slug for feed in await feeds.list()}
    items = {item.entry.slug: item for item in await service.items("tech")}
    assert not items["36kr"].enabled and items["ithome"].enabled

    on = await service.toggle("36kr")
    assert on.status == "on" and "36kr" in {feed.slug for feed in await feeds.list()}
    # A route needs an instance before it can be turned on.
    assert (await service.toggle("caixin-latest")).status == "needs_rsshub"
    assert (await service.toggle("no-such-feed")).status == "unknown"


def test_catalogue_setting_defaults_to_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CATALOGUE", raising=False)
    assert Settings(_env_file=None).catalogue == "default"  # type: ignore[call-arg]
    monkeypatch.setenv("CATALOGUE", "none")
    assert Settings(_env_file=None).catalogue == "none"  # type: ignore[call-arg]


def test_feeds_catalogue_command_prints_the_entries(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "CATALOGUE_FILE": str(CATALOGUE),
        "CATALOGUE": "none",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "feeds", "catalogue"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "科技 / Technology (tech)" in done.stdout
    assert "36kr" in done.stdout and "https://36kr.com/feed" in done.stdout
    assert "rsshub://caixin/latest" in done.stdout
    with CATALOGUE.open("rb") as handle:
        assert len(tomllib.load(handle)["feed"]) == done.stdout.count("\n     ")
