"""Digest speed: the whole summary per article beside plain jieba.lcut and textrank4zh.

Run: python bench/speed.py [--articles N] [--rounds R] [--short]. Reads sohu_news_corpus.jsonl
from <repo>/../shared/eval (or WENZHAI_EVAL_DIR) and skips cleanly when it is absent. Measures,
in one run: whole processes (Python start-up, imports, dictionary loading and the work, as an
operator's command pays them) of plain ``jieba.lcut`` over the first 1,000 article texts (the
floor any jieba-based summarizer pays) and of ``Summarizer.summarize`` (split, tokenize, rank,
keywords, topics) over the same texts with TOKENIZER=rjieba and with jieba, R interleaved
rounds; then the same three in one process without start-up, in alternating chunks;
textrank4zh on a smaller sample beside ours (rjieba); and memory over 10,000 summaries (cycling
the corpus). ``--short`` skips textrank4zh and the memory run, e.g. ``--articles 300 --short``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import jieba  # noqa: E402

from bench.common import eval_dir, networkx_shim, seed_topics  # noqa: E402
from summaries import Summarizer, article_from_text  # noqa: E402
from summaries.segmenter import segmenter  # noqa: E402

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


def _child(kind: str, count: int) -> int:
    """One timed process: read the corpus, load what it needs, do the work, exit."""
    jieba.setLogLevel(60)
    texts = [(r.get("title") or "", r["article"]) for r in _rows(count)]
    if kind == "floor":
        jieba.setLogLevel(60)
        for _, text in texts:
            jieba.lcut(text)
        return 0
    topics = seed_topics()
    summarizer = Summarizer(topics=topics, tokenizer=segmenter(kind).words)
    for title, text in texts:
        summarizer.summarize(article_from_text(text, title=title))
    return 0


def _rows(count: int | None = None) -> list[dict[str, str]]:
    rows = []
    with (eval_dir() / "sohu_news_corpus.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                rows.append(json.loads(line))
            if count is not None and len(rows) == count:
                break
    return rows


def _processes(count: int, rounds: int) -> None:
    """Each job as a whole process (start-up, imports, dictionary, work), rounds interleaved."""
    kinds = ("floor", "rjieba", "jieba")
    seconds: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(rounds):
        for kind in kinds:
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, __file__, "--child", kind, "--articles", str(count)], check=True
            )
            seconds[kind].append(time.perf_counter() - started)
    floor = statistics.median(seconds["floor"])
    print(f"\nwhole processes, start-up included, median of {rounds} interleaved rounds:")
    print(f"| {'process':<36} | seconds | x floor |")
    print(f"|{'-' * 38}|---------|---------|")
    names = {
        "floor": "python + jieba.lcut (floor)",
        "rjieba": "python + digests, TOKENIZER=rjieba",
        "jieba": "python + digests, TOKENIZER=jieba",
    }
    for kind in kinds:
        median = statistics.median(seconds[kind])
        print(f"| {names[kind]:<36} | {median:7.2f} | {median / floor:7.2f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=ARTICLES, help="articles timed (1000)")
    parser.add_argument("--short", action="store_true", help="floor and ours only")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of whole processes (3)")
    parser.add_argument("--child", choices=("floor", "rjieba", "jieba"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = eval_dir() / "sohu_news_corpus.jsonl"
    if not path.is_file():
        print(f"skipped: no {path} (set WENZHAI_EVAL_DIR)")
        return 0
    if args.child:
        return _child(args.child, args.articles)
    rows = _rows()
    texts = [(r.get("title") or "", r["article"]) for r in rows[: args.articles]]
    chars = sum(len(t) for _, t in texts)
    topics = seed_topics()
    print(
        f"corpus: first {len(texts)} Sohu articles, {chars:,} characters; load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    _processes(args.articles, args.rounds)

    jieba.setLogLevel(60)
    jieba.initialize()
    summarizer = Summarizer(topics=topics, tokenizer=segmenter("rjieba").words)
    ours_slow = Summarizer(topics=topics, tokenizer=segmenter("jieba").words)
    for warm in (summarizer, ours_slow):
        warm.summarize(article_from_text("预热。"))  # load the dictionaries and the IDF table

    # The machine may be shared: time the floor and ours in alternating chunks of the same
    # articles, so that a busy moment weighs on both alike.
    floor = ours = ours_jieba = 0.0
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
        start = time.perf_counter()
        for title, text in part:
            ours_slow.summarize(article_from_text(text, title=title))
        ours_jieba += time.perf_counter() - start

    print("\nin one process, start-up excluded, alternating chunks of 50 articles:")
    print(f"| {'system':<26} | ms/article | chars/s   | x floor |")
    print(f"|{'-' * 28}|------------|-----------|---------|")
    for name, seconds in (
        ("jieba.lcut (floor)", floor),
        ("Summarizer, rjieba (ours)", ours),
        ("Summarizer, jieba", ours_jieba),
    ):
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
        start = time.perf_counter()
        for title, text in sample:
            ours_slow.summarize(article_from_text(text, title=title))
        mine_jieba = time.perf_counter() - start
        per = slow / len(sample)
        print(
            f"| {'textrank4zh':<26} | {per * 1000:10.2f} | "
            f"{sum(len(t) for _, t in sample) / slow:9,.0f} | "
            f"{per / (floor / len(texts)):7.2f} |"
        )
        print(
            f"textrank4zh on the first {len(sample)} articles: {per * 1000:.2f} ms/article, ours "
            f"{mine / len(sample) * 1000:.2f} on the same articles, {slow / mine:.0f}x faster "
            f"(with TOKENIZER=jieba {mine_jieba / len(sample) * 1000:.2f}, "
            f"{slow / mine_jieba:.0f}x faster)"
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
