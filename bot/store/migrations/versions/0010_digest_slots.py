"""More than one digest a day: a chat's later digest times, and one delivery per slot.

Where the times live. ``chats.digest_time`` stays what it was and becomes slot 0, the chat's
earliest time; the later ones (slots 1..3, each later than the one before) are rows of the new
``chat_slots`` table (chat_id, slot, digest_time), keyed by (chat_id, slot). A chat with one
time, which is every chat this revision finds, has no rows there and is carried over as it is.

Why this shape. The due query stays the one it was: a chat has some slot due exactly when its
earliest time has come, so it still walks ``ix_chats_schedule`` (timezone, digest_time, id) in
one zone, keyset-paged as before, and looks up each chat's latest due slot in ``chat_slots`` by
primary key (an empty range for most chats). Putting every time in the side table instead would
need the time zone copied there to keep the walk indexed, and a second copy to keep in step on
every /timezone; keeping slot 0 on the chat also means code that writes chats (imports, tools)
needs no slot rows at all.

Deliveries. ``deliveries.slot`` (0 for every existing row) joins the unique key: exactly once
becomes one row per (chat, local date, slot). Claims, retries, leases and fencing work on that
row as they did on the (chat, date) one. Two slots of one chat must not be in flight at once
(both would pick the same articles), so the due query also asks whether the chat holds a live
claim on any row: ``ix_deliveries_claimed``, a partial index of the rows in flight, answers
that without reading the chat's history (PostgreSQL otherwise scanned the whole log per page).

Revision ID: 0010
Revises: 0009
Create Date: 2025-01-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_slots",
        sa.Column(
            "chat_id",
            sa.BigInteger,
            sa.ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("slot", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("digest_time", sa.Text, nullable=False),
    )
    # SQLite cannot change a table's constraints in place: batch mode copies the table.
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("slot", sa.Integer, nullable=False, server_default="0"))
        batch.drop_constraint("uq_deliveries_chat_date", type_="unique")
        batch.create_unique_constraint(
            "uq_deliveries_chat_date_slot", ["chat_id", "local_date", "slot"]
        )
    _claimed_index()


def _claimed_index() -> None:
    where = sa.text("status = 'claimed'")
    op.create_index(
        "ix_deliveries_claimed",
        "deliveries",
        ["chat_id", "local_date"],
        sqlite_where=where,
        postgresql_where=where,
    )


def downgrade() -> None:
    # Only slot 0 fits the old key: the later slots' rows go, with the later times.
    op.drop_index("ix_deliveries_claimed", table_name="deliveries")
    op.execute(sa.text("DELETE FROM deliveries WHERE slot <> 0"))
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("uq_deliveries_chat_date_slot", type_="unique")
        batch.create_unique_constraint("uq_deliveries_chat_date", ["chat_id", "local_date"])
        batch.drop_column("slot")
    op.drop_table("chat_slots")
