"""The push by story, against the Bot API emulator on both backends: reports of one event from
several outlets go out once, with the other sources named; a story is never pushed twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import pytest
from telegram import Bot

from bot.delivery.push import PushConfig, Pusher
from bot.ingest.writer import ArticleWriter
from bot.store.records import NewArticle
from bot.store.sql_store import SqlStore
from summaries.model import Topic
from tests.botapi.server import BotApiEmulator
from tests.delivery.conftest import FakeClock
from tests.story_reports import REPORTS, report

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

PUBLISHED = datetime(2026, 3, 27, 2, 0, tzinfo=UTC)


def _title(key: str) -> str:
    return REPORTS[key][0]


def _two_outlets() -> list[NewArticle]:
    """The same event in the words of two outlets, an hour apart."""
    return [
        report("honour_daily", source="daily.example.cn", published=PUBLISHED),
        report(
            "honour_evening",
            source="evening.example.cn",
            published=PUBLISHED + timedelta(hours=1),
        ),
    ]


@pytest.fixture
async def emulated(store: SqlStore) -> AsyncIterator[tuple[BotApiEmulator, Bot, FakeClock]]:
    clock = FakeClock(datetime(2026, 3, 27, 23, 0, tzinfo=UTC))
    emu = BotApiEmulator(clock=clock.timestamp, wall_clock=clock.timestamp)
    async with emu, Bot(emu.token, base_url=emu.base_url) as bot:
        yield emu, bot, clock


async def _chat(store: SqlStore, chat_id: int) -> None:
    # 08:00 in Shanghai is 00:00 UTC; the keyword matches every report here.
    await store.ensure_chat(
        chat_id, type="private", language="zh", timezone="Asia/Shanghai", digest_time=time(8)
    )
    await store.add_subscription(chat_id, "keyword", "漯河")


def _pusher(
    store: SqlStore,
    bot: Bot,
    topics: tuple[Topic, ...],
    clock: FakeClock,
    config: PushConfig | None = None,
) -> Pusher:
    return Pusher(
        store=store,
        bot=bot,
        topics=topics,
        config=config or PushConfig(),
        clock=clock,
        sleep=clock.sleep,
    )


async def test_one_event_from_two_outlets_is_pushed_once_and_never_again(
    store: SqlStore,
    emulated: tuple[BotApiEmulator, Bot, FakeClock],
    topics: tuple[Topic, ...],
) -> None:
    emu, bot, clock = emulated
    writer = ArticleWriter(store, clock=clock)
    await writer.write(
        [*_two_outlets(), report("food_check", source="daily.example.cn", published=PUBLISHED)]
    )
    await _chat(store, 301)
    pusher = _pusher(store, bot, topics, clock)
    clock.set(datetime(2026, 3, 28, 0, 1, tzinfo=UTC))
    assert (await pusher.tick()).sent == 1
    (message,) = emu.messages(301)
    honour = {_title("honour_daily"), _title("honour_evening")}
    shown = [title for title in honour if title in message.text]
    assert len(shown) == 1  # one entry for the story, titled by its representative
    assert message.text.count("另有 1 家来源") == 1
    other = "evening.example.cn" if shown[0] == _title("honour_daily") else "daily.example.cn"
    assert f"另有 1 家来源：{other}" in message.text
    links = [e["url"] for e in message.entities if e["type"] == "text_link"]
    assert any(url.startswith(f"https://{other}/honour_") for url in links)
    # The other event in the same city is an entry of its own, with no other source.
    assert _title("food_check") in message.text

    # A third outlet reports the event after the push: the story is not pushed again.
    later = datetime(2026, 3, 28, 3, 0, tzinfo=UTC)
    written = await writer.write(
        [report("honour_radio", source="radio.example.cn", published=later)]
    )
    (radio,) = written.added
    joined = await store.get_article(radio)
    assert joined is not None and joined.story_id is not None
    clock.set(datetime(2026, 3, 29, 0, 1, tzinfo=UTC))
    report_next = await pusher.tick()
    assert report_next.sent == 0 and report_next.outcomes["nothing_new"] == 1
    assert len(emu.messages(301)) == 1

    # A chat that has not had the story gets it once, with both other outlets.
    await _chat(store, 302)
    await store.update_chat(302, digest_time=time(9))
    clock.set(datetime(2026, 3, 29, 1, 1, tzinfo=UTC))
    assert (await pusher.tick()).sent == 1
    (fresh,) = emu.messages(302)
    assert fresh.text.count("另有 2 家来源") == 1
    assert sum(title in fresh.text for title in (*honour, _title("honour_radio"))) == 1


async def test_stories_carried_by_more_sources_rank_first(
    store: SqlStore,
    emulated: tuple[BotApiEmulator, Bot, FakeClock],
    topics: tuple[Topic, ...],
) -> None:
    emu, bot, clock = emulated
    writer = ArticleWriter(store, clock=clock)
    # The single report is the newer one; the story two outlets carry still comes first.
    await writer.write(
        [
            report("honour_daily", source="daily.example.cn", published=PUBLISHED),
            report("honour_radio", source="radio.example.cn", published=PUBLISHED),
            report(
                "food_check", source="daily.example.cn", published=PUBLISHED + timedelta(hours=3)
            ),
        ]
    )
    await _chat(store, 303)
    pusher = _pusher(store, bot, topics, clock, PushConfig(max_articles=1))
    clock.set(datetime(2026, 3, 28, 0, 1, tzinfo=UTC))
    assert (await pusher.tick()).sent == 1
    (message,) = emu.messages(303)
    assert _title("food_check") not in message.text
    assert "另有 1 家来源" in message.text


async def test_a_chat_with_updates_on_gets_a_new_source_once_as_an_update(
    store: SqlStore,
    emulated: tuple[BotApiEmulator, Bot, FakeClock],
    topics: tuple[Topic, ...],
) -> None:
    emu, bot, clock = emulated
    writer = ArticleWriter(store, clock=clock)
    await writer.write(
        [*_two_outlets(), report("food_check", source="daily.example.cn", published=PUBLISHED)]
    )
    await _chat(store, 401)  # updates on
    await _chat(store, 402)  # updates off, in the same batch
    record = await store.update_chat(401, story_updates=True)
    assert record.story_updates is True
    assert (await store.get_chat(402)).story_updates is False  # type: ignore[union-attr]
    pusher = _pusher(store, bot, topics, clock)
    clock.set(datetime(2026, 3, 28, 0, 1, tzinfo=UTC))
    assert (await pusher.tick()).sent == 2
    (first,) = emu.messages(401)
    assert "后续报道" not in first.text and first.text.count("另有 1 家来源") == 1

    # A third outlet joins the story after the push.
    later = datetime(2026, 3, 28, 3, 0, tzinfo=UTC)
    (radio,) = (
        await writer.write([report("honour_radio", source="radio.example.cn", published=later)])
    ).added
    joined = await store.get_article(radio)
    assert joined is not None and joined.story_id is not None
    # A digest cut short is resumed with the same entries marked: a story the chat had in an
    # earlier sent delivery is an update, one it never had is not.
    assert await pusher._resumed_updates(401, [joined]) == {joined.story_id}
    assert await pusher._resumed_updates(403, [joined]) == frozenset()
    clock.set(datetime(2026, 3, 29, 0, 1, tzinfo=UTC))
    second_tick = await pusher.tick()
    assert second_tick.sent == 1 and second_tick.outcomes["nothing_new"] == 1
    assert len(emu.messages(402)) == 1  # updates off: as before, not pushed again
    _, update = emu.messages(401)
    # Only the new source, labelled as an update of the story received before.
    assert "🔄 后续报道：" + _title("honour_radio") in update.text
    assert _title("honour_daily") not in update.text
    assert _title("honour_evening") not in update.text
    assert _title("food_check") not in update.text
    assert "另有" not in update.text  # one new source: nothing else to name
    links = [e["url"] for e in update.entities if e["type"] == "text_link"]
    assert any(url.startswith("https://radio.example.cn/honour_radio") for url in links)
    assert all("daily.example.cn" not in url and "evening" not in url for url in links)

    # The update was recorded as sent: the next tick has nothing for either chat.
    clock.set(datetime(2026, 3, 30, 0, 1, tzinfo=UTC))
    third_tick = await pusher.tick()
    assert third_tick.sent == 0 and third_tick.outcomes["nothing_new"] == 2
    assert len(emu.messages(401)) == 2


async def test_an_excluded_report_is_not_shown_under_its_story(
    store: SqlStore,
    emulated: tuple[BotApiEmulator, Bot, FakeClock],
    topics: tuple[Topic, ...],
) -> None:
    """The evening paper's report names 河南省 and the chat excluded it: the story still goes
    out, from the other outlet, with no link to the excluded report."""
    emu, bot, clock = emulated
    writer = ArticleWriter(store, clock=clock)
    await writer.write(_two_outlets())
    await _chat(store, 305)
    await store.add_subscription(305, "exclude", "河南省")
    await _chat(store, 306)  # the same subscription without the exclusion: both outlets
    pusher = _pusher(store, bot, topics, clock)
    clock.set(datetime(2026, 3, 28, 0, 1, tzinfo=UTC))
    assert (await pusher.tick()).sent == 2
    (excluding,) = emu.messages(305)
    assert _title("honour_daily") in excluding.text
    assert "evening.example.cn" not in excluding.text and "另有" not in excluding.text
    (plain,) = emu.messages(306)
    assert "另有 1 家来源" in plain.text
