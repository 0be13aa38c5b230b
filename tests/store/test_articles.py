"""Contract: storing and reading articles, dedupe and atomic batches, on both backends."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest

from bot.store import SqlStore
from tests.store.corpus import make_article, seed_articles, seed_paragraphs


async def test_add_and_get_round_trip_every_field(store: SqlStore) -> None:
    beijing = timezone(timedelta(hours=8))
    published = datetime(2021, 7, 11, 9, 30, tzinfo=beijing)
    paragraph = seed_paragraphs()[0]
    article = replace(
        make_article("打造党建品牌 筑牢文明基石", paragraph, topics=("party", "civility")),
        subtitle="——漯河市市场监督管理局以高质量党建引领全国文明单位创建纪实",
        authors=("李连军", "程浩"),
        keywords=("党建", "文明"),
        kind="brief",
        url="https://example.org/a/1",
        published_at=published,
        fingerprint=-(2**63) + 5,
    )
    before = datetime.now(UTC)
    result = await store.add_articles([article])
    assert len(result.added) == 1 and result.duplicates == 0
    stored = await store.get_article(result.added[0])
    assert stored is not None
    assert (stored.title, stored.body, stored.subtitle) == (
        article.title,
        article.body,
        article.subtitle,
    )
    assert stored.authors == ("李连军", "程浩")
    assert stored.digest == article.digest and stored.keywords == ("党建", "文明")
    assert stored.topics == ("party", "civility")
    assert (stored.kind, stored.url, stored.source) == ("brief", article.url, "test")
    assert stored.content_hash == article.content_hash
    assert stored.fingerprint == -(2**63) + 5
    assert stored.published_at == published and stored.published_at.tzinfo is not None
    assert stored.ingested_at.tzinfo is not None
    assert before - timedelta(seconds=5) <= stored.ingested_at <= datetime.now(UTC)
    assert await store.get_article(result.added[0] + 1000) is None


async def test_same_content_twice_is_one_row(store: SqlStore) -> None:
    articles = seed_articles()
    first = await store.add_articles(articles)
    assert len(first.added) == len(articles) and first.duplicates == 0
    second = await store.add_articles(articles)
    assert second.added == () and second.duplicates == len(articles)
    # Within one batch too.
    extra = make_article("格尔木", seed_paragraphs()[5])
    third = await store.add_articles([extra, extra])
    assert len(third.added) == 1 and third.duplicates == 1
    assert await store.count_articles() == len(articles) + 1


async def test_same_url_with_other_text_is_a_duplicate(store: SqlStore) -> None:
    paragraphs = seed_paragraphs()
    one = make_article("甲", paragraphs[1], url="https://example.org/same")
    other = make_article("乙", paragraphs[2], url="https://example.org/same")
    assert len((await store.add_articles([one])).added) == 1
    result = await store.add_articles([other])
    assert result.added == () and result.duplicates == 1
    assert await store.has_url("https://example.org/same")
    assert not await store.has_url("https://example.org/other")
    assert await store.stored_urls(
        ["https://example.org/other", "https://example.org/same", "https://example.org/same"]
    ) == {"https://example.org/same"}
    assert await store.stored_urls([]) == set()
    # Articles without a url never collide on it.
    no_url = [make_article("丙", paragraphs[3]), make_article("丁", paragraphs[4])]
    assert len((await store.add_articles(no_url)).added) == 2


async def test_failing_batch_rolls_back_whole_call(store: SqlStore) -> None:
    paragraphs = seed_paragraphs()
    good = make_article("好的一篇", paragraphs[6])
    broken = replace(make_article("坏的一篇", paragraphs[7]), title=cast(Any, None))
    with pytest.raises(Exception):  # noqa: B017 - the driver's integrity error, whichever it is
        await store.add_articles([good, broken])
    assert await store.count_articles() == 0
    assert (await store.search("好的一篇")).hits == ()
    # The store still works afterwards.
    assert len((await store.add_articles([good])).added) == 1


async def test_latest_articles_newest_first_with_offset(store: SqlStore) -> None:
    paragraphs = seed_paragraphs()
    old = make_article("旧", paragraphs[8], published_at=datetime(2020, 1, 1, tzinfo=UTC))
    mid = make_article("中", paragraphs[9], published_at=datetime(2021, 1, 1, tzinfo=UTC))
    # No published time: ingested now, so it is the newest.
    new = make_article("新", paragraphs[10])
    await store.add_articles([mid, old, new])
    titles = [a.title for a in await store.latest_articles(limit=10)]
    assert titles == ["新", "中", "旧"]
    assert [a.title for a in await store.latest_articles(limit=1, offset=1)] == ["中"]
    assert await store.latest_articles(limit=5, offset=3) == []


async def test_fingerprints_and_count(store: SqlStore) -> None:
    paragraphs = seed_paragraphs()
    batch = [
        make_article("一", paragraphs[11], fingerprint=2**63 - 1),
        make_article("二", paragraphs[12], fingerprint=-1),
        make_article("三", paragraphs[13]),
    ]
    added = (await store.add_articles(batch)).added
    assert await store.fingerprints() == [(added[0], 2**63 - 1), (added[1], -1)]
    assert await store.count_articles() == 3
    assert (await store.add_articles([])).added == ()


async def test_huge_article_is_stored_and_found_on_both_backends(store: SqlStore) -> None:
    # Nearly 2 MB of text with 250,000 distinct words: past PostgreSQL's 1 MiB tsvector limit.
    words = [f"编号{n}号" for n in range(250_000)]
    body = "志愿服务队在社区开展活动。" + "，".join(words) + "。"
    assert len(body.encode("utf-8")) > 1_800_000
    huge = replace(
        make_article("超长的志愿服务记录", body),
        body_tokens=("志愿", "服务", "志愿服务", "社区", *words),
    )
    result = await store.add_articles([huge])
    assert len(result.added) == 1
    stored = await store.get_article(result.added[0])
    assert stored is not None and stored.body == body
    found = await store.search("志愿服务")
    assert [hit.article.id for hit in found.hits] == [result.added[0]]
