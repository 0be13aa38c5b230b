"""Articles, chats, subscriptions and deliveries.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.schema import BigId, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "articles",
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
        sa.UniqueConstraint("content_hash", name="uq_articles_content_hash"),
        sa.UniqueConstraint("url", name="uq_articles_url"),
    )
    op.create_index("ix_articles_sort", "articles", ["sort_at", "id"])
    op.create_table(
        "chats",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("language", sa.Text, nullable=False),
        sa.Column("timezone", sa.Text, nullable=False),
        sa.Column("digest_time", sa.Text, nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("blocked_at", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_chats_schedule", "chats", ["timezone", "digest_time"])
    op.create_table(
        "subscriptions",
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
    )
    op.create_index("ix_subscriptions_kind_value", "subscriptions", ["kind", "value"])
    op.create_table(
        "deliveries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "chat_id",
            sa.BigInteger,
            sa.ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
            nullable=False,
        ),
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("article_ids", sa.Text, nullable=False, server_default="[]"),
        sa.Column("message_ids", sa.Text, nullable=False, server_default="[]"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("claimed_at", UtcDateTime, nullable=True),
        sa.Column("claimed_by", sa.Text, nullable=True),
        sa.Column("sent_at", UtcDateTime, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.UniqueConstraint("chat_id", "local_date", name="uq_deliveries_chat_date"),
    )


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("subscriptions")
    op.drop_index("ix_chats_schedule", table_name="chats")
    op.drop_table("chats")
    op.drop_index("ix_articles_sort", table_name="articles")
    op.drop_table("articles")
