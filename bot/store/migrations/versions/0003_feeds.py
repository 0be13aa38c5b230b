"""The feed registry's table, which bot.store.feeds used to create on its own.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.schema import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database run by an older release may already hold the table, created by the feed
    # registry itself with exactly these columns: keep it and its rows.
    if sa.inspect(op.get_bind()).has_table("feeds"):
        return
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("url", sa.String(2048), nullable=False, unique=True),
        sa.Column("etag", sa.String(512)),
        sa.Column("last_modified", sa.String(128)),
        sa.Column("last_polled_at", UtcDateTime),
        sa.Column("last_ok_at", UtcDateTime),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("failing_since", UtcDateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("added_by", sa.BigInteger),
    )


def downgrade() -> None:
    op.drop_table("feeds")
