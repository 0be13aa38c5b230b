"""PostgreSQL: the full-text GIN index takes each new article into its main structure at once.

With GIN's default fastupdate, new entries wait in an unsorted pending list that every search
scans in full until a vacuum merges it (up to gin_pending_list_limit, 4 MB by default). Turning
it off makes each insert a little dearer and keeps every search's index lookup bounded; a bot
adds articles by the hundred and searches far more often. SQLite is unchanged.

Revision ID: 0004
Revises: 0003
Create Date: 2025-01-04
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER INDEX ix_articles_fts_document SET (fastupdate = off)")
    # Merge what is already pending, so the change takes effect now rather than at a vacuum.
    op.execute("SELECT gin_clean_pending_list('ix_articles_fts_document'::regclass)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER INDEX ix_articles_fts_document RESET (fastupdate)")
