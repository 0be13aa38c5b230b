"""File ingest: page dumps and plain articles (.txt) into the store, one transaction per file.

Each file is read as UTF-8 (a BOM is allowed), else GB18030; cut into articles by
``summaries.split_page`` (a file with no page structure is taken as one plain article);
summarized; and stored with one ``add_articles`` call, so a file that fails leaves nothing
behind and is reported as refused with its reason while the other files go on.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.config import Settings
from bot.store.api import Store
from bot.store.records import NewArticle
from summaries import Summarizer, article_from_text, decode_text, split_page
from summaries.model import Article, Topic
from summaries.similarity import simhash
from summaries.tokens import search_tokens

# Called after each file with (files done, files in all), e.g. to move a progress bar.
Progress = Callable[[int, int], None]

_SPACES = re.compile(r"\s+")
# A page dump is tens of kilobytes; a file far larger is not one, and reading it whole and
# summarizing it as one article would hold the run for minutes.
MAX_FILE_BYTES = 10 * 1024 * 1024


def describe_error(exc: BaseException) -> str:
    """The exception as one line for an operator: its type and the first line of its message."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


@dataclass
class IngestReport:
    """What an ingest did: articles added, articles already stored, sources refused and why."""

    added: int = 0
    duplicates: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)

    def merge(self, other: IngestReport) -> None:
        """Add another report's counts and refusals to this one."""
        self.added += other.added
        self.duplicates += other.duplicates
        self.refused.extend(other.refused)


def content_hash(title: str, body: str) -> str:
    """sha256 of the normalized title and body: the same article twice hashes the same."""

    def normal(text: str) -> str:
        return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()

    return hashlib.sha256(f"{normal(title)}\n{normal(body)}".encode()).hexdigest()


def prepare_article(
    article: Article,
    *,
    source: str,
    topics: Sequence[Topic],
    max_chars: int,
    max_sentences: int,
    url: str | None = None,
    published_at: datetime | None = None,
) -> NewArticle:
    """An article with its digest, keywords, topics, content hash and SimHash, ready to store."""
    summarizer = Summarizer(topics=topics, max_chars=max_chars, max_sentences=max_sentences)
    summary = summarizer.summarize(article)
    body = article.body
    return NewArticle(
        title=article.title,
        body=body,
        digest=summary.digest,
        keywords=summary.keywords,
        topics=summary.topics,
        source=source,
        content_hash=content_hash(article.title, body),
        subtitle=article.subtitle,
        authors=article.authors,
        kind=article.kind,
        url=url,
        published_at=published_at,
        fingerprint=simhash(search_tokens(body)),
    )


class RefusedFile(Exception):
    """A file that cannot be ingested; the message is the reason shown to the operator."""


def read_text(path: Path) -> str:
    """The file's text: UTF-8 (BOM allowed), else GB18030; RefusedFile when it is neither."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise RefusedFile(f"too large: {size} bytes (limit {MAX_FILE_BYTES})")
    try:
        return decode_text(path.read_bytes())
    except ValueError as exc:
        raise RefusedFile(str(exc)) from None


def articles_in(text: str) -> list[Article]:
    """The articles of a page dump, or the whole text as one plain article."""
    found = [a for a in split_page(text) if a.body.strip()]
    if found:
        return found
    plain = article_from_text(text)
    return [plain] if plain.body.strip() else []


def expand_paths(paths: Iterable[Path | str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to read (folders give their *.txt files, recursively, sorted) and missing paths."""
    files: list[Path] = []
    missing: list[tuple[str, str]] = []
    for raw in paths:
        # Path("") is the current folder: an empty argument (an unset shell variable) must not
        # quietly ingest every .txt below wherever the command was started.
        if not str(raw).strip():
            missing.append((repr(str(raw)), "empty path"))
            continue
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.txt") if p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            missing.append((str(raw), "no such file or folder"))
    return list(dict.fromkeys(files)), missing


def _prepare_file(
    path: Path, *, topics: Sequence[Topic], max_chars: int, max_sentences: int
) -> list[NewArticle]:
    try:
        text = read_text(path)
    except OSError as exc:
        raise RefusedFile(f"cannot read: {exc.strerror or exc}") from exc
    articles = articles_in(text)
    if not articles:
        raise RefusedFile("no article text found")
    return [
        prepare_article(
            a,
            source=path.as_posix(),
            topics=topics,
            max_chars=max_chars,
            max_sentences=max_sentences,
        )
        for a in articles
    ]


async def ingest_file(
    store: Store, path: Path, *, topics: Sequence[Topic], max_chars: int, max_sentences: int
) -> IngestReport:
    """One file in one transaction; any failure refuses the file and stores none of it."""
    try:
        # Summarizing is CPU work: a thread keeps a bot's event loop answering meanwhile.
        prepared = await asyncio.to_thread(
            _prepare_file, path, topics=topics, max_chars=max_chars, max_sentences=max_sentences
        )
        result = await store.add_articles(prepared)
    except RefusedFile as exc:
        return IngestReport(refused=[(str(path), str(exc))])
    except Exception as exc:  # the store rolled the file back; the reason goes to the report
        return IngestReport(refused=[(str(path), describe_error(exc))])
    return IngestReport(added=len(result.added), duplicates=result.duplicates)


async def ingest_paths(
    store: Store,
    paths: Sequence[Path | str],
    *,
    topics: Sequence[Topic],
    settings: Settings | None = None,
    max_chars: int | None = None,
    max_sentences: int | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Files and folders (*.txt, recursively) into the store; digest budget from settings."""
    chars = max_chars or (settings.digest_max_chars if settings else 150)
    sentences = max_sentences or (settings.digest_max_sentences if settings else 3)
    files, missing = await asyncio.to_thread(expand_paths, paths)
    report = IngestReport(refused=list(missing))
    for done, path in enumerate(files, start=1):
        report.merge(
            await ingest_file(store, path, topics=topics, max_chars=chars, max_sentences=sentences)
        )
        if progress is not None:
            progress(done, len(files))
    return report
