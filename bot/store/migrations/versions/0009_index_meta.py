"""Which tokenizer and dictionary built the full-text index: a small key/value table.

The store indexes the tokens it is given; what made them (``tokenizer``: engine and version,
``dictionary``) is recorded here by whoever built the index (bot.ingest.reindex), so that a
process opened with another tokenizer rebuilds the index instead of silently missing matches.
A store without a record (older than this revision, or new) is indexed again, or recorded,
when next opened through bot.ingest.

Revision ID: 0009
Revises: 0008
Create Date: 2025-01-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "index_meta",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("index_meta")
