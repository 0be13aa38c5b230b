"""How much the two segmenters (TOKENIZER=rjieba and jieba) agree, on what the bot shows.

Run: python bench/tokenizers.py [--articles 1000]. For the first N Sohu articles and all of
NLPCC dev (../shared/eval or WENZHAI_EVAL_DIR), each article is summarized twice, with rjieba
and with jieba (same topics, 150 characters), and compared: words of the body (identical
articles, token-set Jaccard), digests (identical), keywords (identical lists, mean Jaccard of
the sets, the first keyword equal, mean overlap of the top 3), topics (identical sets) and the
search tokens (identical, Jaccard). Skips cleanly when the data is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import eval_dir, seed_topics  # noqa: E402
from summaries import Summarizer, article_from_text  # noqa: E402
from summaries.model import Article  # noqa: E402
from summaries.segmenter import segmenter  # noqa: E402
from summaries.tokens import search_tokens  # noqa: E402


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def articles(name: str, limit: int | None) -> Iterator[Article]:
    path = eval_dir() / f"{name}.jsonl"
    with path.open(encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            if limit is not None and n >= limit:
                return
            row = json.loads(line)
            yield article_from_text(row["article"], title=row.get("title") or "")


def compare(name: str, found: Iterator[Article], fast: Summarizer, slow: Summarizer) -> None:
    words_fast, words_slow = segmenter("rjieba"), segmenter("jieba")
    counts = dict.fromkeys(
        ("n", "words", "digest", "keywords", "first", "topics", "tagged", "search"), 0.0
    )
    sums = dict.fromkeys(("words", "keywords", "top3", "search"), 0.0)
    for article in found:
        a, b = fast.summarize(article), slow.summarize(article)
        wa, wb = words_fast.words(article.body), words_slow.words(article.body)
        sa = search_tokens(article.body, words_fast)
        sb = search_tokens(article.body, words_slow)
        counts["n"] += 1
        counts["words"] += wa == wb
        counts["digest"] += a.digest == b.digest
        counts["keywords"] += a.keywords == b.keywords
        counts["first"] += a.keywords[:1] == b.keywords[:1]
        counts["topics"] += a.topics == b.topics
        counts["tagged"] += bool(a.topics or b.topics)
        counts["search"] += sa == sb
        sums["words"] += _jaccard(set(wa), set(wb))
        sums["keywords"] += _jaccard(set(a.keywords), set(b.keywords))
        sums["top3"] += len(set(a.keywords[:3]) & set(b.keywords[:3])) / 3
        sums["search"] += _jaccard(set(sa), set(sb))
    n = counts["n"]
    print(f"\n{name}: {int(n)} articles, rjieba against jieba")
    print(
        f"  body words identical {counts['words'] / n:6.1%}, token-set Jaccard "
        f"{sums['words'] / n:.3f}"
    )
    print(
        f"  search tokens identical {counts['search'] / n:6.1%}, Jaccard {sums['search'] / n:.3f}"
    )
    print(f"  digests identical {counts['digest'] / n:6.1%}")
    print(
        f"  keywords identical lists {counts['keywords'] / n:6.1%}, set Jaccard "
        f"{sums['keywords'] / n:.3f}, first keyword equal {counts['first'] / n:6.1%}, "
        f"top-3 overlap {sums['top3'] / n:.3f}"
    )
    print(
        f"  topics identical {counts['topics'] / n:6.1%} (articles with any topic: "
        f"{int(counts['tagged'])})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    if not (eval_dir() / "sohu_news_corpus.jsonl").is_file():
        print("skipped: no evaluation data (set WENZHAI_EVAL_DIR)")
        return 0
    topics = seed_topics()
    fast = Summarizer(topics=topics, tokenizer=segmenter("rjieba").words)
    slow = Summarizer(topics=topics, tokenizer=segmenter("jieba").words)
    compare("sohu_news_corpus", articles("sohu_news_corpus", args.articles), fast, slow)
    compare("nlpcc2017_dev", articles("nlpcc2017_dev", None), fast, slow)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
