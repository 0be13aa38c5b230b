"""Bulk JSON Lines ingest beside the digest alone: SQLite and PostgreSQL, one run.

The first N real articles of ``sohu_news_corpus.jsonl`` (../shared/eval or WENZHAI_EVAL_DIR)
are written to a JSON Lines file of ``{"title", "text", "url", "published"}`` and loaded with
``Ingestor.jsonl`` (what ``python -m bot ingest --jsonl FILE`` runs: stream, summarize, index
tokens, SimHash, batched writes with the duplicate checks) into a fresh SQLite file and a fresh
PostgreSQL database (``--sources files``: the same articles as one text file each, a title line
and the body, loaded with ``Ingestor.files`` as ``python -m bot ingest FOLDER`` does); in the
same run the same texts go through the digest alone
(``article_from_text`` + ``Summarizer.summarize``), before and after, so the ratios compare
like with like on a busy machine. TOKENIZER (rjieba or jieba) picks the segmenter for both.

    python bench/bulk_ingest.py [--articles 1000] [--backends sqlite,postgresql]
                                [--workers 2,1] [--sources jsonl,files] [--profile]
                                [--cprofile]

Each backend is loaded once per worker count (``INGEST_WORKERS``: 1 prepares in the main
process); the digest-only side is always one process, so a ratio above 1 / workers is what the
pool buys. The main process's CPU seconds during each load are printed beside it (with workers,
the rest of the CPU is theirs). ``--profile`` also times each CPU stage of the pipeline alone
over the same articles; ``--cprofile`` runs the one-process load under cProfile (preparation
inline, so the profile sees it) and prints the top functions. Skips cleanly (exit 0) when the
corpus is absent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import eval_dir, profiled, seed_topics  # noqa: E402
from bench.ingest import load_items  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.ingest import Document, Ingestor, open_store  # noqa: E402
from summaries import Summarizer, article_from_text  # noqa: E402
from summaries.segmenter import Segmenter, segmenter  # noqa: E402

WARM_UP = Document(
    source="warm-up", origin="warm-up", title="春耕", text="各地抓住有利天气，加快春耕。"
)
PG_ADMIN = os.environ.get("WENZHAI_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


def write_jsonl(items: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for n, item in enumerate(items):
            row = {
                "title": item.get("title") or "",
                "text": item["article"],
                "url": f"https://news.example/{n}",
                "published": f"2017-02-{1 + n % 28:02d}T09:30:00+08:00",
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_files(items: list[dict[str, str]], folder: Path) -> None:
    """One text file an article: the title on the first line, then the body."""
    folder.mkdir()
    for n, item in enumerate(items):
        text = f"{item.get('title') or ''}\n\n{item['article']}\n"
        (folder / f"{n:05d}.txt").write_text(text, encoding="utf-8")


def digest_seconds(items: list[dict[str, str]], summarizer: Summarizer) -> float:
    started = time.perf_counter()
    for item in items:
        summarizer.summarize(article_from_text(item["article"], title=item.get("title") or ""))
    return time.perf_counter() - started


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (the workers, once stopped)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


async def ingest(url: str, path: Path, settings: Settings, topics: tuple) -> tuple:  # type: ignore[type-arg]
    """Load ``path`` (a JSON Lines file, or a folder of text files) into the store at ``url``:
    the report, seconds, articles stored and CPU seconds (main process, workers)."""
    store = await open_store(url, tokenizer=settings.tokenizer)
    try:
        ingestor = Ingestor(store, settings=settings, topics=topics)
        # Loaded once per process (dictionaries, IDF table, category model), as the digest-only
        # side's summarizer is loaded before it is timed; what loading costs is printed apart.
        ingestor.pipeline.prepare(WARM_UP)
        folder = path.suffix != ".jsonl"
        started, (own, workers) = time.perf_counter(), cpu_seconds()
        if folder:
            report = await ingestor.files([path])
        else:
            report = await ingestor.jsonl(path)
        elapsed = time.perf_counter() - started
        own_after, workers_after = cpu_seconds()
        cpu = (own_after - own, workers_after - workers)
        stored = await store.count_articles()
    finally:
        await store.close()
    return report, elapsed, stored, cpu


def stages(items: list[dict[str, str]], summarizer: Summarizer, words: Segmenter) -> None:
    """Seconds of each CPU stage of the pipeline over the articles, each stage alone."""
    from bot.ingest.prepare import content_hash
    from summaries.similarity import simhash
    from summaries.tokens import search_tokens

    articles = [article_from_text(i["article"], title=i.get("title") or "") for i in items]
    timed: list[tuple[str, float]] = []

    def clock(label: str, work: object) -> None:
        started = time.perf_counter()
        for article in articles:
            work(article)  # type: ignore[operator]
        timed.append((label, time.perf_counter() - started))

    started = time.perf_counter()
    for item in items:
        json.loads(json.dumps(item, ensure_ascii=False))
        article_from_text(item["article"], title=item.get("title") or "")
    timed.append(("JSON + article_from_text", time.perf_counter() - started))
    clock("Summarizer.summarize", summarizer.summarize)
    clock(
        "index tokens (title + body)",
        lambda a: (search_tokens(a.title, words), search_tokens(a.body, words)),
    )
    clock("SimHash of body tokens", lambda a: simhash(search_tokens(a.body, words)))
    clock("content hash", lambda a: content_hash(a.title, a.body))
    for label, seconds in timed:
        print(
            f"  stage {label:<30} {seconds:6.2f} s  {seconds / len(items) * 1000:6.3f} ms/article"
        )


async def pg_database(action: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'{action} DATABASE "{name}"')
    finally:
        await conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--workers", default=f"{os.cpu_count() or 1},1")
    parser.add_argument("--sources", default="jsonl", help="jsonl, files or both: jsonl,files")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()
    if not (eval_dir() / "sohu_news_corpus.jsonl").exists():
        print("sohu_news_corpus.jsonl not found (set WENZHAI_EVAL_DIR): benchmark skipped")
        return 0
    items = load_items(args.articles) or []
    topics = seed_topics()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    started = time.perf_counter()
    Ingestor(None, settings=settings, topics=topics).pipeline.prepare(WARM_UP)  # type: ignore[arg-type]
    loading = time.perf_counter() - started
    counts = [int(w) for w in args.workers.split(",")]
    words = segmenter(settings.tokenizer)
    summarizer = Summarizer(topics=topics, tokenizer=words.words)
    digest_seconds(items[:20], summarizer)  # load the dictionary and the IDF table
    print(
        f"articles: {len(items)} Sohu articles, tokenizer {words.identity['tokenizer']}, "
        f"load average {os.getloadavg()[0]:.1f}; loading the pipeline (once per process, "
        f"not timed below): {loading:.2f} s"
    )
    print(f"| {'run':<40} | seconds | articles/s | / digest only | CPU s main + workers |")
    print(f"|{'-' * 42}|---------|------------|---------------|----------------------|")
    n = len(items)
    with tempfile.TemporaryDirectory() as tmp:
        inputs = {"jsonl": Path(tmp) / "articles.jsonl", "files": Path(tmp) / "articles"}
        write_jsonl(items, inputs["jsonl"])
        write_files(items, inputs["files"])
        path = inputs["jsonl"]
        runs = [(s, b) for s in args.sources.split(",") for b in args.backends.split(",")]
        for source, backend in runs:
            for workers in counts:
                before = digest_seconds(items, summarizer)
                if backend == "sqlite":
                    url = f"sqlite:///{tmp}/bulk-{uuid.uuid4().hex[:8]}.db"
                    name = None
                else:
                    name = f"wz_bench_bulk_{uuid.uuid4().hex[:10]}"
                    asyncio.run(pg_database("CREATE", name))
                    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
                chosen = settings.model_copy(update={"ingest_workers": workers})
                try:
                    report, seconds, stored, cpu = asyncio.run(
                        ingest(url, inputs[source], chosen, topics)
                    )
                finally:
                    if name is not None:
                        asyncio.run(pg_database("DROP", name))
                after = digest_seconds(items, summarizer)
                digest = (before + after) / 2
                print(
                    f"| {'digest only, 1 process (before/after)':<40} | {digest:7.2f} "
                    f"| {n / digest:10.1f} | {1:13.2f} | {'':>20} |"
                )
                label = f"{source} ingest, {backend}, {workers} worker{'s' * (workers > 1)}"
                print(
                    f"| {label:<40} | {seconds:7.2f} | {n / seconds:10.1f} "
                    f"| {digest / seconds:13.2f} | {cpu[0]:9.2f} + {cpu[1]:8.2f} |"
                )
                print(
                    f"  added {report.added}, duplicates {report.duplicates}, "
                    f"refused {len(report.refused)}, stored {stored}; "
                    f"load average {os.getloadavg()[0]:.1f}"
                )
        if args.cprofile:
            url = f"sqlite:///{tmp}/bulk-profile.db"
            one = settings.model_copy(update={"ingest_workers": 1})
            print("cProfile of the one-process load into SQLite:")
            profiled(lambda: asyncio.run(ingest(url, path, one, topics)))
    if args.profile:
        print(
            "where the time goes (each CPU stage alone, same articles; "
            "SimHash includes its tokens):"
        )
        stages(items, summarizer, words)
    return 0


if __name__ == "__main__":
    sys.exit(main())
