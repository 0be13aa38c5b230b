"""Benchmark of the daily push against the Bot API emulator (a separate process on loopback).

1. Within Telegram's limits: N subscribed chats (default 10,000), the emulator enforcing 30
   messages/s, the sender set to 30/s: wall time beside the floor N/30 s, and 429s received.
2. Limits lifted: messages/s the push sustains in one process pinned to one core, and the
   worker's peak memory at each size (default 10,000 and 100,000 chats): it should be flat.

Each measurement runs the push in a fresh worker process (one tick, as ``deliver --once``), so
its peak RSS is the push's own. Usage, from the repository root:

    .venv/bin/python bench/push.py                      # both parts (part 1 takes ~6 min)
    .venv/bin/python bench/push.py --limited-chats 3000 --fast-sizes 10000
    .venv/bin/python bench/push.py --skip-limited --backend postgresql
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PG_ADMIN_ASYNC = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


# -- the worker: one tick, measured -------------------------------------------------------------
async def _worker(args: argparse.Namespace) -> None:
    from telegram import Bot
    from telegram.request import BaseRequest, HTTPXRequest

    from bench.common import seed_topics
    from bot.delivery.jobs import push_config_concurrency
    from bot.delivery.lean_request import LeanRequest
    from bot.delivery.push import PushConfig, Pusher
    from bot.delivery.schedule import utc_now
    from bot.ingest import open_store

    topics = seed_topics()
    store = await open_store(args.database)
    concurrency = args.concurrency or push_config_concurrency(args.rate)
    request: BaseRequest = (
        LeanRequest(pool_size=concurrency + 8)
        if args.transport == "lean"
        else HTTPXRequest(connection_pool_size=concurrency + 8)
    )
    async with Bot(args.token, base_url=args.base_url, request=request) as bot:
        pusher = Pusher(
            store=store,
            bot=bot,
            topics=topics,
            config=PushConfig(
                rate_per_second=args.rate,
                concurrency=concurrency,
                batch_size=max(50, min(5000, int(args.rate * 5))),
            ),
            clock=utc_now,
            sleep=asyncio.sleep,
        )
        start = time.perf_counter()
        report = await pusher.tick()
        elapsed = time.perf_counter() - start
    await store.close()
    print(
        json.dumps(
            {
                "elapsed": elapsed,
                "outcomes": dict(report.outcomes),
                "messages": report.messages,
                "floods": report.floods,
                "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "cpu_s": time.process_time(),
            }
        ),
        flush=True,
    )


# -- setup: a database with N subscribed chats ----------------------------------------------------
def _seed_articles() -> list[Any]:
    import hashlib

    from bench.common import seed_topics
    from bot.store.records import NewArticle
    from summaries import Summarizer, split_page
    from summaries.tokens import search_tokens

    topics = seed_topics()
    summarizer = Summarizer(topics=topics)
    out = []
    for page in sorted((REPO / "seeds").glob("*.txt")):
        for n, article in enumerate(split_page(page.read_text(encoding="utf-8"))):
            summary = summarizer.summarize(article)
            out.append(
                NewArticle(
                    title=article.title or summary.digest[0][:20],
                    body=article.body,
                    digest=summary.digest,
                    keywords=summary.keywords,
                    topics=summary.topics,
                    source=f"seeds/{page.name}",
                    content_hash=hashlib.sha256(article.body.encode()).hexdigest(),
                    kind=article.kind,
                    url=f"https://example.com/{page.stem}/{n}",
                    title_tokens=tuple(search_tokens(article.title or summary.digest[0][:20])),
                    body_tokens=tuple(search_tokens(article.body)),
                )
            )
    return out


async def _populate(url: str, chats: int, articles: list[Any]) -> None:
    from bot.ingest import open_store
    from bot.store.schema import chats as chats_table
    from bot.store.schema import subscriptions

    store = await open_store(url)
    try:
        await store.add_articles(articles)
        now = datetime.now(UTC)
        step = 10_000
        for first in range(1, chats + 1, step):
            ids = range(first, min(first + step, chats + 1))
            async with store.engine.begin() as conn:
                await conn.execute(
                    chats_table.insert(),
                    [
                        {
                            "id": i,
                            "type": "private",
                            "language": "zh",
                            "timezone": "UTC",
                            "digest_time": "00:00",
                            "paused": False,
                            "created_at": now,
                        }
                        for i in ids
                    ],
                )
                await conn.execute(
                    subscriptions.insert(),
                    [
                        {"chat_id": i, "kind": "topic", "value": "volunteer", "created_at": now}
                        for i in ids
                    ],
                )
    finally:
        await store.close()


async def _admin(sql: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(PG_ADMIN_ASYNC, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text(sql))
    finally:
        await engine.dispose()


@contextlib.contextmanager
def _database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/push.db"
        return
    name = f"wz_bench_push_{secrets.token_hex(4)}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def _emulator(limits: list[str]) -> Iterator[tuple[str, str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.botapi", "--no-record", *limits],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip().removeprefix("BASE_URL=")
        token = proc.stdout.readline().strip().removeprefix("TOKEN=")
        stats_url = base.removesuffix("/bot") + "/_emulator/stats"
        if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(proc.pid, {1})
        yield base, token, stats_url
    finally:
        proc.terminate()
        proc.wait(10)


def _stats(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return dict(json.loads(response.read()))


def _run_worker(
    database: str, base: str, token: str, rate: float, concurrency: int, transport: str
) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker"]
    cmd += ["--database", database, "--base-url", base, "--token", token, "--rate", str(rate)]
    cmd += ["--concurrency", str(concurrency), "--transport", transport]
    pin = ["taskset", "-c", "0"] if os.path.exists("/usr/bin/taskset") else []
    done = subprocess.run(pin + cmd, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"worker failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _scenario(
    backend: str,
    chats: int,
    rate: float,
    limits: list[str],
    articles: list[Any],
    concurrency: int = 0,
    transport: str = "lean",
) -> tuple[dict[str, Any], dict[str, Any]]:
    with _database(backend) as database:
        asyncio.run(_populate(database, chats, articles))
        with _emulator(limits) as (base, token, stats_url):
            result = _run_worker(database, base, token, rate, concurrency, transport)
            return result, _stats(stats_url)


def main() -> None:
    """Run the benchmark parts chosen on the command line and print their numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limited-chats", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=30.0, help="limit of part 1, msg/s")
    parser.add_argument("--fast-sizes", default="10000,100000")
    parser.add_argument("--fast-rate", type=float, default=100_000.0)
    parser.add_argument(
        "--concurrency", type=int, default=0, help="sends in flight (default: as the bot)"
    )
    parser.add_argument(
        "--transport",
        choices=["lean", "httpx"],
        default="lean",
        help="LeanRequest (as deliver --once) or PTB's HTTPXRequest",
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--skip-limited", action="store_true")
    parser.add_argument("--skip-fast", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(_worker(args))
        return
    print(
        f"push benchmark ({args.backend}, {args.transport} transport, {os.cpu_count()} cpus, "
        f"python {sys.version.split()[0]})"
    )
    articles = _seed_articles()
    if not args.skip_limited:
        n, rate = args.limited_chats, args.rate
        limits = ["--global-rate", str(rate), "--chat-rate", "1", "--group-rate", "20"]
        result, stats = _scenario(
            args.backend, n, rate, limits, articles, args.concurrency, args.transport
        )
        floor = n / rate
        print(
            f"limited  chats={n} rate={rate:g}/s  wall={result['elapsed']:.1f}s "
            f"floor={floor:.1f}s  ratio={result['elapsed'] / floor:.3f}  "
            f"sent={stats['sent']} 429s={stats['count_429']} "
            f"maxrss={result['maxrss_mb']:.0f}MB"
        )
    if not args.skip_fast:
        for n in (int(size) for size in args.fast_sizes.split(",") if size.strip()):
            result, stats = _scenario(
                args.backend, n, args.fast_rate, [], articles, args.concurrency, args.transport
            )
            print(
                f"unlimited chats={n}  wall={result['elapsed']:.1f}s  "
                f"msg/s={result['messages'] / result['elapsed']:.0f}  "
                f"cpu={result['cpu_s']:.1f}s  sent={stats['sent']} "
                f"max_per_chat={stats['max_per_chat']} maxrss={result['maxrss_mb']:.0f}MB"
            )


if __name__ == "__main__":
    main()
