"""Benchmark of the push's due query with several digest times a day (slots).

N chats in one zone, a share of them with a second time (08:00 and 20:00), every morning
digest already recorded as sent: at 20:30 the push walks the zone's due chats page by page.
Prints the time of one whole walk (the median of a few) and of one page, for chats with one
time only and with slots, and the query plan, on SQLite or PostgreSQL. Usage, from the
repository root:

    .venv/bin/python bench/due_query.py --chats 10000
    .venv/bin/python bench/due_query.py --chats 10000 --backend postgresql
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.push import _database  # noqa: E402  (after the path fix above)

DAY = date(2026, 3, 28)


async def _populate(url: str, chats: int, share: float, days: int) -> None:
    from bot.ingest import open_store
    from bot.store.schema import chat_slots, deliveries
    from bot.store.schema import chats as chats_table

    store = await open_store(url)
    now = datetime.now(UTC)
    try:
        step = 5_000
        for first in range(1, chats + 1, step):
            ids = range(first, min(first + step, chats + 1))
            async with store.engine.begin() as conn:
                rows = [
                    {"id": i, "type": "private", "language": "zh", "timezone": "UTC",
                     "digest_time": "08:00", "paused": False, "created_at": now}
                    for i in ids
                ]  # fmt: skip
                await conn.execute(chats_table.insert(), rows)
                evening = [i for i in ids if (i % 100) < share * 100]
                if evening:
                    await conn.execute(
                        chat_slots.insert(),
                        [{"chat_id": i, "slot": 1, "digest_time": "20:00"} for i in evening],
                    )
                # The morning went out: a sent slot-0 row per chat, and a few older days.
                sent = [
                    {"chat_id": i, "local_date": DAY - timedelta(days=back), "slot": 0,
                     "status": "sent", "article_ids": "[1, 2, 3]", "message_ids": "[1]",
                     "claimed_at": now, "claimed_by": "bench", "sent_at": now}
                    for i in ids
                    for back in range(days)
                ]  # fmt: skip
                await conn.execute(deliveries.insert(), sent)
        if store.backend == "postgresql":
            async with store.engine.begin() as conn:
                import sqlalchemy as sa

                await conn.execute(sa.text("ANALYZE"))
    finally:
        await store.close()


async def _measure(url: str, hhmm: str, rounds: int, batch: int) -> tuple[float, float, int, str]:
    import sqlalchemy as sa

    from bot.ingest import open_store
    from bot.store.deliveries import Cutoffs

    store = await open_store(url)
    now = datetime(2026, 3, 28, 20, 30, tzinfo=UTC)
    cutoffs = Cutoffs(now - timedelta(seconds=900), now, now, 5)
    log = store.deliveries
    walks: list[float] = []
    pages: list[float] = []
    found = 0
    try:
        for _ in range(rounds):
            after: tuple[str, int] | None = None
            found = 0
            start = time.perf_counter()
            while True:
                page_start = time.perf_counter()
                due = await log.due_chats(
                    timezone="UTC", local_date=DAY, hhmm=hhmm, cutoffs=cutoffs,
                    after=after, limit=batch,
                )  # fmt: skip
                pages.append(time.perf_counter() - page_start)
                found += len(due)
                if len(due) < batch:
                    break
                after = (due[-1].digest_time, due[-1].chat_id)
            walks.append(time.perf_counter() - start)
        plan = await _plan(store, hhmm, cutoffs, batch, sa)
    finally:
        await store.close()
    return statistics.median(walks), statistics.median(pages), found, plan


async def _plan(store: Any, hhmm: str, cutoffs: Any, batch: int, sa: Any) -> str:
    """The due query's plan, as the database gives it."""
    from bot.store.deliveries import due_query

    query = due_query(timezone="UTC", local_date=DAY, hhmm=hhmm, cutoffs=cutoffs, limit=batch)
    compiled = query.compile(store.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if store.backend == "sqlite" else "EXPLAIN "
    async with store.engine.connect() as conn:
        rows = (await conn.execute(sa.text(prefix + str(compiled)))).all()
    return "\n".join("  " + str(row[-1]) for row in rows)


def main() -> None:
    """Populate, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--days", type=int, default=3, help="days of sent deliveries per chat")
    args = parser.parse_args()
    print(
        f"due query benchmark ({args.backend}, {args.chats} chats in one zone, "
        f"{args.days} days of deliveries)"
    )
    for share in (0.0, 0.5):
        with _database(args.backend) as url:
            asyncio.run(_populate(url, args.chats, share, args.days))
            walk, page, found, plan = asyncio.run(_measure(url, "20:30", args.rounds, args.batch))
        print(
            f"evening share={share:.0%}  due={found}  walk={walk * 1000:.1f} ms  "
            f"page={page * 1000:.2f} ms"
        )
    print("plan (evening share 50%):\n" + plan)


if __name__ == "__main__":
    main()
