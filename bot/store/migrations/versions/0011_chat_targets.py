"""Digest targets: channels and groups linked by their admins, and forum topics.

``chats`` gains the Telegram chat a digest goes to (``telegram_id``, NULL meaning the row's
own id) and the forum topic (``thread_id``), a title, when the bot lost its right to post
(``rights_lost_at``) and, for a private chat, which linked chat it manages (``manages``).
``chat_admins`` records who linked a channel or group. Existing chats keep NULL everywhere:
they are pushed to their own id as before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.schema import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_CHAT_COLUMNS = (
    ("telegram_id", sa.BigInteger),
    ("thread_id", sa.BigInteger),
    ("title", sa.Text),
    ("rights_lost_at", UtcDateTime),
    ("manages", sa.BigInteger),
)


def upgrade() -> None:
    for name, kind in _CHAT_COLUMNS:
        op.add_column("chats", sa.Column(name, kind(), nullable=True))
    op.create_index("ux_chats_thread", "chats", ["telegram_id", "thread_id"], unique=True)
    op.create_table(
        "chat_admins",
        sa.Column(
            "chat_id",
            sa.BigInteger(),
            sa.ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.BigInteger(), primary_key=True),
        sa.Column("linked_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_chat_admins_user", "chat_admins", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_chat_admins_user", table_name="chat_admins")
    op.drop_table("chat_admins")
    op.drop_index("ux_chats_thread", table_name="chats")
    # Plain DROP COLUMN (SQLite 3.35+), not a batch copy: copying and dropping chats on SQLite
    # would cascade to its subscriptions, slots and deliveries.
    for name, _ in reversed(_CHAT_COLUMNS):
        op.execute(f"ALTER TABLE chats DROP COLUMN {name}")
