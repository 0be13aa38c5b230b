"""The tables, as SQLAlchemy Core objects. Migrations create them; queries are built from them.

JSON lists (authors, digest, keywords, topics, article and message ids) are stored as JSON text
on both backends, so the same values read back the same everywhere.

Full-text structures differ per backend and are not part of ``metadata`` (the migrations create
them): on SQLite ``articles_fts`` is an FTS5 table whose rowid is the article id; on PostgreSQL
``articles_fts`` is a plain table (article_id, document tsvector, sort_at) with a GIN index.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Integer primary keys are BIGINT on PostgreSQL; SQLite needs INTEGER for its rowid alias.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on both backends (SQLite stores it naive, in UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # Naive values are taken as UTC: every time inside the store is UTC.
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = sa.MetaData()

articles = sa.Table(
    "articles",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    # Short columns first and body last: SQLite then reads sort_at without the body's pages.
    # published_at, else ingested_at: the one key for "newest first".
    sa.Column("sort_at", UtcDateTime, nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=True),
    sa.Column("ingested_at", UtcDateTime, nullable=False),
    sa.Column("content_hash", sa.Text, nullable=False),
    sa.Column("fingerprint", sa.BigInteger, nullable=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=True),
    sa.Column("kind", sa.Text, nullable=False, server_default="article"),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("subtitle", sa.Text, nullable=False, server_default=""),
    sa.Column("authors", sa.Text, nullable=False, server_default="[]"),
    sa.Column("topics", sa.Text, nullable=False, server_default="[]"),
    sa.Column("keywords", sa.Text, nullable=False, server_default="[]"),
    sa.Column("digest", sa.Text, nullable=False, server_default="[]"),
    sa.Column("body", sa.Text, nullable=False),
    # The news category (a slug of summaries.taxonomy), its confidence, and a second category
    # the model was nearly as sure of; NULL until classified. Added by revision 0007, so they
    # come after body (the category indexes below cover the digest's reads).
    sa.Column("category", sa.Text, nullable=True),
    sa.Column("category_confidence", sa.Float, nullable=True),
    sa.Column("category_second", sa.Text, nullable=True),
    sa.UniqueConstraint("content_hash", name="uq_articles_content_hash"),
    sa.UniqueConstraint("url", name="uq_articles_url"),
    sa.Index("ix_articles_sort", "sort_at", "id"),
    # Category subscriptions read the newest articles of a few categories.
    sa.Index("ix_articles_category_sort", "category", "sort_at", "id"),
    sa.Index("ix_articles_category_second_sort", "category_second", "sort_at", "id"),
    # The feed an article came from (feeds.id; revision 0008), for chats that follow the feed.
    # No foreign key: feed rows are never deleted (a feed nobody polls stays, with its id).
    sa.Column("feed_id", sa.BigInteger, nullable=True),
    sa.Index("ix_articles_feed", "feed_id", "sort_at"),
    # The story the article belongs to (stories.id), and the JSON of its story signature, from
    # which the ingest's writer rebuilds its open stories (revision 0012). No foreign key: a
    # story row is written after the article's own (see bot.ingest.writer).
    # info names_article: an article id without a foreign key, which an import that finds an
    # article under another id maps too (bot.store.export).
    sa.Column("story_id", sa.BigInteger, nullable=True, info={"names_article": True}),
    sa.Column("story_signature", sa.Text, nullable=True),
    sa.Index("ix_articles_story", "story_id"),
)

# One row per story (revision 0012): its id is the id of the article that started it; size,
# sources and the times are kept from the articles naming it (bot.store.stories).
stories = sa.Table(
    "stories",
    metadata,
    sa.Column(
        "id", sa.BigInteger, primary_key=True, autoincrement=False, info={"names_article": True}
    ),
    sa.Column("representative_id", sa.BigInteger, nullable=False, info={"names_article": True}),
    sa.Column("size", sa.Integer, nullable=False, server_default="1"),
    sa.Column("sources", sa.Integer, nullable=False, server_default="1"),
    sa.Column("first_seen_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
)

# One row per (topic, article) so that topic subscriptions use an index, not a JSON scan.
article_topics = sa.Table(
    "article_topics",
    metadata,
    sa.Column("topic", sa.Text, primary_key=True),
    sa.Column(
        "article_id",
        BigId,
        sa.ForeignKey("articles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

chats = sa.Table(
    "chats",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("language", sa.Text, nullable=False),
    sa.Column("timezone", sa.Text, nullable=False),
    # 'HH:MM' text, so that it compares lexically on both backends.
    sa.Column("digest_time", sa.Text, nullable=False),
    sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("blocked_at", UtcDateTime, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # Bumped by every change to what the chat would receive (subscriptions, time, zone, pause):
    # a 'nothing new' check made at an older revision is due again (revision 0006).
    sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_chats_schedule", "timezone", "digest_time", "id"),
    # Digest targets (revision 0011, see bot.store.targets): the Telegram chat a row's digest
    # goes to (NULL: its own id) and the forum topic (NULL: none). A forum topic's row has a
    # synthetic id no Telegram chat can have, so subscriptions and deliveries stay keyed by id.
    sa.Column("telegram_id", sa.BigInteger, nullable=True),
    sa.Column("thread_id", sa.BigInteger, nullable=True),
    sa.Column("title", sa.Text, nullable=True),
    # The bot lost its right to post (removed from the channel, demoted): no longer pushed.
    sa.Column("rights_lost_at", UtcDateTime, nullable=True),
    # A private chat that manages a linked channel or group: that chat's id (NULL: itself).
    sa.Column("manages", sa.BigInteger, nullable=True),
    # Story updates (revision 0013): a story already received comes again when sources the
    # chat has not had yet join it, showing only those (bot.services.stories).
    sa.Column("story_updates", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ux_chats_thread", "telegram_id", "thread_id", unique=True),
)

# Who linked a channel or group from their private chat (revision 0011): they manage it and
# hear when the bot loses its rights there.
chat_admins = sa.Table(
    "chat_admins",
    metadata,
    sa.Column(
        "chat_id",
        sa.BigInteger,
        sa.ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
    ),
    sa.Column("user_id", sa.BigInteger, primary_key=True),
    sa.Column("linked_at", UtcDateTime, nullable=False),
    sa.Index("ix_chat_admins_user", "user_id"),
)

# A chat's later digest times of the day (revision 0010): slot 0 is chats.digest_time, the
# earliest; slots 1.. are here, each later than the one before. A chat with one time has no
# rows. The due query finds chats by their first time (ix_chats_schedule: any slot due means
# slot 0 is due), then picks each one's latest due slot here by primary key.
chat_slots = sa.Table(
    "chat_slots",
    metadata,
    sa.Column(
        "chat_id",
        sa.BigInteger,
        sa.ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("slot", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("digest_time", sa.Text, nullable=False),  # 'HH:MM', as chats.digest_time
)

subscriptions = sa.Table(
    "subscriptions",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column(
        "chat_id",
        sa.BigInteger,
        sa.ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
        nullable=False,
    ),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("chat_id", "kind", "value", name="uq_subscriptions_chat_kind_value"),
    sa.Index("ix_subscriptions_kind_value", "kind", "value"),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column(
        "chat_id",
        sa.BigInteger,
        sa.ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
        nullable=False,
    ),
    sa.Column("local_date", sa.Date, nullable=False),
    sa.Column("status", sa.Text, nullable=False),  # claimed / sent / failed / nothing_new
    sa.Column("article_ids", sa.Text, nullable=False, server_default="[]"),  # JSON array text
    sa.Column("message_ids", sa.Text, nullable=False, server_default="[]"),  # JSON array text
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("claimed_at", UtcDateTime, nullable=True),
    sa.Column("claimed_by", sa.Text, nullable=True),
    sa.Column("sent_at", UtcDateTime, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("chat_revision", sa.Integer, nullable=True),  # chats.revision when claimed
    # Which of the chat's digest times (0: chats.digest_time, 1..: chat_slots; revision 0010).
    sa.Column("slot", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint("chat_id", "local_date", "slot", name="uq_deliveries_chat_date_slot"),
    # Rows in flight only (a handful): the due query asks of each chat whether it holds a live
    # claim on any slot, without reading its history (revision 0010).
    sa.Index(
        "ix_deliveries_claimed",
        "chat_id",
        "local_date",
        sqlite_where=sa.text("status = 'claimed'"),
        postgresql_where=sa.text("status = 'claimed'"),
    ),
)

# The feed registry (bot.store.feeds): which feeds are polled, their HTTP validators and
# their health. Columns as the registry first created them, so databases that already have the
# table keep it unchanged (revision 0003).
feeds = sa.Table(
    "feeds",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("url", sa.String(2048), nullable=False, unique=True),
    sa.Column("etag", sa.String(512)),
    sa.Column("last_modified", sa.String(128)),
    sa.Column("last_polled_at", UtcDateTime),
    sa.Column("last_ok_at", UtcDateTime),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("failing_since", UtcDateTime),
    sa.Column("last_error", sa.Text),
    # A Telegram user id, or NULL for feeds that come from the FEEDS setting.
    sa.Column("added_by", sa.BigInteger),
    # Revision 0008: what the catalogue or an OPML file says of the feed, whether it is one of
    # the operator's feeds (polled for everyone) or only followed by chats, and its health.
    sa.Column("title", sa.Text),
    sa.Column("slug", sa.Text),
    sa.Column("category", sa.Text),
    sa.Column("site_url", sa.Text),
    sa.Column("is_global", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("first_failed_at", UtcDateTime),
    sa.Column("disabled_at", UtcDateTime),
    sa.Column("next_poll_at", UtcDateTime),
    sa.Column("interval_seconds", sa.Integer),
    sa.Column("last_entry_at", UtcDateTime),
    sa.Index("ix_feeds_slug", "slug"),
)

# Small facts about the store itself, e.g. which category model tagged its articles.
store_meta = sa.Table(
    "store_meta",
    metadata,
    sa.Column("key", sa.Text, primary_key=True, autoincrement=False),
    sa.Column("value", sa.Text, nullable=False),
)

# What built the full-text index (tokenizer, dictionary): see bot.store.reindex (revision 0009).
# Not in ``metadata``: like the index itself it is not exported; an import indexes anew.
index_meta = sa.Table(
    "index_meta",
    sa.MetaData(),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# Backend-specific full-text tables, described here only so queries can name their columns.
_sqlite_fts_metadata = sa.MetaData()
_postgresql_fts_metadata = sa.MetaData()

sqlite_articles_fts = sa.Table(
    "articles_fts",
    _sqlite_fts_metadata,
    sa.Column("rowid", sa.Integer, primary_key=True),
    sa.Column("title", sa.Text),
    sa.Column("body", sa.Text),
)

postgresql_articles_fts = sa.Table(
    "articles_fts",
    _postgresql_fts_metadata,
    sa.Column("article_id", sa.BigInteger, primary_key=True),
    sa.Column("document", postgresql.TSVECTOR, nullable=False),
    sa.Column("sort_at", UtcDateTime, nullable=False),
)
