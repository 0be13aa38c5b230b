"""/digest's first page is what the push would send: it ranks the push's own candidate window."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from bot.ingest.writer import ArticleWriter
from bot.services.chats import ChatRef, ChatService
from bot.services.digest import DigestService
from bot.services.stories import CANDIDATES_PER_ENTRY
from bot.store.sql_store import SqlStore
from tests.store.corpus import make_article
from tests.story_reports import report

CHAT = ChatRef(7001, "private", "zh")


async def test_first_page_ranks_the_push_window_and_later_pages_the_rest(
    store: SqlStore,
) -> None:
    now = datetime.now(UTC)
    # An event two outlets reported three hours ago: two sources outrank one, but only the
    # newest candidates are in the push's window, and these two are older than all of them.
    older = now - timedelta(hours=3)
    writer = ArticleWriter(store, clock=lambda: now)
    event = await writer.write(
        [
            report("honour_daily", source="daily.example.cn", published=older),
            report("honour_evening", source="evening.example.cn", published=older),
        ]
    )
    (story,) = {(await store.get_article(i)).story_id for i in event.added}  # type: ignore[union-attr]
    newer = [
        replace(
            make_article(f"漯河简讯{n}", f"漯河市第{n}条简讯：街道开展第{n}次便民服务活动。"),
            published_at=now - timedelta(minutes=10 * (n + 1)),
        )
        for n in range(CANDIDATES_PER_ENTRY)
    ]
    singles = (await store.add_articles(newer)).added
    chats = ChatService(store, default_timezone="Asia/Shanghai", default_digest_time=time(8))
    await chats.ensure(CHAT)
    await store.add_subscription(CHAT.id, "keyword", "漯河")
    digests = DigestService(store, chats, max_articles=1)

    first = await digests.preview(CHAT)
    (entry,) = first.entries
    # The push reads the newest max_articles * CANDIDATES_PER_ENTRY candidates: the singles.
    assert entry.representative.id in singles and entry.story_id != story
    assert first.has_next
    second = await digests.preview(CHAT, page=1)
    (next_entry,) = second.entries
    assert next_entry.story_id == story and len(next_entry.articles) == 2
    # No entry shows twice across pages.
    pages = [await digests.preview(CHAT, page=p) for p in range(5)]
    ids = [e.representative.id for p in pages for e in p.entries]
    assert len(ids) == len(set(ids)) == CANDIDATES_PER_ENTRY + 1
