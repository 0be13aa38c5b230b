"""How the near-duplicate threshold behaves on real text: the seeds and the Sohu corpus.

For each Hamming threshold it counts the pairs of distinct articles flagged as near-duplicates
(and how many of those really share their text, by character 5-gram Jaccard), and how many
re-published copies are caught: a source line added at the end, the last paragraph cut, the
first paragraph cut, and one sentence reworded.

    python bench/near_duplicates.py [--limit N]

The Sohu corpus is read from ../shared/eval (or WENZHAI_EVAL_DIR); without it only the seeds run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from itertools import combinations
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import eval_dir  # noqa: E402
from bot.ingest.dedupe import NEAR_DUPLICATE_BITS  # noqa: E402
from summaries.pages import article_from_text, split_page  # noqa: E402
from summaries.similarity import hamming_distance, simhash  # noqa: E402
from summaries.tokens import search_tokens  # noqa: E402

THRESHOLDS = (0, 3, 6, 8, 10, 12, 16)
TAIL = "（来源：新华社 责任编辑：王某）"


def fingerprint(body: str) -> int:
    # As the ingest pipeline (bot.ingest.prepare) does: SimHash of the body's search tokens.
    return simhash(search_tokens(body))


def grams(text: str, n: int = 5) -> set[str]:
    return {text[i : i + n] for i in range(max(len(text) - n + 1, 1))}


def jaccard(a: str, b: str) -> float:
    x, y = grams(a), grams(b)
    return len(x & y) / len(x | y) if x | y else 1.0


def story_texts(bodies: list[str], *, min_articles: int = 5) -> list[str]:
    """Each body without its boilerplate: lines that recur in min_articles or more bodies."""
    counts: dict[str, int] = {}
    for body in bodies:
        for line in set(body.split("\n")):
            counts[line] = counts.get(line, 0) + 1
    return [
        "\n".join(line for line in body.split("\n") if counts[line] < min_articles)
        for body in bodies
    ]


def variants(body: str) -> dict[str, str]:
    paragraphs = body.split("\n")
    out = {"source line added": body + "\n" + TAIL}
    if len(paragraphs) > 2:
        out["last paragraph cut"] = "\n".join(paragraphs[:-1])
        out["first paragraph cut"] = "\n".join(paragraphs[1:])
    sentence_end = body.find("。")
    if 10 < sentence_end < len(body) - 10:
        # Reword the lead sentence's ending: keep its first half only.
        out["lead sentence shortened"] = body[: sentence_end // 2] + body[sentence_end:]
    return out


def pair_distances(prints: list[int]) -> list[tuple[int, int, int]]:
    try:
        import numpy as np
    except ImportError:
        return [
            (i, j, hamming_distance(prints[i], prints[j]))
            for i, j in combinations(range(len(prints)), 2)
        ]
    values = np.array([p & ((1 << 64) - 1) for p in prints], dtype=np.uint64)
    out = []
    for i in range(len(values) - 1):
        dist = np.bitwise_count(values[i + 1 :] ^ values[i])
        close = np.nonzero(dist <= max(THRESHOLDS))[0]
        out.extend((i, i + 1 + int(j), int(dist[j])) for j in close)
    return out


def measure(name: str, bodies: list[str]) -> None:
    started = time.perf_counter()
    prints = [fingerprint(b) for b in bodies]
    elapsed = time.perf_counter() - started
    unique_texts = len(set(bodies))
    print(
        f"\n== {name}: {len(bodies)} articles ({unique_texts} distinct texts), "
        f"fingerprints in {elapsed:.1f}s ({1000 * elapsed / len(bodies):.2f} ms each)"
    )
    pairs = pair_distances(prints)
    # Pairs whose texts are identical are exact duplicates (content hash), not near ones.
    near = [(i, j, d) for i, j, d in pairs if bodies[i] != bodies[j]]
    exact = sum(1 for i, j, _ in pairs if bodies[i] == bodies[j])
    print(f"identical-text pairs (caught by the content hash): {exact}")
    stories = story_texts(bodies)
    similarity = {(i, j): jaccard(stories[i], stories[j]) for i, j, _ in near}
    empty = {(i, j) for i, j, _ in near if min(len(stories[i]), len(stories[j])) < 30}
    print("flagged pairs of different texts, by the share of character 5-grams their story text")
    print("has in common (boilerplate lines, found in 5+ articles, removed first); 'no story':")
    print("one side has under 30 characters left once boilerplate is removed")
    print("threshold  flagged  no story   >=90%  50-90%  20-50%    <20%")
    for k in THRESHOLDS:
        flagged = [(i, j) for i, j, d in near if d <= k]
        real = [similarity[p] for p in flagged if p not in empty]
        buckets = [
            len(flagged) - len(real),
            sum(1 for s in real if s >= 0.9),
            sum(1 for s in real if 0.5 <= s < 0.9),
            sum(1 for s in real if 0.2 <= s < 0.5),
            sum(1 for s in real if s < 0.2),
        ]
        print(f"{k:>9}  {len(flagged):>7}  " + "  ".join(f"{b:>6}" for b in buckets))
    closest_distinct = min(
        (d for i, j, d in near if (i, j) not in empty and similarity[(i, j)] < 0.5), default=None
    )
    shown = "none" if closest_distinct is None else f"{closest_distinct} bits"
    print(
        f"closest pair sharing under half their text: {shown} (pairs over {max(THRESHOLDS)}"
        " bits apart not listed)"
    )
    caught: dict[str, list[int]] = {}
    for body in bodies[:1000]:
        base = fingerprint(body)
        for kind, text in variants(body).items():
            caught.setdefault(kind, []).append(hamming_distance(base, fingerprint(text)))
    print(
        "re-published copy         n   median  p90   caught at "
        + " ".join(f"<={k}" for k in THRESHOLDS)
    )
    for kind, dists in caught.items():
        dists.sort()
        rates = " ".join(
            f"{100 * sum(d <= k for d in dists) / len(dists):>3.0f}%" for k in THRESHOLDS
        )
        print(
            f"{kind:<24} {len(dists):>4}  {dists[len(dists) // 2]:>6}  "
            f"{dists[int(len(dists) * 0.9)]:>4}   {rates}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="read at most N Sohu articles")
    args = parser.parse_args()
    print(f"current threshold: NEAR_DUPLICATE_BITS = {NEAR_DUPLICATE_BITS}")
    seed_bodies = []
    for path in sorted((REPO / "seeds").glob("*.txt")):
        seed_bodies += [a.body for a in split_page(path.read_text(encoding="utf-8")) if a.body]
    measure("seeds", seed_bodies)
    corpus = eval_dir() / "sohu_news_corpus.jsonl"
    if not corpus.exists():
        print(f"\n{corpus} not found: Sohu measurement skipped")
        return 0
    bodies = []
    with corpus.open(encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            if args.limit and n >= args.limit:
                break
            item = json.loads(line)
            body = article_from_text(item["article"], title=item.get("title", "")).body
            if body:
                bodies.append(body)
    measure("Sohu news corpus", bodies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
