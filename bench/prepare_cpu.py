"""CPU per 1,000 articles of the ingest pipeline's steps, in one process and in the worker pool.

Run: python bench/prepare_cpu.py [--articles N] [--rounds R] [--code DIR] [--profile]
[--no-pool].
Reads the first N (1,000) real Sohu articles (as bench/bulk_ingest.py picks them) from
../shared/eval or WENZHAI_EVAL_DIR, and prints the CPU seconds per 1,000 articles of:

- ``digest``: ``Summarizer.summarize`` alone (the bulk ingest's baseline);
- ``prepare``: the whole ``ArticlePipeline.prepare`` in this process, and ``beyond digest``,
  its difference with the digest (what the pipeline adds: category, hashes, tokens, signature);
- ``pool workers``: the workers' CPU (``RUSAGE_CHILDREN``) for the same documents sent to
  ``PreparePool(pipeline, 2)`` in chunks of ``bot.ingest.pool.CHUNK``, and ``pool overhead``,
  that less ``prepare``.

The in-process figures are the best of R rounds (3). ``--code DIR`` imports the packages from
another checkout (e.g. a worktree of main) so that two versions compare on one machine state;
run both back to back. ``--profile`` prints cProfile's view of one round of ``prepare``.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _children_cpu() -> tuple[float, float]:
    """User and system CPU seconds of the finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime, usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--code", type=Path, default=REPO, help="checkout to import from")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-pool", action="store_true", help="in-process figures only")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(args.code.resolve()))

    import jieba

    from bench.common import eval_dir
    from bench.ingest import load_items
    from bot.ingest.index import analyzer_for
    from bot.ingest.pool import CHUNK, PreparePool
    from bot.ingest.prepare import ArticlePipeline
    from bot.sources.documents import Document
    from summaries import Summarizer, parse_topics
    from summaries.segmenter import segmenter

    items = load_items(args.articles)
    if not items:
        print(f"skipped: no sohu_news_corpus.jsonl in {eval_dir()}")
        return 0
    jieba.setLogLevel(60)
    # Not bench.common.seed_topics: with --code, bench comes from the other checkout too,
    # which may be older than that helper.
    with (REPO / "seeds" / "topics.toml").open("rb") as handle:
        topics = parse_topics(tomllib.load(handle)["topic"])
    words = segmenter()
    summarizer = Summarizer(topics=topics, tokenizer=words.words)
    pipeline = ArticlePipeline(summarizer, analyzer_for(words))
    documents = [
        Document(
            source="sohu",
            origin="sohu",
            title=item.get("title") or "",
            text=item["article"],
            url=f"https://news.example/{n}",
        )
        for n, item in enumerate(items)
    ]
    articles = [a for d in documents for a in pipeline.articles(d)]
    per = 1_000 / len(articles)

    def digest_round() -> None:
        for article in articles:
            summarizer.summarize(article)

    def prepare_round() -> None:
        for document in documents:
            pipeline.prepare(document)

    prepare_round()  # warm: dictionaries, model, memories
    if args.profile:
        from bench.common import profiled

        profiled(prepare_round, top=30)
        return 0
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        for name, work in (("digest", digest_round), ("prepare", prepare_round)):
            start = time.process_time()
            work()
            spent = (time.process_time() - start) * per
            best[name] = min(best.get(name, spent), spent)

    async def pooled() -> tuple[float, float]:
        pool = PreparePool(pipeline, 2)
        await pool.prepare(documents[:2])  # forks the workers (their CPU counts, ~2 articles)
        before = _children_cpu()
        chunks = [documents[i : i + CHUNK] for i in range(0, len(documents), CHUNK)]
        try:
            await asyncio.gather(*(pool.prepare(chunk) for chunk in chunks))
        finally:
            pool.close()  # waits for the workers: their CPU is then counted
        after = _children_cpu()
        return (after[0] - before[0]) * per, (after[1] - before[1]) * per

    print(f"code           {args.code.resolve().name} ({len(articles)} articles)")
    print(f"digest         {best['digest']:.3f} s per 1,000")
    print(f"prepare        {best['prepare']:.3f} s per 1,000")
    print(f"beyond digest  {best['prepare'] - best['digest']:.3f} s per 1,000")
    if args.no_pool:
        return 0
    asyncio.run(pooled())  # the first fork pays one-off costs
    user, system = min((asyncio.run(pooled()) for _ in range(args.rounds)), key=sum)
    workers = user + system
    print(
        f"pool workers   {workers:.3f} s per 1,000 (user {user:.3f}, system {system:.3f};"
        f" best of {args.rounds})"
    )
    print(f"pool overhead  {workers - best['prepare']:.3f} s per 1,000")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
