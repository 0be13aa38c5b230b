"""Full-text index over jieba tokens and the topic index; fills both from existing articles.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import context, op

from bot.store.fulltext import Analyzer, document_text, tsvector_text
from bot.store.schema import BigId, UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The FTS5 tokenizer splits only where search_tokens put a space: every non-ASCII character
# and the ASCII characters jieba keeps inside words (3.5, c++, 100%, a_b) are token characters.
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE articles_fts USING fts5("
    "title, body, content='', tokenize=\"ascii tokenchars '+#&._%-'\")"
)


def upgrade() -> None:
    op.create_table(
        "article_topics",
        sa.Column("topic", sa.Text, primary_key=True),
        sa.Column(
            "article_id",
            BigId,
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(SQLITE_FTS)
    else:
        op.create_table(
            "articles_fts",
            sa.Column(
                "article_id",
                sa.BigInteger,
                sa.ForeignKey("articles.id", ondelete="CASCADE"),
                primary_key=True,
            ),
            sa.Column("document", sa.dialects.postgresql.TSVECTOR, nullable=False),
            sa.Column("sort_at", UtcDateTime, nullable=False),
        )
        op.create_index(
            "ix_articles_fts_document", "articles_fts", ["document"], postgresql_using="gin"
        )
        op.create_index("ix_articles_fts_sort", "articles_fts", ["sort_at"])
    _backfill(bind)


def _backfill(bind: sa.engine.Connection) -> None:
    # Articles stored before this revision get their index rows now.
    rows = bind.execute(sa.text("SELECT id, title, body, topics, sort_at FROM articles"))
    found = rows.fetchall()
    analyzer: Analyzer | None = context.config.attributes.get("analyzer")
    if found and analyzer is None:
        raise RuntimeError("indexing stored articles needs the analyzer (bot.ingest.migrate)")
    for article_id, title, body, topics, sort_at in found:
        assert analyzer is not None
        title_tokens = analyzer.tokens(title)
        body_tokens = analyzer.tokens(body)
        if bind.dialect.name == "sqlite":
            bind.execute(
                sa.text("INSERT INTO articles_fts (rowid, title, body) VALUES (:id, :t, :b)"),
                {
                    "id": article_id,
                    "t": document_text(title_tokens),
                    "b": document_text(body_tokens),
                },
            )
        else:
            bind.execute(
                sa.text(
                    "INSERT INTO articles_fts (article_id, document, sort_at) "
                    "VALUES (:id, CAST(:doc AS tsvector), :sort_at)"
                ),
                {
                    "id": article_id,
                    "doc": tsvector_text(title_tokens, body_tokens),
                    "sort_at": sort_at,
                },
            )
        for topic in dict.fromkeys(json.loads(topics or "[]")):
            bind.execute(
                sa.text("INSERT INTO article_topics (topic, article_id) VALUES (:t, :id)"),
                {"t": topic, "id": article_id},
            )


def downgrade() -> None:
    op.drop_table("articles_fts")
    op.drop_table("article_topics")
