"""Every article in a news category: the category columns, their indexes, and store_meta.

Articles stored before this revision have no category (NULL) until ``python -m bot retag``
(or the bot's start, which runs it when the model changed) classifies them. ``store_meta``
records which category model tagged the store.

Revision ID: 0007
Revises: 0006
Create Date: 2025-01-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on both backends: no table copy, so the full-text rows stay as they are.
    op.add_column("articles", sa.Column("category", sa.Text, nullable=True))
    op.add_column("articles", sa.Column("category_confidence", sa.Float, nullable=True))
    op.add_column("articles", sa.Column("category_second", sa.Text, nullable=True))
    op.create_index("ix_articles_category_sort", "articles", ["category", "sort_at", "id"])
    op.create_index(
        "ix_articles_category_second_sort", "articles", ["category_second", "sort_at", "id"]
    )
    op.create_table(
        "store_meta",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("store_meta")
    op.drop_index("ix_articles_category_second_sort", table_name="articles")
    op.drop_index("ix_articles_category_sort", table_name="articles")
    # DROP COLUMN itself (SQLite 3.35+): a batch copy of the table would cascade to its rows.
    for column in ("category_second", "category_confidence", "category"):
        op.execute(f"ALTER TABLE articles DROP COLUMN {column}")
