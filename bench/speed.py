"""Digest speed: the whole summary per article beside plain jieba.lcut and textrank4zh.

Run: python bench/speed.py [--articles N] [--short]. Reads sohu_news_corpus.jsonl from
<repo>/../shared/eval (or WENZHAI_EVAL_DIR) and skips cleanly when it is absent. Measures, in
one run: plain ``jieba.lcut`` over the first 1,000 article texts (the floor any jieba-based
summarizer pays), ``Summarizer.summarize`` (split, tokenize, rank, keywords, topics) over the
same texts, textrank4zh on a smaller sample, and memory over 10,000 summaries (cycling the
corpus). ``--short`` times only the floor and ours (no textrank4zh, no memory run), e.g.
``--articles 300 --short``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import resource
import sys
import time
import tomllib
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import jieba  # noqa: E402

from bench.common import eval_dir, networkx_shim  # noqa: E402
from summaries import Summarizer, article_from_text, parse_topics  # noqa: E402

ARTICLES = 1_000
TEXTRANK_SAMPLE = 50
MEMORY_ARTICLES = 10_000
MEMORY_EVERY = 2_000
CHUNK = 50


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=ARTICLES, help="articles timed (1000)")
    parser.add_argument("--short", action="store_true", help="floor and ours only")
    args = parser.parse_args()
    path = eval_dir() / "sohu_news_corpus.jsonl"
    if not path.is_file():
        print(f"skipped: no {path} (set WENZHAI_EVAL_DIR)")
        return 0
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                rows.append(json.loads(line))
    texts = [(r.get("title") or "", r["article"]) for r in rows[: args.articles]]
    chars = sum(len(t) for _, t in texts)
    with (REPO / "seeds" / "topics.toml").open("rb") as handle:
        topics = parse_topics(tomllib.load(handle)["topic"])
    jieba.setLogLevel(60)
    jieba.initialize()
    summarizer = Summarizer(topics=topics)
    summarizer.summarize(article_from_text("预热。"))  # load the IDF table once

    # The machine may be shared: time the floor and ours in alternating chunks of the same
    # articles, so that a busy moment weighs on both alike.
    floor = ours = 0.0
    for chunk in range(0, len(texts), CHUNK):
        part = texts[chunk : chunk + CHUNK]
        start = time.perf_counter()
        for _, text in part:
            jieba.lcut(text)
        floor += time.perf_counter() - start
        start = time.perf_counter()
        for title, text in part:
            summarizer.summarize(article_from_text(text, title=title))
        ours += time.perf_counter() - start

    print(f"corpus: first {len(texts)} Sohu articles, {chars:,} characters")
    print(f"| {'system':<26} | ms/article | chars/s   | x floor |")
    print(f"|{'-' * 28}|------------|-----------|---------|")
    for name, seconds in (("jieba.lcut (floor)", floor), ("Summarizer (ours)", ours)):
        print(
            f"| {name:<26} | {seconds / len(texts) * 1000:10.2f} | {chars / seconds:9,.0f} "
            f"| {seconds / floor:7.2f} |"
        )
    if args.short:
        return 0

    try:
        networkx_shim()
        with contextlib.redirect_stderr(io.StringIO()):
            from textrank4zh import TextRank4Sentence
        sample = texts[:TEXTRANK_SAMPLE]
        # Ours is timed again on the same sample (its articles are not of the corpus's average
        # length), as a block of its own so that textrank4zh does not evict jieba's tables.
        start = time.perf_counter()
        for _, text in sample:
            tr = TextRank4Sentence()
            tr.analyze(text=text, lower=True, source="all_filters")
            tr.get_key_sentences(num=3)
        slow = time.perf_counter() - start
        start = time.perf_counter()
        for title, text in sample:
            summarizer.summarize(article_from_text(text, title=title))
        mine = time.perf_counter() - start
        per = slow / len(sample)
        print(
            f"| {'textrank4zh':<26} | {per * 1000:10.2f} | "
            f"{sum(len(t) for _, t in sample) / slow:9,.0f} | "
            f"{per / (floor / len(texts)):7.2f} |"
        )
        print(
            f"textrank4zh on the first {len(sample)} articles: {per * 1000:.2f} ms/article, ours "
            f"{mine / len(sample) * 1000:.2f} on the same articles, {slow / mine:.0f}x faster"
        )
    except Exception as exc:  # a missing or crashing baseline is reported, not fatal
        print(f"| {'textrank4zh':<26} |        n/a |       n/a |     n/a | ({type(exc).__name__})")

    print(f"\nmemory over {MEMORY_ARTICLES:,} summaries (cycling the corpus):")
    print("| articles | traced MB | RSS MB |")
    print("|----------|-----------|--------|")
    gc.collect()
    tracemalloc.start()
    for n in range(1, MEMORY_ARTICLES + 1):
        row = rows[(n - 1) % len(rows)]
        summarizer.summarize(article_from_text(row["article"], title=row.get("title") or ""))
        if n % MEMORY_EVERY == 0:
            gc.collect()
            current, _ = tracemalloc.get_traced_memory()
            print(f"| {n:8,} | {current / 2**20:9.2f} | {_rss_mb():6.1f} |")
    tracemalloc.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
