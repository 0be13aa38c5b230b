"""Web ingest throughput: article pages from a loopback server into a store, end to end.

1,000 Sohu news articles (``../shared/eval/sohu_news_corpus.jsonl`` or WENZHAI_EVAL_DIR) are
wrapped in realistic news-page HTML (navigation, ads, related links, comments, footer) and
served by ``bench/page_server.py`` in a separate process on 127.0.0.1. They are ingested with
``bot.ingest.Ingestor.urls`` (fetch, charset, trafilatura, summarize, dedupe, SQLite store), and
in the same run the same texts go through the digest alone (article_from_text +
Summarizer.summarize), through trafilatura alone, and through what a worker does for a page
(extraction and the pipeline), so the rates sit side by side.
The ingest runs once per worker count (``INGEST_WORKERS``; 1 extracts and prepares in the main
process), each into a fresh store, with the digest-only rate (always one process) timed just
before and after it. Each ingestor's pipeline is loaded before it is timed, as the digest-only
summarizer is; what loading costs is printed apart.

The server speaks HTTP/1.1 and keeps connections alive, as real news sites do; ``--http 1.0``
(or ``1.0,1.1``) also serves them as ``python -m http.server`` does, a new connection a page.

    python bench/ingest.py [--pages 1000] [--workers 2,1] [--http 1.1] [--cprofile]

``--cprofile`` runs the ingest with the first worker count again under cProfile and prints the
top functions: of the main process alone when it has workers (fetching, handing pages to the
workers, writing), of everything when it has none (preparation inline). Its clock is wall
time: in the main process, waits for the GIL (held by the pool's threads, which pickle the
pages and unpickle the articles) are counted in whatever C call was waiting, ``socket.send``
or ``SimpleQueue.put_nowait``; the CPU seconds printed per run are the measure to trust.

Skips cleanly (exit 0) when the corpus is absent.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import html
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import eval_dir, profiled, seed_topics  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.ingest import Document, Ingestor, open_store  # noqa: E402
from bot.ingest.run import prepare_each  # noqa: E402
from bot.sources.fetched_page import FetchedPage  # noqa: E402
from bot.sources.parse import extract_page  # noqa: E402
from summaries import Summarizer, article_from_text  # noqa: E402

NAV = "".join(
    f'<li><a href="/channel/{n}">{name}</a></li>'
    for n, name in enumerate(["首页", "国内", "国际", "军事", "财经", "科技", "体育", "娱乐"])
)
RELATED = "".join(
    f'<li><a href="/related/{n}">相关阅读：热点新闻第{n}条</a></li>' for n in range(8)
)


def page(item: dict[str, str], number: int) -> str:
    """A news page around one corpus article."""
    paragraphs = "".join(
        f"<p>{html.escape(line.strip())}</p>"
        for line in item["article"].split("\n")
        if line.strip()
    )
    title = html.escape(item["title"])
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{title}_搜狐新闻</title><meta name="keywords" content="新闻,资讯">
<meta property="article:published_time" content="2017-02-{1 + number % 28:02d}T09:30:00+08:00">
<script src="/static/app.js"></script><link rel="stylesheet" href="/static/site.css">
</head><body><div id="top"><a href="/login">登录</a> <a href="/register">注册</a></div>
<nav class="main-nav"><ul>{NAV}</ul></nav>
<div class="ad ad-top"><a href="/ad/1">【广告】买房首付低至一成，立即咨询</a></div>
<div class="wrapper"><article class="article">
<h1>{title}</h1><div class="info">来源：搜狐新闻 2017-02-{1 + number % 28:02d} 09:30</div>
{paragraphs}
<p class="editor">责任编辑：编辑部</p></article>
<aside><h3>相关新闻</h3><ul>{RELATED}</ul>
<div class="ad ad-side">【推广】夏季清仓，全场五折起</div></aside>
<section class="comments"><h3>网友评论</h3><ul><li>网友：支持！</li><li>网友：已阅。</li></ul>
</section></div><footer>Copyright 搜狐公司 版权所有 全部新闻 意见反馈</footer></body></html>"""


def load_items(count: int) -> list[dict[str, str]] | None:
    corpus = eval_dir() / "sohu_news_corpus.jsonl"
    if not corpus.exists():
        return None
    items = []
    with corpus.open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            # Real articles only: the corpus also holds video stubs with no text.
            if len(item["article"]) >= 200 and "&nbsp;" not in item["article"]:
                items.append(item)
            if len(items) == count:
                break
    return items


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("the page server did not start")


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


WARM_UP = Document(
    source="warm-up", origin="warm-up", title="春耕", text="各地抓住有利天气，加快春耕。"
)


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (the workers, once stopped)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


async def run_ingest(urls: list[str], database: Path, settings: Settings, topics: tuple) -> tuple:  # type: ignore[type-arg]
    store = await open_store(f"sqlite:///{database.as_posix()}")
    try:
        ingestor = Ingestor(store, settings=settings, topics=topics)
        ingestor.pipeline.prepare(WARM_UP)
        started, (own, workers) = time.perf_counter(), cpu_seconds()
        report = await ingestor.urls(urls)
        elapsed = time.perf_counter() - started
        own_after, workers_after = cpu_seconds()
        stored = await store.count_articles()
    finally:
        await store.close()
    return report, elapsed, stored, (own_after - own, workers_after - workers)


def worker_seconds(pages: list[str], ingestor: Ingestor) -> float:
    """What the workers do for every page, in one process: extract it, then prepare it."""
    jobs = [
        FetchedPage(
            text.encode("utf-8"),
            "text/html; charset=utf-8",
            f"http://x.test/{n}",
            Document(source=f"http://x.test/{n}", text="", origin="x.test"),
        )
        for n, text in enumerate(pages)
    ]
    started = time.perf_counter()
    outcomes = prepare_each(ingestor.pipeline, list(jobs))
    seconds = time.perf_counter() - started
    assert not any(isinstance(outcome, Exception) for outcome in outcomes)
    return seconds


def start_server(root: Path, protocol: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(REPO / "bench" / "page_server.py"), str(port), str(root)]
        + ["--protocol", f"HTTP/{protocol}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(port)
    return server, port


def digest_seconds(items: list[dict[str, str]], summarizer: Summarizer) -> float:
    started = time.perf_counter()
    for item in items:
        summarizer.summarize(article_from_text(item["article"], title=item["title"]))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--workers", default=f"{os.cpu_count() or 1},1")
    parser.add_argument("--http", default="1.1", help="1.1, 1.0, or both: 1.0,1.1")
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()
    items = load_items(args.pages)
    if items is None:
        print("sohu_news_corpus.jsonl not found (set WENZHAI_EVAL_DIR): benchmark skipped")
        return 0
    topics = seed_topics()
    settings = Settings(_env_file=None, allow_private_sources=True)  # type: ignore[call-arg]
    counts = [int(w) for w in args.workers.split(",")]
    summarizer = Summarizer(topics=topics, max_chars=150, max_sentences=3)
    started = time.perf_counter()
    bare = Ingestor(None, settings=settings, topics=topics)  # type: ignore[arg-type]
    bare.pipeline.prepare(WARM_UP)
    loading = time.perf_counter() - started
    digest_seconds(items[:20], summarizer)
    n = len(items)
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        root.mkdir()
        pages = [page(item, n) for n, item in enumerate(items)]
        for n_, text in enumerate(pages):
            (root / f"{n_}.html").write_text(text, encoding="utf-8")
        rss_before = peak_rss_mb()
        protocols = args.http.split(",")
        for protocol in protocols:
            server, port = start_server(root, protocol)
            try:
                urls = [f"http://127.0.0.1:{port}/{n_}.html" for n_ in range(n)]
                for workers in counts:
                    before = digest_seconds(items, summarizer)
                    chosen = settings.model_copy(update={"ingest_workers": workers})
                    database = Path(tmp) / f"bench-{protocol}-{workers}.db"
                    report, seconds, stored, cpu = asyncio.run(
                        run_ingest(urls, database, chosen, topics)
                    )
                    digest = (before + digest_seconds(items, summarizer)) / 2
                    rows.append(("digest only, 1 process (before/after)", digest, ""))
                    label = f"end to end, HTTP/{protocol}, {workers} worker{'s' * (workers > 1)}"
                    rows.append((label, seconds, f"{digest / seconds:.2f}"))
                    print(
                        f"{label}: added {report.added}, duplicates {report.duplicates}, "
                        f"refused {len(report.refused)}; in store {stored}; CPU s main "
                        f"{cpu[0]:.2f} ({1000 * cpu[0] / n:.2f} ms a page) + workers "
                        f"{cpu[1]:.2f}; load average {os.getloadavg()[0]:.1f}"
                    )
                    for url, reason in report.refused[:5]:
                        print(f"  refused {url}: {reason}")
                if args.cprofile and protocol == protocols[-1]:
                    first = settings.model_copy(update={"ingest_workers": counts[0]})
                    print(f"cProfile of the ingest with {counts[0]} worker(s), main process:")
                    profiled(
                        functools.partial(
                            asyncio.run, run_ingest(urls, Path(tmp) / "p.db", first, topics)
                        )
                    )
            finally:
                server.terminate()
                server.wait()
        rss_after = peak_rss_mb()

    started = time.perf_counter()
    for n_, text in enumerate(pages):
        extract_page(text.encode("utf-8"), "text/html; charset=utf-8", f"http://x.test/{n_}")
    rows.append(("main-text extraction only (trafilatura)", time.perf_counter() - started, ""))
    digest = digest_seconds(items, summarizer)
    rows.append(("digest only, 1 process", digest, ""))
    work = worker_seconds(pages, bare)
    rows.append(("extraction + preparation (a worker's work)", work, f"{digest / work:.2f}"))
    cores = os.cpu_count() or 1

    print(
        f"pages: {n} (Sohu corpus articles in news-page HTML, avg {sum(map(len, pages)) // n}"
        f" bytes), served from 127.0.0.1 by a separate process; loading the pipeline "
        f"(once per process, not timed): {loading:.2f} s"
    )
    print(f"| {'stage':<42} | seconds | per second | / digest only |")
    print(f"|{'-' * 44}|---------|------------|---------------|")
    for label, seconds, ratio in rows:
        print(f"| {label:<42} | {seconds:7.2f} | {n / seconds:10.1f} | {ratio or '':>13} |")
    print(
        f"ceiling on {cores} cores with a free main process: {digest:.2f} / ({work:.2f} / "
        f"{cores}) = {cores * digest / work:.2f} of the digest-only rate"
    )
    print(
        f"peak RSS of the main process: {rss_before:.0f} MB before ingest, {rss_after:.0f} MB "
        f"after (+{rss_after - rss_before:.0f} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
