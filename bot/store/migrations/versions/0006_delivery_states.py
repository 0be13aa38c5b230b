"""Explicit delivery states, and chat revisions that make 'nothing new' checks due again.

"Checked, nothing to send" was a 'failed' row with the error text 'nothing new'; it becomes
the status 'nothing_new'. ``chats.revision`` is bumped by every change to what a chat would
receive (subscribe, unsubscribe, time, zone, resume) and each claim notes it in
``deliveries.chat_revision``, so that a chat which changed after its check is looked at again
at the next tick instead of after the next ingest. Rows converted here have no revision
(NULL) and are looked at once more.

Revision ID: 0006
Revises: 0005
Create Date: 2025-01-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The error text that marked 'nothing new' before this revision.
_OLD_NOTHING_NEW = "nothing new"


def upgrade() -> None:
    op.add_column("chats", sa.Column("revision", sa.Integer, nullable=False, server_default="0"))
    op.add_column("deliveries", sa.Column("chat_revision", sa.Integer, nullable=True))
    op.execute(
        sa.text(
            "UPDATE deliveries SET status = 'nothing_new', error = NULL"
            " WHERE status = 'failed' AND error = :old"
        ).bindparams(old=_OLD_NOTHING_NEW)
    )


def downgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE deliveries SET status = 'failed', error = :old WHERE status = 'nothing_new'"
        ).bindparams(old=_OLD_NOTHING_NEW)
    )
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("chat_revision")
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("revision")
