"""Story updates: a chat may ask to hear again of a story it received when new sources join.

``chats.story_updates`` is false for every chat this revision finds, and by default: a story
already pushed to a chat stays out of its later digests unless the chat turns updates on
(/updates on). A plain ADD COLUMN with a constant default on both backends: no table copy.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "chats",
        sa.Column("story_updates", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # A batch copy of chats would cascade to its subscriptions and deliveries on SQLite.
    op.execute("ALTER TABLE chats DROP COLUMN story_updates")
