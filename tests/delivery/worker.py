"""A push worker process for the kill and multi-worker tests: one tick, then a summary line.

Run as ``python -m tests.delivery.worker --database URL --base-url URL --token T ...``.
It uses the real clock, store, sender and transport, as ``deliver --once`` does, with the
lease and pacing given on the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tomllib
from pathlib import Path

from telegram import Bot

from bot.delivery.lean_request import push_request
from bot.delivery.push import PushConfig, Pusher
from bot.delivery.schedule import utc_now
from bot.ingest import open_store
from summaries import parse_topics

REPO = Path(__file__).resolve().parents[2]


async def run(args: argparse.Namespace) -> int:
    """One tick; prints a JSON line of outcome counts."""
    with (REPO / "seeds" / "topics.toml").open("rb") as handle:
        topics = parse_topics(tomllib.load(handle)["topic"])
    store = await open_store(args.database)
    try:
        request = push_request(args.concurrency)
        async with Bot(args.token, base_url=args.base_url, request=request) as bot:
            pusher = Pusher(
                store=store,
                bot=bot,
                topics=topics,
                config=PushConfig(
                    rate_per_second=args.rate,
                    concurrency=args.concurrency,
                    batch_size=args.batch,
                    lease_seconds=args.lease,
                ),
                clock=utc_now,
                sleep=asyncio.sleep,
            )
            if args.barrier:
                # Workers of a race report ready, then all start on the test's word ("go").
                print("ready", flush=True)
                go = await asyncio.to_thread(sys.stdin.readline)
                if go.strip() != "go":
                    print(json.dumps({"error": f"expected go, got {go!r}"}), flush=True)
                    return 1
            print("started", flush=True)
            report = await pusher.tick()
    finally:
        await store.close()
    print(json.dumps(dict(report.outcomes)), flush=True)
    return 0


def main() -> int:
    """Parse arguments and run one tick."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--lease", type=float, default=900)
    parser.add_argument("--barrier", action="store_true", help="say ready, wait for go on stdin")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
