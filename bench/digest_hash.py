"""Digest fingerprints: one sha256 per dataset over everything the summarizer outputs.

Run: python bench/digest_hash.py. A refactoring that must not change any output is checked by
running this before and after and comparing the lines. Each hash covers, per article, the digest,
keywords and topics (seeds/topics.toml) at the budgets bench/quality.py uses for that dev set and
at bench/speed.py's 150 characters, and the search tokens of title and body. Datasets: the seed
pages (split_page), all of NLPCC 2017 dev, the first 400 of LCSTS dev and the first 3,000 of the
Sohu corpus (title and article), read from ../shared/eval or WENZHAI_EVAL_DIR; a missing file is
reported and skipped. TOKENIZER=jieba|rjieba picks the segmenter (empty: rjieba when installed);
the first line says which.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import jieba  # noqa: E402

from bench.common import eval_dir, seed_topics  # noqa: E402
from summaries import Summarizer, article_from_text, split_page  # noqa: E402
from summaries.model import Article  # noqa: E402
from summaries.segmenter import Segmenter, segmenter  # noqa: E402
from summaries.tokens import search_tokens  # noqa: E402

# (dataset, how many rows (None: all), digest budgets): bench/quality.py's budget, then 150.
DATASETS = (
    ("nlpcc2017_dev", None, (60, 150)),
    ("lcsts_dev", 400, (30, 150)),
    ("sohu_news_corpus", 3_000, (150,)),
)
SEED_BUDGETS = (150,)


def seed_articles() -> Iterator[Article]:
    """Every article of the shipped seed pages, in file order."""
    for path in sorted((REPO / "seeds").glob("*.txt")):
        yield from split_page(path.read_text(encoding="utf-8"))


def dataset_articles(path: Path, limit: int | None) -> Iterator[Article]:
    """The first ``limit`` rows of a JSON-lines dev set as articles (title when it has one)."""
    with path.open(encoding="utf-8") as lines:
        n = 0
        for line in lines:
            if not line.strip():
                continue
            if limit is not None and n >= limit:
                return
            row = json.loads(line)
            yield article_from_text(row["article"], title=row.get("title") or "")
            n += 1


def fingerprint(
    articles: Iterator[Article], summarizers: list[Summarizer], words: Segmenter
) -> tuple[str, int]:
    """sha256 over every article's summaries and search tokens, and the number of articles."""
    digest = hashlib.sha256()
    count = 0
    for article in articles:
        record: list[object] = [
            search_tokens(article.title, words),
            search_tokens(article.body, words),
        ]
        for summarizer in summarizers:
            s = summarizer.summarize(article)
            record.append([list(s.digest), list(s.keywords), list(s.topics)])
        digest.update(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
        count += 1
    return digest.hexdigest(), count


def main() -> int:
    jieba.setLogLevel(60)
    topics = seed_topics()

    words = segmenter(os.environ.get("TOKENIZER") or None)
    print(f"tokenizer          {words.identity['tokenizer']}")

    def summarizers(budgets: tuple[int, ...]) -> list[Summarizer]:
        return [Summarizer(topics=topics, max_chars=b, tokenizer=words.words) for b in budgets]

    value, n = fingerprint(seed_articles(), summarizers(SEED_BUDGETS), words)
    print(f"seeds              {n:5d} {value}")
    base = eval_dir()
    for name, limit, budgets in DATASETS:
        path = base / f"{name}.jsonl"
        if not path.is_file():
            print(f"{name:<18} skipped (no {path.name})")
            continue
        value, n = fingerprint(dataset_articles(path, limit), summarizers(budgets), words)
        print(f"{name:<18} {n:5d} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
