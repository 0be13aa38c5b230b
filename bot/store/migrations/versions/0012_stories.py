"""Stories: articles that report the same event, across sources and wording.

``stories`` holds one row per story; its id is the id of the article that started it (the
ingest's ``StoryIndex`` names a story so), and its counts are kept from the articles that name
it in ``articles.story_id``. ``articles.story_signature`` is the JSON of the article's story
signature (summaries.story_signature), so a restarted writer rebuilds its open stories by
reading, not by tokenizing the last days' articles again. Articles stored before this revision
have neither: each is its own story in digests and search.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.schema import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("representative_id", sa.BigInteger, nullable=False),
        sa.Column("size", sa.Integer, nullable=False, server_default="1"),
        sa.Column("sources", sa.Integer, nullable=False, server_default="1"),
        sa.Column("first_seen_at", UtcDateTime, nullable=False),
        sa.Column("last_seen_at", UtcDateTime, nullable=False),
    )
    # Plain ADD COLUMN on both backends: no table copy, the full-text rows stay as they are.
    op.add_column("articles", sa.Column("story_id", sa.BigInteger, nullable=True))
    op.add_column("articles", sa.Column("story_signature", sa.Text, nullable=True))
    op.create_index("ix_articles_story", "articles", ["story_id"])


def downgrade() -> None:
    op.drop_index("ix_articles_story", table_name="articles")
    # DROP COLUMN itself (SQLite 3.35+): a batch copy of the table would cascade to its rows.
    for column in ("story_signature", "story_id"):
        op.execute(f"ALTER TABLE articles DROP COLUMN {column}")
    op.drop_table("stories")
