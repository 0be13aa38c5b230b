"""Prepared-article fingerprints: one sha256 per dataset and field over what the pipeline stores.

Run: python bench/prepare_hash.py. A change that must not alter anything the ingest pipeline
stores (digest, keywords, topics, category and its confidence and second, content hash, SimHash
fingerprint, story signature, title and body tokens, and the rest of ``NewArticle``) is checked
by running this before and after and comparing the lines: a line per dataset hashes every
field of every article, and one line per field says which field moved when it did.

Datasets: the seed pages (page dumps, ``articles_in``), the first 3,000 real articles of the
Sohu corpus (as bench/bulk_ingest.py picks them), both sides of story_dev, all of NLPCC 2017
dev and the first 400 of LCSTS dev, read from ../shared/eval or WENZHAI_EVAL_DIR; a missing
file is reported and skipped. TOKENIZER=jieba|rjieba picks the segmenter (empty: rjieba when
installed).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import jieba  # noqa: E402

from bench.common import eval_dir, seed_topics  # noqa: E402
from bench.ingest import load_items  # noqa: E402
from bot.ingest.index import analyzer_for  # noqa: E402
from bot.ingest.prepare import ArticlePipeline  # noqa: E402
from bot.sources.documents import Document  # noqa: E402
from summaries import Summarizer  # noqa: E402
from summaries.segmenter import segmenter  # noqa: E402

SOHU_ARTICLES = 3_000
CHINA = timezone(timedelta(hours=8))


def published(n: int) -> datetime:
    return datetime(2017, 2, 1 + n % 28, 9, 30, tzinfo=CHINA)


def seed_documents() -> Iterator[Document]:
    for path in sorted((REPO / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        yield Document(source=path.name, origin="seed", text=text, page_dump=True)


def sohu_documents() -> Iterator[Document]:
    for n, item in enumerate(load_items(SOHU_ARTICLES) or []):
        yield Document(
            source="sohu",
            origin="sohu",
            title=item.get("title") or "",
            text=item["article"],
            url=f"https://news.example/{n}",
            published_at=published(n),
        )


def rows(name: str, limit: int | None = None) -> Iterator[dict[str, object]]:
    path = eval_dir() / f"{name}.jsonl"
    with path.open(encoding="utf-8") as lines:
        for n, line in enumerate(lines):
            if limit is not None and n >= limit:
                return
            if line.strip():
                yield json.loads(line)


def story_documents() -> Iterator[Document]:
    for n, row in enumerate(rows("story_dev")):
        for side in ("a", "b"):
            doc = row[side]
            assert isinstance(doc, dict)
            yield Document(
                source="story",
                origin=side,
                title=doc.get("title") or "",
                text=doc.get("text") or "",
                published_at=published(n),
            )


def plain_documents(name: str, limit: int | None) -> Iterator[Document]:
    for row in rows(name, limit):
        yield Document(source=name, origin=name, title="", text=str(row["article"]))


DATASETS = (
    ("seeds", None, seed_documents),
    ("sohu_news_corpus", "sohu_news_corpus", sohu_documents),
    ("story_dev", "story_dev", story_documents),
    ("nlpcc2017_dev", "nlpcc2017_dev", lambda: plain_documents("nlpcc2017_dev", None)),
    ("lcsts_dev", "lcsts_dev", lambda: plain_documents("lcsts_dev", 400)),
)


def main() -> int:
    jieba.setLogLevel(60)
    topics = seed_topics()
    words = segmenter(os.environ.get("TOKENIZER") or None)
    print(f"tokenizer          {words.identity['tokenizer']}")
    pipeline = ArticlePipeline(
        Summarizer(topics=topics, tokenizer=words.words), analyzer_for(words)
    )
    for name, needs, documents in DATASETS:
        if needs and not (eval_dir() / f"{needs}.jsonl").is_file():
            print(f"{name:<18} skipped (no {needs}.jsonl)")
            continue
        whole = hashlib.sha256()
        fields: dict[str, hashlib._Hash] = {}
        count = 0
        for document in documents():
            try:
                prepared = pipeline.prepare(document)
            except Exception as exc:  # Refused and anything else: part of the output too
                whole.update(f"{type(exc).__name__}: {exc}\n".encode())
                continue
            for article in prepared:
                for key, value in dataclasses.asdict(article).items():
                    line = json.dumps(value, ensure_ascii=False, default=str).encode() + b"\n"
                    whole.update(line)
                    fields.setdefault(key, hashlib.sha256()).update(line)
                count += 1
        print(f"{name:<18} {count:5d} {whole.hexdigest()}")
        for key, value in fields.items():
            print(f"  {key:<20} {value.hexdigest()[:16]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
