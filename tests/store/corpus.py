"""Real Chinese test articles: the seed newspaper page, cut into articles and paragraphs."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path

from bot.store.records import NewArticle
from summaries import split_page
from summaries.tokens import search_tokens

REPO = Path(__file__).resolve().parents[2]
SEED_PAGE = REPO / "seeds" / "000_a9c33694dae72277.txt"


@cache
def seed_text() -> str:
    """The seed page."""
    return SEED_PAGE.read_text(encoding="utf-8")


@cache
def seed_paragraphs() -> tuple[str, ...]:
    """Long lines of the seed page (paragraph text), in page order."""
    return tuple(line.strip() for line in seed_text().splitlines() if len(line.strip()) > 40)


@cache
def seed_headings() -> tuple[str, ...]:
    """Short unpunctuated lines of the seed page (titles and section headings)."""
    lines = (line.strip() for line in seed_text().splitlines())
    return tuple(line for line in lines if 4 <= len(line) <= 24 and "，" not in line)


def make_article(
    title: str,
    body: str,
    *,
    digest: tuple[str, ...] = (),
    topics: tuple[str, ...] = (),
    url: str | None = None,
    published_at: datetime | None = None,
    source: str = "test",
    fingerprint: int | None = None,
) -> NewArticle:
    """A NewArticle whose content hash is derived from its title and body."""
    content_hash = hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()
    return NewArticle(
        title=title,
        body=body,
        digest=digest or (body.split("。")[0] + "。",),
        keywords=(),
        topics=topics,
        source=source,
        content_hash=content_hash,
        url=url,
        published_at=published_at,
        fingerprint=fingerprint,
        title_tokens=tuple(search_tokens(title)),
        body_tokens=tuple(search_tokens(body)),
    )


def seed_articles() -> list[NewArticle]:
    """The seed page's articles, as the page splitter recovers them."""
    out = []
    for index, article in enumerate(split_page(seed_text())):
        out.append(
            make_article(
                article.title or f"图片 {index}",
                article.body,
                url=f"https://example.org/seed/{index}",
            )
        )
    return out
