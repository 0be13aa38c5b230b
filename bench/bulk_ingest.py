"""Bulk JSON Lines ingest beside the digest alone: SQLite and PostgreSQL, one run.

The first N real articles of ``sohu_news_corpus.jsonl`` (../shared/eval or WENZHAI_EVAL_DIR)
are written to a JSON Lines file of ``{"title", "text", "url", "published"}`` and loaded with
``Ingestor.jsonl`` (what ``python -m bot ingest --jsonl FILE`` runs: stream, summarize, index
tokens, SimHash, batched writes with the duplicate checks) into a fresh SQLite file and a fresh
PostgreSQL database; in the same run the same texts go through the digest alone
(``article_from_text`` + ``Summarizer.summarize``), before and after, so the ratios compare
like with like on a busy machine. TOKENIZER (rjieba or jieba) picks the segmenter for both.

    python bench/bulk_ingest.py [--articles 1000] [--backends sqlite,postgresql] [--profile]

``--profile`` also times each CPU stage of the pipeline alone over the same articles (the
ingest prepares in a worker thread, which cProfile would not see), so that what is left of the
ingest's time is reading, writing and waiting. Skips cleanly (exit 0) when the corpus is absent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import tomllib
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import eval_dir  # noqa: E402
from bench.ingest import load_items  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.ingest import Ingestor, open_store  # noqa: E402
from summaries import Summarizer, article_from_text, parse_topics  # noqa: E402
from summaries.segmenter import Segmenter, segmenter  # noqa: E402

PG_ADMIN = os.environ.get("WENZHAI_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


def write_jsonl(items: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for n, item in enumerate(items):
            row = {
                "title": item.get("title") or "",
                "text": item["article"],
                "url": f"https://news.example/{n}",
                "published": f"2017-02-{1 + n % 28:02d}T09:30:00+08:00",
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def digest_seconds(items: list[dict[str, str]], summarizer: Summarizer) -> float:
    started = time.perf_counter()
    for item in items:
        summarizer.summarize(article_from_text(item["article"], title=item.get("title") or ""))
    return time.perf_counter() - started


async def ingest(url: str, path: Path, settings: Settings, topics: tuple) -> tuple:  # type: ignore[type-arg]
    store = await open_store(url, tokenizer=settings.tokenizer)
    try:
        ingestor = Ingestor(store, settings=settings, topics=topics)
        started = time.perf_counter()
        report = await ingestor.jsonl(path)
        elapsed = time.perf_counter() - started
        stored = await store.count_articles()
    finally:
        await store.close()
    return report, elapsed, stored


def stages(items: list[dict[str, str]], summarizer: Summarizer, words: Segmenter) -> None:
    """Seconds of each CPU stage of the pipeline over the articles, each stage alone."""
    from bot.ingest.prepare import content_hash
    from summaries.similarity import simhash
    from summaries.tokens import search_tokens

    articles = [article_from_text(i["article"], title=i.get("title") or "") for i in items]
    timed: list[tuple[str, float]] = []

    def clock(label: str, work: object) -> None:
        started = time.perf_counter()
        for article in articles:
            work(article)  # type: ignore[operator]
        timed.append((label, time.perf_counter() - started))

    started = time.perf_counter()
    for item in items:
        json.loads(json.dumps(item, ensure_ascii=False))
        article_from_text(item["article"], title=item.get("title") or "")
    timed.append(("JSON + article_from_text", time.perf_counter() - started))
    clock("Summarizer.summarize", summarizer.summarize)
    clock(
        "index tokens (title + body)",
        lambda a: (search_tokens(a.title, words), search_tokens(a.body, words)),
    )
    clock("SimHash of body tokens", lambda a: simhash(search_tokens(a.body, words)))
    clock("content hash", lambda a: content_hash(a.title, a.body))
    for label, seconds in timed:
        print(
            f"  stage {label:<30} {seconds:6.2f} s  {seconds / len(items) * 1000:6.3f} ms/article"
        )


async def pg_database(action: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'{action} DATABASE "{name}"')
    finally:
        await conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if not (eval_dir() / "sohu_news_corpus.jsonl").exists():
        print("sohu_news_corpus.jsonl not found (set WENZHAI_EVAL_DIR): benchmark skipped")
        return 0
    items = load_items(args.articles) or []
    with (REPO / "seeds" / "topics.toml").open("rb") as handle:
        topics = parse_topics(tomllib.load(handle)["topic"])
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    words = segmenter(settings.tokenizer)
    summarizer = Summarizer(topics=topics, tokenizer=words.words)
    digest_seconds(items[:20], summarizer)  # load the dictionary and the IDF table
    print(
        f"articles: {len(items)} Sohu articles, tokenizer {words.identity['tokenizer']}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"| {'run':<34} | seconds | articles/s | / digest only |")
    print(f"|{'-' * 36}|---------|------------|---------------|")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "articles.jsonl"
        write_jsonl(items, path)
        for backend in args.backends.split(","):
            before = digest_seconds(items, summarizer)
            if backend == "sqlite":
                url = f"sqlite:///{tmp}/bulk-{uuid.uuid4().hex[:8]}.db"
                name = None
            else:
                name = f"wz_bench_bulk_{uuid.uuid4().hex[:10]}"
                asyncio.run(pg_database("CREATE", name))
                url = f"postgresql://postgres@127.0.0.1:5432/{name}"
            try:
                report, seconds, stored = asyncio.run(ingest(url, path, settings, topics))
            finally:
                if name is not None:
                    asyncio.run(pg_database("DROP", name))
            after = digest_seconds(items, summarizer)
            digest = (before + after) / 2
            n = len(items)
            print(
                f"| {'digest only (mean of before/after)':<34} | {digest:7.2f} "
                f"| {n / digest:10.1f} | {1:13.2f} |"
            )
            label = f"jsonl ingest, {backend}"
            print(
                f"| {label:<34} | {seconds:7.2f} | {n / seconds:10.1f} | {digest / seconds:13.2f} |"
            )
            print(
                f"  {backend}: added {report.added}, duplicates {report.duplicates}, "
                f"refused {len(report.refused)}, stored {stored}"
            )
    if args.profile:
        print(
            "where the time goes (each CPU stage alone, same articles; "
            "SimHash includes its tokens):"
        )
        stages(items, summarizer, words)
    return 0


if __name__ == "__main__":
    sys.exit(main())
