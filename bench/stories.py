"""Story grouping: pairwise quality on labelled events, and the cost per article at scale.

Quality: every pair of articles of story_dev_clusters.jsonl (same event = positive) is scored
with precision, recall and F1, for our grouping (threshold from summaries/stories.py, chosen on
story_dev.jsonl; see --tune) and for two pairwise baselines given their best threshold on the
very file they are scored on: title character-bigram Jaccard, and jieba TF-IDF cosine with IDF
fitted on the file. Ours is incremental, so its result depends on the arrival order: the mean
over several shuffled orders is reported, with the worst. An event-disjoint two-fold check tunes
every method's threshold on half of the events and scores it on the other half.

Cost: the Sohu corpus is cycled into a stream of 1,000 articles a day; the time to assign a
story (signature excluded, timed apart) is measured after 10,000 and after 100,000 articles.

    python bench/stories.py [--tune] [--orders N] [--skip-scale]

Reads ../shared/eval (or WENZHAI_EVAL_DIR); exits 0 with a note when the files are absent.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import eval_dir  # noqa: E402
from summaries.stories import THRESHOLD, StoryIndex  # noqa: E402
from summaries.story_signature import StorySignature, StorySigner, title_bigrams  # noqa: E402
from summaries.words import jieba_words  # noqa: E402

GRID = tuple(round(0.16 + 0.02 * k, 2) for k in range(12))  # thresholds tried when tuning
Scores = tuple[float, float, float]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def pair_scores(same: Sequence[bool], truth: Sequence[bool]) -> Scores:
    tp = sum(1 for s, t in zip(same, truth, strict=True) if s and t)
    fp = sum(1 for s, t in zip(same, truth, strict=True) if s and not t)
    fn = sum(1 for s, t in zip(same, truth, strict=True) if t and not s)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return precision, recall, f1


def grouping_scores(labels: Sequence[object], events: Sequence[object]) -> Scores:
    """Pairwise precision, recall and F1 of a grouping against the events."""
    pairs = list(combinations(range(len(events)), 2))
    same = [labels[i] == labels[j] for i, j in pairs]
    truth = [events[i] == events[j] for i, j in pairs]
    return pair_scores(same, truth)


def group(
    signatures: Sequence[StorySignature], order: Sequence[int], threshold: float
) -> list[object]:
    """Story of each article when they arrive in ``order``."""
    index = StoryIndex(threshold=threshold)
    labels: list[object] = [None] * len(signatures)
    for i in order:
        labels[i] = index.assign(i, signatures[i]).story
    return labels


def orders(n: int, count: int) -> list[list[int]]:
    """The file order, then ``count - 1`` shuffles with fixed seeds."""
    out = [list(range(n))]
    for seed in range(1, count):
        shuffled = list(range(n))
        random.Random(seed).shuffle(shuffled)
        out.append(shuffled)
    return out


def ours(signatures: Sequence[StorySignature], events: Sequence[object], threshold: float,
         count: int) -> tuple[Scores, Scores]:  # fmt: skip
    """Mean scores over the arrival orders, and the scores of the worst order."""
    runs = [
        grouping_scores(group(signatures, o, threshold), events) for o in orders(len(events), count)
    ]
    mean = tuple(sum(r[k] for r in runs) / len(runs) for k in range(3))
    return (mean[0], mean[1], mean[2]), min(runs, key=lambda r: r[2])


def best_threshold(scores: Sequence[float], truth: Sequence[bool]) -> tuple[float, Scores]:
    """The threshold with the best pairwise F1, and the scores it gets."""
    ranked = sorted(zip(scores, truth, strict=True), key=lambda x: -x[0])
    positives = sum(truth)
    tp = 0
    best: tuple[float, Scores] = (1.0, (0.0, 0.0, 0.0))
    for k, (score, label) in enumerate(ranked, start=1):
        tp += label
        if k < len(ranked) and ranked[k][0] == score:
            continue  # a threshold takes all pairs of equal score
        precision, recall = tp / k, tp / positives
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        if f1 > best[1][2]:
            best = (score, (precision, recall, f1))
    return best


def at_threshold(scores: Sequence[float], truth: Sequence[bool], threshold: float) -> Scores:
    return pair_scores([s >= threshold for s in scores], truth)


def bigram_jaccard(rows: Sequence[dict[str, Any]]) -> Callable[[int, int], float]:
    grams = [set(title_bigrams(r["title"])) for r in rows]
    return lambda i, j: len(grams[i] & grams[j]) / (len(grams[i] | grams[j]) or 1)


def tfidf_cosine(rows: Sequence[dict[str, Any]]) -> Callable[[int, int], float]:
    """jieba words of title and text, IDF log(N/df) fitted on these very articles."""
    words = [[w for w in jieba_words(r["title"] + "\n" + r["text"]) if w.strip()] for r in rows]
    df = Counter(w for ws in words for w in set(ws))
    vectors = []
    for ws in words:
        v = {w: n * math.log(len(rows) / df[w]) for w, n in Counter(ws).items()}
        length = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors.append({w: x / length for w, x in v.items()})
    return lambda i, j: sum(x * vectors[j].get(w, 0.0) for w, x in vectors[i].items())


def fmt(scores: Scores) -> str:
    return " / ".join(f"{x:.3f}" for x in scores)


def tune(rows: Sequence[dict[str, Any]], signer: StorySigner, count: int) -> None:
    """Threshold search on story_dev.jsonl: its articles, grouped by its same-event pairs."""
    articles: dict[tuple[str, str], dict[str, Any]] = {}
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(key: tuple[str, str]) -> tuple[str, str]:
        while parent[key] != key:
            key = parent[key]
        return key

    for row in rows:
        for side in (row["a"], row["b"]):
            key = (side["title"], side["text"])
            articles.setdefault(key, side)
            parent.setdefault(key, key)
        if int(row["label"]):
            a, b = (
                find((row["a"]["title"], row["a"]["text"])),
                find((row["b"]["title"], row["b"]["text"])),
            )
            parent[a] = b
    keys = list(articles)
    events = [find(k) for k in keys]
    signatures = [signer.sign(t, x) for t, x in keys]
    print(f"\n== tuning on story_dev.jsonl: {len(rows)} pairs, {len(keys)} articles, "
          f"{len(set(events))} events (connected same-event pairs)")  # fmt: skip
    print("threshold  precision / recall / F1 (mean over orders)")
    for threshold in GRID:
        mean, _ = ours(signatures, events, threshold, count)
        print(f"{threshold:>9.2f}  {fmt(mean)}")


def quality(rows: Sequence[dict[str, Any]], signer: StorySigner, count: int) -> None:
    events = [r["event_id"] for r in rows]
    pairs = list(combinations(range(len(rows)), 2))
    truth = [events[i] == events[j] for i, j in pairs]
    print(f"\n== story_dev_clusters.jsonl: {len(rows)} articles, {len(set(events))} events, "
          f"{len(pairs)} pairs ({sum(truth)} same event)")  # fmt: skip
    started = time.perf_counter()
    signatures = [signer.sign(r["title"], r["text"]) for r in rows]
    per_article = 1000 * (time.perf_counter() - started) / len(rows)
    print(f"signatures: {per_article:.2f} ms per article (the segmenter on title and lead)")
    print("method                                  threshold  precision / recall / F1")
    mean, worst = ours(signatures, events, THRESHOLD, count)
    print(f"{'ours, mean of ' + str(count) + ' orders':<40}{THRESHOLD:>9.3f}  {fmt(mean)}")
    print(f"{'ours, worst order':<40}{THRESHOLD:>9.3f}  {fmt(worst)}")
    baselines = {
        "title bigram Jaccard (tuned on this file)": bigram_jaccard(rows),
        "TF-IDF cosine (IDF, threshold: this file)": tfidf_cosine(rows),
    }
    scored = {name: [f(i, j) for i, j in pairs] for name, f in baselines.items()}
    for name, scores in scored.items():
        threshold, result = best_threshold(scores, truth)
        print(f"{name:<40}{threshold:>9.3f}  {fmt(result)}")
    held_out(rows, signatures, scored, count)


def held_out(rows: Sequence[dict[str, Any]], signatures: Sequence[StorySignature],
             scored: dict[str, list[float]], count: int) -> None:  # fmt: skip
    """Two folds of events: tune each method's threshold on one, score it on the other."""
    events = sorted({r["event_id"] for r in rows})
    random.Random(0).shuffle(events)
    folds = [set(events[::2]), set(events[1::2])]
    pairs = list(combinations(range(len(rows)), 2))
    print(
        "\n== event-disjoint check: threshold tuned on one half of the events, scored on the other"
    )
    print("method                        fold  threshold  precision / recall / F1")
    for k, (tune_on, score_on) in enumerate((folds, folds[::-1]), start=1):
        a = [i for i, r in enumerate(rows) if r["event_id"] in tune_on]
        b = [i for i, r in enumerate(rows) if r["event_id"] in score_on]

        def ours_on(members: list[int], threshold: float) -> Scores:
            sigs = [signatures[i] for i in members]
            evs = [rows[i]["event_id"] for i in members]
            return ours(sigs, evs, threshold, count)[0]

        chosen = max(GRID, key=lambda t: ours_on(a, t)[2])
        print(f"{'ours':<30}{k:>4}  {chosen:>9.2f}  {fmt(ours_on(b, chosen))}")
        for name, all_scores in scored.items():
            sub = {(i, j): s for (i, j), s in zip(pairs, all_scores, strict=True)}
            ta = [
                (sub[p], rows[p[0]]["event_id"] == rows[p[1]]["event_id"])
                for p in combinations(a, 2)
            ]
            tb = [
                (sub[p], rows[p[0]]["event_id"] == rows[p[1]]["event_id"])
                for p in combinations(b, 2)
            ]
            threshold, _ = best_threshold([s for s, _ in ta], [t for _, t in ta])
            result = at_threshold([s for s, _ in tb], [t for _, t in tb], threshold)
            print(f"{name.split(' (')[0]:<30}{k:>4}  {threshold:>9.3f}  {fmt(result)}")


def scale(corpus: list[dict[str, Any]], signer: StorySigner) -> None:
    """Time per assignment after 10,000 and 100,000 articles, 1,000 a day, window 3 days."""
    started = time.perf_counter()
    signatures = [signer.sign(r.get("title", ""), r["article"]) for r in corpus]
    sign_ms = 1000 * (time.perf_counter() - started) / len(corpus)
    print(f"\n== scale: Sohu corpus ({len(corpus)} articles) cycled, 1,000 articles a day")
    print(f"signature: {sign_ms:.2f} ms per article (once per article, independent of the store)")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    jitter = random.Random(0)

    def stream(n: int) -> list[StorySignature]:
        out = []
        for k in range(n):
            base = signatures[k % len(signatures)]
            # About 86 s apart on average, up to an hour late: a real feed's disorder.
            when = start + timedelta(seconds=86.4 * k + jitter.uniform(-3600, 0))
            out.append(StorySignature(base.terms, base.title_bigrams, when, base.length))
        return out

    batch = 2000
    plan = stream(100_000 + batch)
    index = StoryIndex()
    done = 0
    print("articles stored  us per article (next 2,000)  open stories  joined  process RSS")
    for mark in (10_000, 100_000):
        for k in range(done, mark):
            index.assign(k, plan[k])
        joined = 0
        started = time.perf_counter()
        for k in range(mark, mark + batch):
            joined += index.assign(k, plan[k]).joined
        micro = 1e6 * (time.perf_counter() - started) / batch
        done = mark + batch
        print(
            f"{mark:>15,}  {micro:>27.0f}  {len(index):>12,}  {joined / batch:>6.0%}"
            f"  {resident_mb():>8.0f} MB"
        )


def resident_mb() -> float:
    """The process's resident memory now (Linux), else its peak."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tune", action="store_true", help="print the threshold search")
    parser.add_argument("--orders", type=int, default=5, help="arrival orders to average (5)")
    parser.add_argument("--skip-scale", action="store_true", help="quality only")
    args = parser.parse_args()
    import jieba

    jieba.setLogLevel(logging.WARNING)
    signer = StorySigner()
    folder = eval_dir()
    clusters, pairs = folder / "story_dev_clusters.jsonl", folder / "story_dev.jsonl"
    if args.tune and pairs.exists():
        tune(read_jsonl(pairs), signer, args.orders)
    if clusters.exists():
        quality(read_jsonl(clusters), signer, args.orders)
    else:
        print(f"{clusters} not found: quality skipped")
    corpus = folder / "sohu_news_corpus.jsonl"
    if args.skip_scale:
        return 0
    if corpus.exists():
        scale(read_jsonl(corpus), signer)
    else:
        print(f"{corpus} not found: scale skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
