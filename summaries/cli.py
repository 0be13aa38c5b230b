"""Command line: digests of files (``FILE...``) or of JSON lines read from stdin (``--jsonl``).

Every input is handled on its own: a file that cannot be read or decoded, or a JSON line that
is not an object with a ``text`` string, gets one line on stderr and (for ``--jsonl``) an output
line ``{"id": ..., "error": "..."}`` in its place, so output lines still match input lines. The
exit status is 0 when every input was processed and 1 when any failed.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from summaries.categories import CategoryModel, CategoryModelError, CategoryResult
from summaries.model import Article, Summary, Topic
from summaries.pages import article_from_text, split_page
from summaries.story_grouper import StoryGrouper
from summaries.summarizer import Summarizer
from summaries.text import decode_text
from summaries.topics import load_topics

DEFAULT_TOPICS = Path("seeds") / "topics.toml"
_PROG = "summaries"


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {number}")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m summaries``."""
    parser = argparse.ArgumentParser(
        prog="python -m summaries",
        description="Split Chinese news text into articles and print digests and keywords.",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="text files (UTF-8 or GB18030)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="one JSON object per article")
    mode.add_argument(
        "--jsonl",
        action="store_true",
        help='read {"id", "text", "title"?} lines from stdin, write one result line per line',
    )
    parser.add_argument("--max-chars", type=_positive, default=150, help="digest budget (150)")
    parser.add_argument("--max-sentences", type=_positive, default=3, help="at most (3)")
    parser.add_argument(
        "--stories",
        action="store_true",
        help='with --jsonl: add "story" (the id of the story\'s first article) to each line',
    )
    parser.add_argument(
        "--topics",
        type=Path,
        help=f"topic list (TOML with [[topic]] tables); default {DEFAULT_TOPICS} if present",
    )
    return parser


def default_or_named_topics(path: Path | None) -> tuple[Topic, ...]:
    """Topics from the named TOML file (or the default one when it exists)."""
    if path is None:
        if not DEFAULT_TOPICS.is_file():
            return ()
        path = DEFAULT_TOPICS
    return load_topics(path)


def article_record(article: Article, summary: Summary, category: CategoryResult) -> dict[str, Any]:
    """The --json object of one article."""
    return {
        "title": article.title,
        "subtitle": article.subtitle,
        "authors": list(article.authors),
        "kind": article.kind,
        "body": article.body,
        "sections": [
            {"heading": s.heading, "paragraphs": list(s.paragraphs)} for s in article.sections
        ],
        "digest": list(summary.digest),
        "keywords": list(summary.keywords),
        "topics": list(summary.topics),
        **category_fields(category),
    }


def category_fields(category: CategoryResult) -> dict[str, Any]:
    """The category keys of an output object: the Chinese name and the confidence."""
    return {"category": category.name_zh, "category_confidence": category.confidence}


def _print_article(
    article: Article, summary: Summary, category: CategoryResult, out: IO[str]
) -> None:
    head = article.title or "(untitled)"
    if article.subtitle:
        head += f" {article.subtitle}"
    out.write(f"## {head}\n")
    meta: list[str] = [article.kind]
    if article.authors:
        meta.append(" ".join(article.authors))
    out.write(f"   [{' | '.join(meta)}]\n")
    out.write(f"   category: {category.name_zh} ({category.confidence:.2f})\n")
    for sentence in summary.digest:
        out.write(f"   - {sentence}\n")
    out.write(f"   keywords: {', '.join(summary.keywords) or '-'}\n")
    if summary.topics:
        out.write(f"   topics: {', '.join(summary.topics)}\n")
    out.write("\n")


def _error(where: str, message: str) -> None:
    sys.stderr.write(f"{_PROG}: {where}: {message}\n")


def run_files(
    paths: Sequence[str],
    args: argparse.Namespace,
    summarizer: Summarizer,
    categories: CategoryModel,
) -> int:
    """Digest each file; returns the number of files that failed."""
    failed = 0
    for name in paths:
        try:
            text = decode_text(Path(name).read_bytes())
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            _error(name, reason)
            failed += 1
            continue
        articles = split_page(text)
        if not articles:
            _error(name, "no text to digest")
            failed += 1
            continue
        if not args.json:
            sys.stdout.write(f"# {name}: {len(articles)} article(s)\n\n")
        for article in articles:
            summary = summarizer.summarize(article)
            category = categories.classify(article.title, article.body)
            if args.json:
                record = {"file": name, **article_record(article, summary, category)}
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                _print_article(article, summary, category, sys.stdout)
    return failed


def jsonl_line(raw: bytes, summarizer: Summarizer, categories: CategoryModel) -> dict[str, Any]:
    """The output object for one --jsonl input line; raises ValueError for a bad line."""
    if not raw.strip():
        raise ValueError("empty line")
    try:
        item = json.loads(decode_text(raw))
    except ValueError as exc:
        raise ValueError(f"invalid JSON ({exc})") from None
    if not isinstance(item, dict):
        raise ValueError("expected a JSON object")
    text, title = item.get("text"), item.get("title", "")
    if text is None and isinstance(title, str) and title.strip():
        text = ""  # a headline alone is classified on its title; its digest is empty
    if not isinstance(text, str):
        raise ValueError("'text' must be a string")
    if title is None:
        title = ""
    if not isinstance(title, str):
        raise ValueError("'title' must be a string")
    article = article_from_text(text, title=title)
    summary = summarizer.summarize(article)
    return {
        "id": item.get("id"),
        "title": article.title,
        "digest": list(summary.digest),
        "keywords": list(summary.keywords),
        "topics": list(summary.topics),
        **category_fields(categories.classify(article.title, article.body)),
    }


def run_jsonl(
    stream: IO[bytes], args: argparse.Namespace, summarizer: Summarizer, categories: CategoryModel
) -> int:
    """Digest each JSON line of ``stream`` in order; returns the number of lines that failed."""
    failed = 0
    stories = StoryGrouper() if args.stories else None
    for number, raw in enumerate(stream, start=1):
        try:
            record = jsonl_line(raw, summarizer, categories)
            if stories is not None:
                record["story"] = stories.story_of(number, record, json.loads(decode_text(raw)))
        except ValueError as exc:
            _error(f"line {number}", str(exc))
            record = {"id": _id_of(raw), "error": str(exc)}
            failed += 1
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return failed


def stdout_closed() -> None:
    """After a BrokenPipeError on stdout: point stdout at the null device, so that the
    interpreter's final flush does not fail again with a traceback on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout without a file descriptor: nothing to flush there
        pass


def _id_of(raw: bytes) -> Any:
    """The id of a line that failed, when it can still be read."""
    try:
        item = json.loads(raw.decode("utf-8", errors="replace"))
    except ValueError:
        return None
    return item.get("id") if isinstance(item, dict) else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.jsonl and not args.files:
        parser.error("give at least one FILE, or --jsonl to read JSON lines from stdin")
    if args.jsonl and args.files:
        parser.error("--jsonl reads stdin; do not give FILE arguments with it")
    if args.stories and not args.jsonl:
        parser.error("--stories works with --jsonl")
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8")
    # jieba announces its dictionary loading on stderr; keep stderr for our own errors.
    import jieba

    jieba.setLogLevel(logging.WARNING)
    try:
        topics = default_or_named_topics(args.topics)
    except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
        _error(str(args.topics or DEFAULT_TOPICS), f"cannot read topics: {exc}")
        return 2
    try:
        categories = CategoryModel().load()
    except CategoryModelError as exc:
        _error("categories", str(exc))
        return 2
    summarizer = Summarizer(
        topics=topics, max_chars=args.max_chars, max_sentences=args.max_sentences
    )
    try:
        if args.jsonl:
            failed = run_jsonl(sys.stdin.buffer, args, summarizer, categories)
        else:
            failed = run_files(args.files, args, summarizer, categories)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (e.g. piped into head); nothing more to say.
        stdout_closed()
        return 0
    except KeyboardInterrupt:
        return 130
    return 1 if failed else 0
