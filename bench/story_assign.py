"""The ingest writer with stories at scale: time per article at 10,000 and 100,000 stored.

A SQLite store is filled with a stream of 1,000 articles a day (the Sohu corpus cycled, each
copy its own article; bodies cut to BODY_CHARS to keep the file small), through the writer, so
stories are assigned as the bot assigns them. At each mark the next articles are written one
per ``write`` call, alternating two kinds in the same run against the same store:

- baseline: an article without a story signature, the plain insert (duplicate checks, one
  insert transaction, index rows);
- stories: the same with its signature: the insert, then the story assignment (the writer's
  StoryIndex) and its own transaction (story_id and the story row).

The difference is what stories cost per article. Also timed: a new writer's first write,
which rebuilds the open stories from the last 3 days of stored signatures.

    python bench/story_assign.py [--marks 10000,100000] [--sample 400]

Signatures are computed once per corpus article (the process's segmenter, as at ingest;
timed in bench/stories.py).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import eval_dir  # noqa: E402
from bot.ingest import open_store  # noqa: E402
from bot.ingest.writer import ArticleWriter  # noqa: E402
from bot.store.records import NewArticle  # noqa: E402
from summaries.story_signature import StorySignature, StorySigner  # noqa: E402
from summaries.tokens import search_tokens  # noqa: E402

BODY_CHARS = 600
PER_DAY = 1000
FILL_BATCH = 500
START = datetime(2024, 1, 1, tzinfo=UTC)


class Stream:
    """The k-th article of the stream: a corpus article, its copy number in the id."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        signer = StorySigner()
        self.bases: list[tuple[NewArticle, StorySignature]] = []
        for row in rows:
            title, body = row.get("title", ""), row["article"][:BODY_CHARS]
            article = NewArticle(
                title=title,
                body=body,
                digest=(body[:80],),
                keywords=(),
                topics=(),
                source="bench",
                content_hash="",
                title_tokens=tuple(search_tokens(title)),
                body_tokens=tuple(search_tokens(body)),
            )
            self.bases.append((article, signer.sign(title, body)))

    def when(self, k: int) -> datetime:
        return START + timedelta(seconds=86_400 * k / PER_DAY)

    def article(self, k: int, *, signed: bool = True) -> NewArticle:
        base, signature = self.bases[k % len(self.bases)]
        when = self.when(k)
        text = None
        if signed:
            text = json.dumps(replace(signature, published=when).to_json(), ensure_ascii=False)
        return replace(
            base,
            source=f"outlet{k % 7}",
            content_hash=hashlib.sha256(f"{k}".encode()).hexdigest(),
            published_at=when,
            story_signature=text,
        )


async def run(marks: list[int], sample: int) -> None:
    with (eval_dir() / "sohu_news_corpus.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    started = time.perf_counter()
    stream = Stream(rows)
    print(f"prepared {len(stream.bases)} corpus articles in {time.perf_counter() - started:.0f} s")
    with tempfile.TemporaryDirectory() as folder:
        store = await open_store(f"sqlite:///{folder}/bench.db")
        k = 0
        clock = {"now": stream.when(0)}
        writer = ArticleWriter(store, clock=lambda: clock["now"])
        print("stored articles | baseline ms/article | with stories ms/article | story cost ms"
              " | rebuild at start")  # fmt: skip
        try:
            for mark in marks:
                while k < mark:
                    size = min(FILL_BATCH, mark - k)
                    clock["now"] = stream.when(k + size)
                    await writer.write([stream.article(i) for i in range(k, k + size)])
                    k += size
                # A restarted writer: its first write rebuilds the index from the store.
                restarted = ArticleWriter(store, clock=lambda: clock["now"])
                t0 = time.perf_counter()
                await restarted.write([stream.article(k)])
                rebuild = time.perf_counter() - t0
                k += 1
                writer = restarted
                plain: list[float] = []
                grouped: list[float] = []
                for step in range(2 * sample):
                    signed = step % 2 == 1
                    clock["now"] = stream.when(k)
                    article = stream.article(k, signed=signed)
                    t0 = time.perf_counter()
                    await writer.write([article])
                    (grouped if signed else plain).append(time.perf_counter() - t0)
                    k += 1
                base_ms = 1000 * statistics.median(plain)
                story_ms = 1000 * statistics.median(grouped)
                print(
                    f"{mark:>15,} | {base_ms:>19.2f} | {story_ms:>23.2f} | "
                    f"{story_ms - base_ms:>13.2f} | {rebuild:.1f} s"
                )
        finally:
            await store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--marks", default="10000,100000", help="store sizes (10000,100000)")
    parser.add_argument("--sample", type=int, default=400, help="articles timed per kind (400)")
    args = parser.parse_args()
    if not (eval_dir() / "sohu_news_corpus.jsonl").is_file():
        print("no sohu_news_corpus.jsonl under the eval folder: nothing to measure")
        return 0
    logging.getLogger("jieba").setLevel(logging.WARNING)
    marks = [int(m) for m in args.marks.split(",")]
    asyncio.run(run(marks, args.sample))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
