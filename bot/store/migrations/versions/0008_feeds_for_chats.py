"""Feeds for every chat: catalogue fields, health and schedule on feeds; articles know their feed.

``feeds`` gains the catalogue's (or an OPML file's) title, slug, category and site, whether the
feed is one of the operator's (``is_global``: polled for everyone) or only followed by chats,
and its health and schedule (first failure of the current run, disabled, next poll, interval
in force, newest entry). Existing feeds came from FEEDS or /addfeed: they are the operator's.
``articles.feed_id`` names the feed an article came from; older articles have none.

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.schema import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_FEED_COLUMNS = (
    ("title", sa.Text),
    ("slug", sa.Text),
    ("category", sa.Text),
    ("site_url", sa.Text),
    ("first_failed_at", UtcDateTime),
    ("disabled_at", UtcDateTime),
    ("next_poll_at", UtcDateTime),
    ("interval_seconds", sa.Integer),
    ("last_entry_at", UtcDateTime),
)


def upgrade() -> None:
    for name, kind in _FEED_COLUMNS:
        op.add_column("feeds", sa.Column(name, kind(), nullable=True))
    op.add_column(
        "feeds", sa.Column("is_global", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.create_index("ix_feeds_slug", "feeds", ["slug"])
    op.add_column("articles", sa.Column("feed_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_articles_feed", "articles", ["feed_id", "sort_at"])


def downgrade() -> None:
    op.drop_index("ix_articles_feed", table_name="articles")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("feed_id")
    op.drop_index("ix_feeds_slug", table_name="feeds")
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("is_global")
        for name, _ in reversed(_FEED_COLUMNS):
            batch.drop_column(name)
