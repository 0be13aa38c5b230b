"""Long runs of Chinese without punctuation: the summary's cost must grow linearly with length.

Run: python bench/long_text.py [--sizes 2000,8000,32000,128000] [--file-mb 10]. The text is real
news (sohu_news_corpus.jsonl from ../shared/eval or WENZHAI_EVAL_DIR, else the seed pages) with
every character that is not a letter or a digit removed, so nothing splits it into sentences or
clauses. Each size is timed, in seconds, as:

- jieba: one pass of the summaries' tokenizer (``jieba_words``) over the text, the floor;
- body: ``article_from_text`` of the text + ``Summarizer.summarize``;
- title: the same text as the title of a one-sentence article;
- page: ``split_page`` of the text + ``summarize`` of every article found;
- search: ``search_tokens`` (the full-text index tokens);
- shuffled: body again, over the same characters in random order (few of them then form
  dictionary words, so jieba's HMM sees the longest runs of unknown characters: its worst case).

Then a plain-text file of ``--file-mb`` megabytes (UTF-8) goes through ``split_page`` and
``summarize``, once as news articles one after another (titles, blank lines, punctuation) and
once as the unpunctuated text, in one line per 100 characters, beside one jieba pass over it.
The machine may be busy: compare the ratios to the jieba pass, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import jieba  # noqa: E402

from bench.common import eval_dir, seed_topics  # noqa: E402
from summaries import Summarizer, article_from_text, split_page  # noqa: E402
from summaries.tokens import search_tokens  # noqa: E402
from summaries.words import jieba_words  # noqa: E402

MB = 1_000_000


def news() -> list[tuple[str, str]]:
    """(title, text) of real news: the Sohu corpus, else the seed pages' articles."""
    path = eval_dir() / "sohu_news_corpus.jsonl"
    if path.is_file():
        with path.open(encoding="utf-8") as lines:
            rows = [json.loads(line) for line in lines if line.strip()]
        return [(r.get("title") or "", r["article"]) for r in rows]
    pages = sorted((REPO / "seeds").glob("*.txt"))
    articles = [a for p in pages for a in split_page(p.read_text(encoding="utf-8"))]
    return [(a.title, a.body) for a in articles]


def unpunctuated(items: list[tuple[str, str]], size: int) -> str:
    """``size`` characters of the news texts, letters and digits only, repeated as needed."""
    words = "".join(c for _, text in items for c in text if c.isalnum())
    return (words * (size // len(words) + 1))[:size]


def seconds(work: Callable[[str], object], text: str) -> float:
    """Wall time of ``work(text)``."""
    start = time.perf_counter()
    work(text)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,8000,32000,128000", help="characters")
    parser.add_argument("--file-mb", type=float, default=10.0, help="file size; 0 skips it")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    jieba.setLogLevel(60)
    summarizer = Summarizer(topics=seed_topics())
    summarizer.summarize(article_from_text("预热。"))  # jieba's dictionary and the IDF table
    items = news()
    longest = unpunctuated(items, max(sizes))
    shuffled = list(longest)
    random.Random(0).shuffle(shuffled)
    mixed = "".join(shuffled)

    print("unpunctuated Chinese, seconds")
    print("| characters | jieba  | body   | title  | page   | search | shuffled | body / jieba |")
    print("|-----------:|-------:|-------:|-------:|-------:|-------:|---------:|-------------:|")
    for size in sizes:
        text = longest[:size]
        floor = seconds(jieba_words, text)
        body = seconds(lambda t: summarizer.summarize(article_from_text(t, title="标题")), text)
        title = seconds(lambda t: summarizer.summarize(article_from_text("正文。", title=t)), text)
        page = seconds(lambda t: [summarizer.summarize(a) for a in split_page(t)], text)
        search = seconds(search_tokens, text)
        rare = seconds(lambda t: summarizer.summarize(article_from_text(t)), mixed[:size])
        print(
            f"| {size:10,} | {floor:6.2f} | {body:6.2f} | {title:6.2f} | {page:6.2f} "
            f"| {search:6.2f} | {rare:8.2f} | {body / floor:12.2f} |"
        )

    if args.file_mb <= 0:
        return 0
    target = int(args.file_mb * MB)
    page_text = "\n\n".join(f"{title}\n{text}" for title, text in items)
    page_text = _to_bytes(page_text, target)
    flat = unpunctuated(items, target // 3 + 1)
    flat_text = _to_bytes("\n".join(flat[i : i + 100] for i in range(0, len(flat), 100)), target)
    print(f"\na {args.file_mb:g} MB plain-text file through split_page + summarize, seconds")
    print("| file                    | characters | articles | jieba | seconds | / jieba |")
    print("|-------------------------|-----------:|---------:|------:|--------:|--------:|")
    for name, text in (("news, one after another", page_text), ("unpunctuated", flat_text)):
        floor = seconds(jieba_words, text)
        start = time.perf_counter()
        articles = split_page(text)
        for article in articles:
            summarizer.summarize(article)
        took = time.perf_counter() - start
        print(
            f"| {name:<23} | {len(text):10,} | {len(articles):8,} | {floor:5.1f} | {took:7.1f} "
            f"| {took / floor:7.2f} |"
        )
    return 0


def _to_bytes(text: str, size: int) -> str:
    """``text`` repeated or cut so that its UTF-8 form is about ``size`` bytes."""
    per_char = len(text.encode("utf-8")) / len(text)
    chars = int(size / per_char)
    return (text * (chars // len(text) + 1))[:chars]


if __name__ == "__main__":
    raise SystemExit(main())
