"""Search benchmark: ingest rate, database size and query latency at 10k and 100k articles.

    .venv/bin/python bench/search.py [--sizes 10000,100000] [--backends sqlite,postgresql]
                                     [--queries 200] [--baseline-queries 200] [--keep]

Articles are real text recombined so that every one is distinct: the seed page's articles and
the Sohu corpus (../shared/eval/sohu_news_corpus.jsonl, or $WENZHAI_EVAL_DIR), each article i
being base text i mod B followed by one sentence of another base article. What is timed:
- summarize: summaries.Summarizer once per distinct base text (articles/s);
- store: SqlStore.add_articles in batches of 100 (jieba tokens for the full-text index, the
  insert and the index rows, one transaction per batch), digests taken from the base text;
- ingest, digest included: 1 / (1/summarize + 1/store), the rate if every article were
  summarized as it is stored.
Queries: 1-3 words taken from article titles (a fixed seed), half from rare titles words and
half from common ones; p50/p95/p99 of SqlStore.search(limit=5) against a naive baseline over
the same store in the same run: body LIKE '%word%' for each word, newest first, limit 5.
Memory: the process's resident size after loading the corpus and after the queries.
PostgreSQL gets VACUUM ANALYZE after the load, as autovacuum would give a live database.

--keep stores the databases under fixed names (wz_bench_keep_<size> in PostgreSQL, and
<tmp>/wz_bench_keep_<size>.db) and leaves them; a later --keep run that finds one holding
exactly <size> articles times the queries on it without storing the articles again, and says
so instead of printing a store rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import eval_dir  # noqa: E402
from bot.ingest import content_hash, open_store  # noqa: E402
from bot.store import SqlStore  # noqa: E402
from bot.store.records import NewArticle  # noqa: E402
from summaries import Summarizer, article_from_text, split_page  # noqa: E402
from summaries.model import Article  # noqa: E402
from summaries.text import split_sentences  # noqa: E402
from summaries.tokens import search_tokens  # noqa: E402

PG_ADMIN = os.environ.get("WENZHAI_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
BATCH = 100


@dataclass(frozen=True)
class Base:
    """A distinct real article with its digest computed once."""

    article: Article
    digest: tuple[str, ...]
    keywords: tuple[str, ...]
    topics: tuple[str, ...]
    sentences: tuple[str, ...]


def load_bases(folder: Path) -> list[Article]:
    """The seed page's articles and the Sohu corpus."""
    out = [a for p in sorted((REPO / "seeds").glob("*.txt")) for a in split_page(p.read_text())]
    with (folder / "sohu_news_corpus.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            out.append(article_from_text(row["article"], title=row.get("title", "")))
    return [a for a in out if a.title and a.body]


def summarize_bases(articles: list[Article]) -> tuple[list[Base], float]:
    """Each base summarized once; also the articles/s of summarizing."""
    summarizer = Summarizer()
    start = time.perf_counter()
    bases = []
    for article in articles:
        summary = summarizer.summarize(article)
        sentences = tuple(s for s in split_sentences(article.body) if 8 <= len(s) <= 80)
        bases.append(
            Base(article, summary.digest, summary.keywords, summary.topics, sentences or ("。",))
        )
    return bases, len(articles) / (time.perf_counter() - start)


def make_articles(bases: list[Base], count: int) -> list[NewArticle]:
    """``count`` distinct articles: base i mod B plus a sentence of another base."""
    out = []
    n = len(bases)
    for i in range(count):
        base = bases[i % n]
        other = bases[(i // n * 7919 + i * 31 + 1) % n]
        extra = other.sentences[(i // n) % len(other.sentences)]
        body = base.article.body + "\n" + extra + f"（第{i}号）"
        title = base.article.title
        out.append(
            NewArticle(
                title=title,
                body=body,
                digest=base.digest,
                keywords=base.keywords,
                topics=base.topics,
                source="bench",
                content_hash=content_hash(title, body),
                title_tokens=tuple(search_tokens(title)),
                body_tokens=tuple(search_tokens(body)),
            )
        )
    return out


def make_queries(bases: list[Base], count: int) -> list[str]:
    """1-3 title words per query, half rare and half common across the bases' titles."""
    rng = random.Random(20240501)
    titles = [[t for t in search_tokens(b.article.title) if len(t) >= 2] for b in bases]
    df = Counter(t for words in titles for t in set(words))
    common = [t for t, c in df.most_common(300)]
    rare = [t for t, c in df.items() if c <= 3]
    queries = []
    while len(queries) < count:
        words = titles[rng.randrange(len(titles))]
        if not words:
            continue
        k = rng.choice((1, 1, 2, 3))
        if len(queries) % 2 == 0:
            picked = [rng.choice(common)] + rng.sample(words, min(k - 1, len(words)))
        else:
            picked = [rng.choice(rare)] if k == 1 else rng.sample(words, min(k, len(words)))
        queries.append(" ".join(dict.fromkeys(picked)))
    return queries


def rss_mb() -> float:
    """Resident set size of this process in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(samples: list[float]) -> str:
    """p50/p95/p99 in milliseconds."""
    qs = statistics.quantiles(samples, n=100, method="inclusive")
    return f"p50 {qs[49]:7.2f}  p95 {qs[94]:7.2f}  p99 {qs[98]:7.2f} ms"


async def baseline(store: SqlStore, query: str) -> list[int]:
    """The naive search: every word as body LIKE '%word%', newest first."""
    words = search_tokens(query)
    stmt = sa.text(
        "SELECT id FROM articles WHERE "
        + " AND ".join(f"body LIKE :w{i}" for i in range(len(words)))
        + " ORDER BY sort_at DESC LIMIT 5"
    )
    async with store.engine.connect() as conn:
        params = {f"w{i}": f"%{w}%" for i, w in enumerate(words)}
        return [row[0] for row in await conn.execute(stmt, params)]


async def db_size(store: SqlStore, url: str) -> float:
    """Size of the database in MiB."""
    if store.backend == "sqlite":
        async with store.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        path = Path(url.removeprefix("sqlite:///"))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20
    async with store.engine.connect() as conn:
        size = await conn.execute(sa.text("SELECT pg_database_size(current_database())"))
        return int(size.scalar_one()) / 2**20


async def pg_database(action: str, name: str) -> None:
    """Create or drop a scratch PostgreSQL database."""
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN.replace("postgresql://", "postgres://"))
    try:
        if action == "create":
            await conn.execute(f"CREATE DATABASE {name}")
        else:
            await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await conn.close()


async def pg_exists(name: str) -> bool:
    """Whether a PostgreSQL database of that name exists."""
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN.replace("postgresql://", "postgres://"))
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


async def run_one(
    backend: str,
    size: int,
    bases: list[Base],
    queries: list[str],
    baseline_n: int,
    tmp: Path,
    summarize_rate: float,
    keep: bool,
) -> None:
    """Ingest ``size`` articles into a fresh database of ``backend`` and time the queries."""
    name = f"wz_bench_keep_{size}" if keep else f"wz_bench_{uuid.uuid4().hex[:10]}"
    if backend == "sqlite":
        url = f"sqlite:///{tmp / (name + '.db')}"
    else:
        if not (keep and await pg_exists(name)):
            await pg_database("create", name)
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    store = await open_store(url)
    try:
        reused = keep and await store.count_articles() == size
        store_rate = float("nan")
        added = size
        if not reused:
            if await store.count_articles():
                raise SystemExit(f"{url} holds other articles; drop it or run without --keep")
            articles = make_articles(bases, size)
            start = time.perf_counter()
            added = 0
            for first in range(0, size, BATCH):
                added += len((await store.add_articles(articles[first : first + BATCH])).added)
            store_rate = size / (time.perf_counter() - start)
            del articles
        if store.backend == "postgresql":
            async with store.engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(sa.text("VACUUM ANALYZE"))
        size_mb = await db_size(store, url)
        for query in queries[:10]:  # warm caches as a running bot would have them
            await store.search(query)
        rss_before = rss_mb()
        fts, empty = [], 0
        for query in queries:
            t = time.perf_counter()
            result = await store.search(query, limit=5)
            fts.append((time.perf_counter() - t) * 1000)
            empty += not result.hits
        rss_after = rss_mb()
        naive = []
        for query in queries[:baseline_n]:
            t = time.perf_counter()
            await baseline(store, query)
            naive.append((time.perf_counter() - t) * 1000)
        print(f"\n== {backend} {size:,} articles ({added:,} distinct stored)")
        if reused:
            print("store rate      not measured: database kept from an earlier --keep run")
        else:
            print(f"store rate      {store_rate:9.0f} articles/s (tokens + insert + index)")
            both = 1 / (1 / summarize_rate + 1 / store_rate)
            print(f"ingest rate     {both:9.0f} articles/s with the digest computed per article")
        print(f"database size   {size_mb:9.1f} MiB")
        print(f"search          {percentiles(fts)}  ({len(fts)} queries, {empty} without hits)")
        print(f"LIKE baseline   {percentiles(naive)}  ({len(naive)} queries)")
        ratio = statistics.quantiles(naive, n=100)[94] / statistics.quantiles(fts, n=100)[94]
        print(f"p95 ratio       {ratio:9.1f}x (LIKE p95 / search p95)")
        print(f"process RSS     {rss_before:9.1f} MiB before queries, {rss_after:.1f} MiB after")
    finally:
        await store.close()
        if keep:
            print(f"kept            {url}")
        elif backend == "postgresql":
            await pg_database("drop", name)
        else:
            for p in tmp.glob(name + ".db*"):  # noqa: ASYNC240 - a benchmark, nothing else waits
                p.unlink()


async def main() -> int:
    """Parse flags, build the corpus once, run every backend at every size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--baseline-queries", type=int, default=200)
    parser.add_argument("--tmp", type=Path, default=REPO / "data" / "bench")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the databases")
    args = parser.parse_args()
    folder = eval_dir()
    if not (folder / "sohu_news_corpus.jsonl").is_file():
        print("skipped: no eval data (../shared/eval or WENZHAI_EVAL_DIR)")
        return 0
    args.tmp.mkdir(parents=True, exist_ok=True)
    articles = load_bases(folder)
    bases, summarize_rate = summarize_bases(articles)
    queries = make_queries(bases, args.queries)
    print(f"bases: {len(bases)} distinct real articles; summarize {summarize_rate:.0f} articles/s")
    print(f"queries: {len(queries)}, e.g. {queries[:6]}")
    print(f"process RSS after corpus load: {rss_mb():.1f} MiB")
    for size in (int(s) for s in args.sizes.split(",")):
        for backend in args.backends.split(","):
            await run_one(
                backend,
                size,
                bases,
                queries,
                args.baseline_queries,
                args.tmp,
                summarize_rate,
                args.keep,
            )
    print(
        "\ningest rate with digest = 1 / (1/summarize + 1/store rate); summarize rate above "
        "is per article on this machine"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
