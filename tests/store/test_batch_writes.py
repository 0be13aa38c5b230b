"""Contract: what one batch write stores beside the articles, on both backends.

The feed each article names, its full-text index row and the story rows it touches are
written a statement per batch (not per article or story); each article must still get its
own values.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bot.store import SqlStore
from bot.store.fulltext import document_text
from bot.store.records import StoryAssignment
from tests.store.corpus import make_article, seed_paragraphs

FEED_A = "https://a.example/rss"
FEED_B = "rsshub://b/news"


async def _column(store: SqlStore, query: str) -> dict[int, object]:
    async with store.engine.connect() as conn:
        return {int(row[0]): row[1] for row in await conn.execute(sa.text(query))}


async def test_each_article_of_a_batch_gets_the_feed_its_url_names(store: SqlStore) -> None:
    await store.feeds.register(FEED_A, added_by=None)
    await store.feeds.register(FEED_B, added_by=None)
    feed_ids = {
        url: id_ for id_, url in (await _column(store, "SELECT id, url FROM feeds")).items()
    }
    paragraphs = seed_paragraphs()
    named = [FEED_B, None, "https://unregistered.example/rss", FEED_A, FEED_B]
    batch = [
        replace(make_article(f"第{n}篇", paragraphs[n]), feed_url=url)
        for n, url in enumerate(named)
    ]
    # A repeat of the first article, under another feed: a duplicate, stored once.
    batch.append(replace(batch[0], feed_url=FEED_A))
    result = await store.add_articles(batch)
    assert result.duplicates == 1 and len(result.added) == 5
    stored = await _column(store, "SELECT id, feed_id FROM articles")
    assert [stored[i] for i in result.added] == [
        feed_ids[FEED_B],
        None,
        None,
        feed_ids[FEED_A],
        feed_ids[FEED_B],
    ]


async def test_an_article_refused_for_its_url_does_not_take_the_id_of_one_with_its_text(
    store: SqlStore,
) -> None:
    """Two articles of a batch with the same text: the first's url is stored already (so it
    is refused), the second goes in under its own url. The id and index row are the second's."""
    paragraphs = seed_paragraphs()
    first = await store.add_articles(
        [replace(make_article("旧闻", paragraphs[0]), url="https://a.example/1")]
    )
    again = replace(make_article("同一篇", paragraphs[1]), url="https://a.example/1")
    moved = replace(again, url="https://b.example/2", title_tokens=("转载",))
    result = await store.add_articles([again, moved])
    assert result.ids[0] is None and result.ids[1] is not None
    assert result.duplicates == 1 and result.added == (result.ids[1],)
    urls = await _column(store, "SELECT id, url FROM articles")
    assert urls == {first.added[0]: "https://a.example/1", result.ids[1]: "https://b.example/2"}
    # The stored article is found by its own index tokens, not by the refused one's.
    assert [hit.article.id for hit in (await store.search("转载")).hits] == [result.ids[1]]


def _grouped_tsvector(title: tuple[str, ...], body: tuple[str, ...]) -> str:
    """The tsvector literal with each lexeme once and its first 256 positions."""
    positions: dict[str, list[str]] = {}
    for position, (token, weight) in enumerate(
        [(t, "A") for t in title] + [(t, "B") for t in body], start=1
    ):
        positions.setdefault(token, []).append(f"{position}{weight}")
    quoted = {t: "'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in positions}
    return " ".join(f"{quoted[t]}:{','.join(p[:256])}" for t, p in positions.items())


async def test_index_rows_keep_every_position_of_a_repeated_token(
    store: SqlStore, backend: str
) -> None:
    title = ("北京", "it's", "北京")
    body = ("北京", "a\\b", "it's", *(["雪"] * 300), "北京")
    article = replace(
        make_article("北京下雪", "北京的雪。" * 3), title_tokens=title, body_tokens=body
    )
    plain = make_article("格尔木", seed_paragraphs()[5])
    added = (await store.add_articles([plain, article])).added
    assert len(added) == 2
    async with store.engine.connect() as conn:
        if backend == "sqlite":
            # The FTS5 table keeps no text: its vocabulary says what it indexed where.
            await conn.execute(
                sa.text(
                    "CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, articles_fts, instance)"
                )
            )
            counts = await conn.execute(
                sa.text(
                    "SELECT term, col, count(*) FROM temp.terms WHERE doc = :id "
                    "AND term IN ('北京', '雪') GROUP BY term, col"
                ),
                {"id": added[1]},
            )
            assert sorted(map(tuple, counts)) == [
                ("北京", "body", 2),
                ("北京", "title", 2),
                ("雪", "body", 300),
            ]
            return
        stored, expected = (
            await conn.execute(
                sa.text(
                    "SELECT document::text, CAST(:expected AS tsvector)::text "
                    "FROM articles_fts WHERE article_id = :id"
                ),
                {"id": added[1], "expected": _grouped_tsvector(title, body)},
            )
        ).one()
    assert stored == expected
    assert "'雪':" in stored and stored.count(",") >= 255  # 256 positions of 雪 kept


async def test_one_write_updates_stored_stories_and_adds_new_ones(store: SqlStore) -> None:
    paragraphs = seed_paragraphs()
    at = datetime(2024, 3, 1, 8, tzinfo=UTC)
    first, second, third = (
        replace(
            make_article(f"第{n}篇", paragraphs[n]),
            source=source,
            published_at=at + timedelta(hours=n),
        )
        for n, source in enumerate(["新华社", "人民网", "新华社"])
    )
    a, b, c = (await store.add_articles([first, second, third])).added
    await store.assign_stories([StoryAssignment(a, a, a)])
    # One call: b joins the stored story a (and becomes its representative), c starts one.
    await store.assign_stories([StoryAssignment(b, a, b), StoryAssignment(c, c, c)])
    stories = await store.get_stories([a, c])
    assert (stories[a].representative_id, stories[a].size, stories[a].sources) == (b, 2, 2)
    assert (stories[a].first_seen_at, stories[a].last_seen_at) == (at, at + timedelta(hours=1))
    assert (stories[c].representative_id, stories[c].size, stories[c].sources) == (c, 1, 1)
    assert stories[c].first_seen_at == stories[c].last_seen_at == at + timedelta(hours=2)


def test_document_text_leaves_out_only_tokens_past_the_byte_limit() -> None:
    short, wide, too_wide = "雪" * 250, "雪" * 333, "雪" * 334  # 3 bytes a character
    assert document_text(["北京", short, "下雪"]) == f"北京 {short} 下雪"
    assert document_text(["北京", wide, too_wide, "a" * 1000]) == f"北京 {wide} {'a' * 1000}"
    assert document_text([]) == ""
