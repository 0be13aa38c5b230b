"""The push reads due chats in (digest time, id) order: index the id too.

Due chats are read in batches ordered by (digest_time, id) within one time zone; without the
id in the index the database sorts every chat sharing a digest time on each batch (SQLite's
plan said "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY"), which a million chats at 08:00 make
expensive.

Revision ID: 0005
Revises: 0004
Create Date: 2025-01-05
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_chats_schedule", table_name="chats")
    op.create_index("ix_chats_schedule", "chats", ["timezone", "digest_time", "id"])


def downgrade() -> None:
    op.drop_index("ix_chats_schedule", table_name="chats")
    op.create_index("ix_chats_schedule", "chats", ["timezone", "digest_time"])
