"""The Summarizer object: its own settings and state, its tokenizer, determinism, long runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor

import pytest

from summaries import Article, Summarizer, Topic, article_from_text, parse_topics
from summaries.pages import MAX_TITLE_CHARS
from summaries.segmenter import Segmenter
from summaries.tokens import search_tokens
from summaries.words import MAX_RUN, bounded_runs

from .conftest import REPO, SEED

# jieba's own class of characters it keeps together in one run.
_RUN = re.compile(r"[\u4e00-\u9fd5a-zA-Z0-9+#&._%\-]+")


@pytest.fixture(scope="module")
def topics() -> tuple[Topic, ...]:
    with (REPO / "seeds" / "topics.toml").open("rb") as handle:
        return parse_topics(tomllib.load(handle)["topic"])


@pytest.fixture(scope="module")
def unpunctuated(seed_text: str) -> str:
    """200,000 characters of the seed page with everything but letters and digits removed."""
    words = "".join(c for c in seed_text if c.isalnum())
    return (words * (200_000 // len(words) + 1))[:200_000]


def test_two_summarizers_give_what_each_would_give_alone(
    seed_articles: list[Article], topics: tuple[Topic, ...]
) -> None:
    brief = {"max_chars": 60, "max_sentences": 1}
    full = {"topics": topics, "max_chars": 200, "max_sentences": 3}
    alone_brief = [Summarizer(**brief).summarize(a) for a in seed_articles]  # type: ignore[arg-type]
    alone_full = [Summarizer(**full).summarize(a) for a in seed_articles]  # type: ignore[arg-type]
    a, b = Summarizer(**brief), Summarizer(**full)  # type: ignore[arg-type]
    both = [(b.summarize(x), a.summarize(x)) for x in seed_articles]
    assert [pair[1] for pair in both] == alone_brief
    assert [pair[0] for pair in both] == alone_full
    # The settings do tell the two apart, so the comparison above can fail.
    assert all(len(s.digest) == 1 and sum(map(len, s.digest)) <= 60 for s in alone_brief)
    assert any(len(s.digest) > 1 for s in alone_full)
    assert all(s.topics == () for s in alone_brief)
    assert any(s.topics for s in alone_full)


def test_an_injected_tokenizer_is_used(seed_articles: list[Article]) -> None:
    calls: list[str] = []

    def pairs(text: str) -> list[str]:
        calls.append(text)
        return [text[i : i + 2] for i in range(0, len(text), 2)]

    article = seed_articles[3]
    summarizer = Summarizer(tokenizer=pairs)
    summary = summarizer.summarize(article)
    assert summarizer.tokenizer is pairs
    assert article.body in calls and article.title in calls
    assert summary.digest
    assert summary.keywords and all(len(k) == 2 for k in summary.keywords)
    assert summary.keywords != Summarizer().summarize(article).keywords


def test_results_are_deterministic(seed_articles: list[Article], topics: tuple[Topic, ...]) -> None:
    summarizer = Summarizer(topics=topics)
    first = [summarizer.summarize(a) for a in seed_articles]
    backwards = [summarizer.summarize(a) for a in reversed(seed_articles)][::-1]
    fresh = [Summarizer(topics=topics).summarize(a) for a in seed_articles]
    assert first == backwards == fresh
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(summarizer.summarize, seed_articles * 4))
    assert threaded == first * 4


def test_results_do_not_depend_on_the_hash_seed() -> None:
    outputs = []
    for seed in ("0", "12345"):
        result = subprocess.run(
            [sys.executable, "-m", "summaries", "--json", str(SEED)],
            capture_output=True,
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": seed},
            timeout=120,
            check=True,
        )
        outputs.append(result.stdout)
    assert outputs[0] and outputs[0] == outputs[1]


def test_long_runs_are_tokenized_in_bounded_pieces(unpunctuated: str, words: Segmenter) -> None:
    text = "会议今天开幕。" + unpunctuated[:5000] + "，" + "Ａ" + "x" * 900
    pieces = bounded_runs(text)
    assert "".join(pieces) == text
    assert max(len(run) for piece in pieces for run in _RUN.findall(piece)) == MAX_RUN
    short = "会议今天开幕。" + unpunctuated[:MAX_RUN] + "。"
    assert bounded_runs(short) == [short]
    cut = words.words(text)
    assert "".join(cut) == text
    assert cut[:3] == words.words("会议今天开幕。")[:3]
    assert max(map(len, search_tokens(text, words))) <= MAX_RUN
    assert max(map(len, words.search_words(text))) <= MAX_RUN


def test_a_200000_character_unpunctuated_text_gets_a_bounded_summary(
    unpunctuated: str, topics: tuple[Topic, ...], words: Segmenter
) -> None:
    article = article_from_text(unpunctuated, title=unpunctuated)
    assert article.title == unpunctuated[:MAX_TITLE_CHARS]
    summary = Summarizer(topics=topics, max_chars=150, tokenizer=words.words).summarize(article)
    assert len(summary.digest) == 1
    assert 100 <= len(summary.digest[0]) <= 150 and summary.digest[0].endswith("…")
    assert 1 <= len(summary.keywords) <= 8
    assert all(2 <= len(k) <= MAX_RUN for k in summary.keywords)
    assert len(summary.topics) <= 3


def test_a_runaway_title_counts_as_its_first_characters(seed_articles: list[Article]) -> None:
    body = seed_articles[0].paragraphs
    title = "志愿服务" + "长" * 100_000
    summarizer = Summarizer()
    whole = summarizer.summarize(Article(title=title, paragraphs=body))
    assert whole == summarizer.summarize(Article(title=title[:MAX_TITLE_CHARS], paragraphs=body))


def test_cli_stops_quietly_when_the_reader_goes_away() -> None:
    from summaries.cli import stdout_closed

    assert callable(stdout_closed)
    # Enough output to fill the pipe, so that writing fails once the reader has gone.
    proc = subprocess.Popen(
        [sys.executable, "-m", "summaries", *[str(SEED)] * 200],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0
    assert b"Traceback" not in err and b"BrokenPipeError" not in err
