"""Digest rules: sentences cut at a clause mark, and digests holding a label or a dateline.

Run: python bench/digest_rules.py. Over the seed pages (split_page, 150 characters) and NLPCC 2017
dev (read from ../shared/eval or WENZHAI_EVAL_DIR; skipped when absent) at bench/quality.py's 60
characters and at the bot's 150, it prints the share of digest sentences that end in "；" or "，"
(or ";" ","), and the share of digests that hold an editor's label or a dateline (摘要: 导语
编者按 【…】 本报讯 …5月20日讯 新华社…电 （记者…） 责任编辑 原标题 来源: (完), and a web page's time
stamp). The detector here is written apart from summaries/boilerplate.py on purpose, so the
measure does not grade the remover with its own patterns. Goal: 0 for both.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import jieba  # noqa: E402

from bench.common import eval_dir  # noqa: E402
from summaries import article_from_text, select_digest, split_page  # noqa: E402
from summaries.model import Article  # noqa: E402

CLAUSE_ENDS = ("；", "，", ";", ",")
# What a reader would call boilerplate in a digest, by kind.
BOILERPLATE = {
    "label": re.compile(r"摘要[:：]|导语|编者按|【|】|内容提要|核心提示"),
    "dateline": re.compile(r"本报讯|\d{1,2}月\d{1,2}日[讯电]|新华社电|[（(][^（）()]{0,12}记者"),
    "credit": re.compile(r"责任编辑|原标题|来源[:：]|编辑[:：]|[（(]完[)）]"),
    "stamp": re.compile(r"(?:19|20)\d\d[-/.]\d{1,2}[-/.]\d{1,2}\s*\d{1,2}:\d\d"),
}


def seed_articles() -> Iterator[Article]:
    """Every article of the shipped seed pages."""
    for path in sorted((REPO / "seeds").glob("*.txt")):
        yield from split_page(path.read_text(encoding="utf-8"))


def nlpcc_articles(path: Path) -> Iterator[Article]:
    """NLPCC dev rows as plain articles, as bench/quality.py reads them."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield article_from_text(json.loads(line)["article"])


def measure(articles: list[Article], budget: int) -> str:
    """One table row: digests, sentences, clause-ended share, boilerplate share and its kinds."""
    sentences = clause_ended = flagged = 0
    kinds: Counter[str] = Counter()
    for article in articles:
        digest = select_digest(article, max_chars=budget)
        sentences += len(digest)
        clause_ended += sum(1 for s in digest if s.endswith(CLAUSE_ENDS))
        found = [kind for kind, pattern in BOILERPLATE.items() if pattern.search("".join(digest))]
        flagged += bool(found)
        kinds.update(found)
    digests = len(articles)
    detail = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "none"
    return (
        f"| {digests:5d} | {sentences:5d} | {clause_ended:3d} ({_share(clause_ended, sentences)}) "
        f"| {flagged:3d} ({_share(flagged, digests)}) | {detail} |"
    )


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:4.1f}%" if whole else "  n/a"


def main() -> int:
    jieba.setLogLevel(60)
    print("| set @ budget | digests | sentences | ending in ；/， | with label/dateline | kinds |")
    print("|---|---:|---:|---:|---:|---|")
    runs: list[tuple[str, list[Article], int]] = [("seeds", list(seed_articles()), 150)]
    path = eval_dir() / "nlpcc2017_dev.jsonl"
    if path.is_file():
        nlpcc = list(nlpcc_articles(path))
        runs += [("nlpcc2017_dev", nlpcc, 60), ("nlpcc2017_dev", nlpcc, 150)]
    else:
        print(f"nlpcc2017_dev skipped (no {path})")
    for name, articles, budget in runs:
        print(f"| {name} @ {budget} " + measure(articles, budget))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
