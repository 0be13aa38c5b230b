"""Telegram HTML: escaping, length as Telegram counts it, splitting, and the digest message.

Telegram refuses a whole message when its HTML does not parse, and counts the 4,096-character
limit in UTF-16 code units of the text left after tags and entities are parsed. Everything here
keeps to those rules, so callers can send what these functions return as it is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.i18n import category_name, text, topic_name
from bot.services.search import Suggestion
from bot.services.stories import StoryEntry, entries_from_articles
from bot.services.subscriptions import MAX_KEYWORD_CHARS
from bot.sources.health import FeedHealth, interval_text
from bot.sources.registry import FeedListing
from bot.store.records import REQUIRED_SEPARATOR, SearchResult, StoredArticle, StoreStats
from summaries.model import Topic
from summaries.pages import stand_in_title
from summaries.taxonomy import CATEGORIES, Category, category_by_name

MESSAGE_LIMIT = 4096
# Per entry of a list (a search page, a digest, an inline card): an article's title and passage
# are cut to these many characters, so one huge title never crowds the others out of a message.
TITLE_CHARS = 200
PASSAGE_CHARS = 400

_TOKEN = re.compile(r"<[^<>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);|[^<&]+|[<&]", re.S)
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)")
# Break preferences inside an over-long paragraph: line end, sentence end, then a space.
_SENTENCE_END = "。！？；!?;…"


def escape(value: str) -> str:
    """Escape text for Telegram HTML: the three characters Telegram requires, nothing else."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(value: str) -> str:
    """Escape a value for a double-quoted attribute such as href."""
    return escape(value).replace('"', "&quot;")


def utf16_len(value: str) -> int:
    """Length in UTF-16 code units (an emoji outside the BMP counts two)."""
    return len(value.encode("utf-16-le")) // 2


def clip(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters, with an ellipsis when something was cut."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def link(url: str, label_html: str) -> str:
    """An <a> element with an escaped url around a label that is already HTML."""
    return f'<a href="{escape_attr(url)}">{label_html}</a>'


@dataclass(frozen=True)
class _Atom:
    """One piece of HTML: a tag (no visible length) or text of some UTF-16 length."""

    raw: str
    units: int
    tag: str = ""  # element name for tags
    closing: bool = False
    visible: str = ""  # the parsed text, for text atoms


def _atoms(markup: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    for match in _TOKEN.finditer(markup):
        raw = match.group(0)
        if raw.startswith("<") and len(raw) > 1:
            name = _TAG_NAME.match(raw)
            atoms.append(
                _Atom(raw, 0, tag=(name.group(1).lower() if name else ""), closing=raw[1] == "/")
            )
        elif raw.startswith("&") and len(raw) > 1:
            visible = html.unescape(raw)
            atoms.append(_Atom(raw, utf16_len(visible), visible=visible))
        else:
            # Plain text is split into characters so a cut can fall between any two of them.
            atoms.extend(_Atom(ch, utf16_len(ch), visible=ch) for ch in raw)
    return atoms


def telegram_length(markup: str) -> int:
    """UTF-16 code units of the text Telegram sees once tags and entities are parsed."""
    return sum(atom.units for atom in _atoms(markup))


def _break_rank(atoms: Sequence[_Atom], index: int) -> int:
    """How good a cut just after atoms[index] is: 4 paragraph, 3 line, 2 sentence, 1 space."""
    here = atoms[index].visible
    if here == "\n":
        following = atoms[index - 1].visible if index > 0 else ""
        return 4 if following == "\n" else 3
    if here and here in _SENTENCE_END:
        return 2
    if here in (" ", "\t", "，", ",", "、"):
        return 1
    return 0


def split_message(markup: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split HTML into parts Telegram accepts, each at most ``limit`` UTF-16 units of text.

    Cuts fall on paragraph boundaries where possible (then lines, sentences, spaces), never
    inside a tag or an entity; elements open at a cut are closed there and reopened in the next
    part. Parts with no visible text are dropped.
    """
    atoms = _atoms(markup)
    parts: list[str] = []
    start = 0
    while start < len(atoms):
        units = 0
        end = start
        best_cut, best_rank = -1, -1
        while end < len(atoms) and units + atoms[end].units <= limit:
            units += atoms[end].units
            if atoms[end].units:
                rank = _break_rank(atoms, end)
                if rank >= best_rank:
                    best_cut, best_rank = end + 1, rank
            end += 1
        if end < len(atoms) and best_rank > 0:
            end = best_cut
        end = max(end, start + 1)
        # Closing tags right after the cut belong to this part, not to an empty one next.
        while end < len(atoms) and atoms[end].closing:
            end += 1
        _emit(parts, atoms, start, end)
        start = end
    return [part for part in parts if part]


def _open_stack(atoms: Sequence[_Atom], upto: int) -> list[_Atom]:
    stack: list[_Atom] = []
    for atom in atoms[:upto]:
        if atom.tag and not atom.closing:
            stack.append(atom)
        elif atom.tag and atom.closing:
            for i in range(len(stack) - 1, -1, -1):
                if stack[i].tag == atom.tag:
                    del stack[i]
                    break
    return stack


def _emit(parts: list[str], atoms: Sequence[_Atom], start: int, end: int) -> None:
    """Append atoms[start:end] as a self-contained part (reopened and closed elements)."""
    body = atoms[start:end]
    if not "".join(atom.visible for atom in body).strip():
        parts.append("")
        return
    opened = _open_stack(atoms, start)
    still_open = _open_stack(atoms, end)
    head = "".join(atom.raw for atom in opened)
    tail = "".join(f"</{atom.tag}>" for atom in reversed(still_open))
    parts.append((head + "".join(atom.raw for atom in body) + tail).strip())


# -- articles ---------------------------------------------------------------------------------


def article_date(article: StoredArticle) -> date:
    """The date shown for an article: published, else ingested."""
    when: datetime = article.published_at or article.ingested_at
    return when.date()


def article_category(article: StoredArticle) -> Category | None:
    """The article's stored news category, or None when it has none (not yet classified)."""
    if not article.category:
        return None
    found = category_by_name(article.category)
    return found if found is not None and found.slug == article.category else None


def _date_line(article: StoredArticle, language: str) -> str:
    """The date, and the category when the article has one: ``2025-01-05 · 体育``."""
    parts = [article_date(article).isoformat()]
    category = article_category(article)
    if category is not None:
        parts.append(escape(category_name(category, language)))
    return f"<i>{' · '.join(parts)}</i>"


def _topic_tags(article: StoredArticle, topics: Sequence[Topic], language: str) -> list[str]:
    """The fine topics as a tag line under the title (none when the article has none)."""
    known = {topic.slug: topic for topic in topics}
    names = [topic_name(known[s], language) for s in article.topics if s in known]
    if not names:
        return []
    separator = ", " if language == "en" else "、"
    return [f"<i>🏷 {escape(separator.join(names))}</i>"]


def _original_link(article: StoredArticle, language: str) -> list[str]:
    """The read-the-original link, for web addresses only (Telegram refuses other schemes)."""
    url = article.url or ""
    if not url.lower().startswith(("http://", "https://")):
        return []
    return [link(url, text(language, "read_original"))]


def title_of(article: StoredArticle) -> str:
    """The article's title, or one made from its text: a bold title is never empty."""
    if article.title.strip():
        return article.title
    text = article.digest[0] if article.digest else article.body
    return stand_in_title(text, photo=article.kind == "photo") or "…"


def _article_lines(
    article: StoredArticle,
    language: str,
    *,
    dated: bool,
    tags: Sequence[str] = (),
    label: str = "",
) -> list[str]:
    """Bold title (after ``label``, markup), (date and category), topic tags, digest and
    link of one article."""
    lines = [label + f"<b>{escape(clip(title_of(article), TITLE_CHARS))}</b>"]
    if dated:
        lines.append(_date_line(article, language))
    lines.extend(tags)
    digest = "".join(article.digest).strip()
    if digest:
        lines.append(escape(clip(digest, PASSAGE_CHARS)))
    return lines + _original_link(article, language)


SOURCE_CHARS = 40  # a source's name in a story's list of other sources
OTHER_SOURCES = 5  # other sources linked under an entry; the count names them all


def _source_label(article: StoredArticle) -> str:
    """An other source of a story: its name, linked to its report when that is a web address."""
    name = escape(clip(article.source, SOURCE_CHARS))
    url = article.url or ""
    return link(url, name) if url.lower().startswith(("http://", "https://")) else name


def story_others_line(entry: StoryEntry, language: str) -> list[str]:
    """ "另有 N 家来源：…" with a link to each other source's report (none for a lone report)."""
    if not entry.others:
        return []
    separator = ", " if language == "en" else "、"
    labels = separator.join(_source_label(a) for a in entry.others[:OTHER_SOURCES])
    more = separator + "…" if len(entry.others) > OTHER_SOURCES else ""
    return [text(language, "story_others", count=len(entry.others)) + labels + more]


def render_digest(
    articles: Sequence[StoredArticle],
    *,
    topics: Sequence[Topic],
    language: str,
    today: date | None = None,
    footer: str = "",
    updates: Collection[int] = (),
) -> list[str]:
    """The digest as message parts: one entry per story (``articles`` as
    bot.services.stories.flatten lays them out, best first), grouped by the news category of
    the story's representative (in the taxonomy's order; stories without one last), each with
    title, topic tags, digest, link and the other sources carrying the story. A story whose id
    is in ``updates`` was received before: its title is labelled as an update.

    ``footer`` (HTML) ends the last part; it is split with the rest, so no part goes over.
    """
    if not articles:
        return []
    day = today or date.today()
    groups: dict[str, list[StoryEntry]] = {}
    for entry in entries_from_articles(articles, updates):
        category = article_category(entry.representative)
        groups.setdefault(category.slug if category else "", []).append(entry)
    order = [category for category in CATEGORIES if category.slug in groups]
    blocks = [f"📰 <b>{text(language, 'digest_header', date=day.isoformat())}</b>"]
    for category in [*order, None]:
        members = groups.get(category.slug if category else "")
        if not members:
            continue
        if category is not None:
            heading = escape(category_name(category, language))
        else:
            heading = text(language, "other_topic")
        blocks.append(f"🗂 <b>{heading}</b>")
        blocks.extend(
            "\n".join(
                _article_lines(
                    e.representative,
                    language,
                    dated=False,
                    tags=_topic_tags(e.representative, topics, language),
                    label=text(language, "story_update") if e.update else "",
                )
                + story_others_line(e, language)
            )
            for e in members
        )
    if footer:
        blocks.append(footer)
    return split_message("\n\n".join(blocks))


def render_article(article: StoredArticle, *, language: str) -> list[str]:
    """The whole article as message parts: title, subtitle, byline, date, body, link."""
    head = [f"<b>{escape(title_of(article))}</b>"]
    if article.subtitle:
        head.append(f"<i>{escape(article.subtitle)}</i>")
    meta = [article_date(article).isoformat()]
    if article.authors:
        meta.append(" ".join(article.authors))
    head.append(escape(" · ".join(meta)))
    blocks = ["\n".join(head)]
    blocks.extend(escape(p) for p in article.body.split("\n") if p.strip())
    blocks.extend(_original_link(article, language))
    return split_message("\n\n".join(blocks))


def highlight(snippet: str, spans: Sequence[tuple[int, int]]) -> str:
    """Escape ``snippet`` and make the characters in ``spans`` bold (overlaps merged)."""
    cleaned = sorted((max(0, s), min(len(snippet), e)) for s, e in spans if e > s)
    merged: list[tuple[int, int]] = []
    for s, e in cleaned:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        elif s < len(snippet):
            merged.append((s, e))
    out: list[str] = []
    pos = 0
    for s, e in merged:
        out.append(escape(snippet[pos:s]))
        out.append(f"<b>{escape(snippet[s:e])}</b>")
        pos = e
    out.append(escape(snippet[pos:]))
    return "".join(out)


def render_search(
    query: str,
    result: SearchResult,
    *,
    first: int,
    language: str,
    others: Mapping[int, Sequence[StoredArticle]] | None = None,
) -> str:
    """A page of search hits: header, then bold title, date and marked snippet for each, and
    the other sources carrying its story (``others``, by the hit's article id)."""
    last = first + len(result.hits) - 1
    header = "search_header_estimate" if result.total_is_estimate else "search_header"
    blocks = [text(language, header, query=query, total=result.total, first=first, last=last)]
    for number, hit in enumerate(result.hits, start=first):
        article = hit.article
        if hit.snippet:
            snippet = clip(hit.snippet, PASSAGE_CHARS)
            passage = highlight(snippet, hit.highlights)
        else:
            passage = escape(clip("".join(article.digest), PASSAGE_CHARS))
        sources = story_others_line(
            StoryEntry(article, tuple((others or {}).get(article.id, ()))), language
        )
        blocks.append(
            "\n".join(
                [
                    f"<b>{number}. {escape(clip(title_of(article), TITLE_CHARS))}</b>",
                    _date_line(article, language),
                    passage,
                    *sources,
                ]
            )
        )
    # Entries are clipped, so a page of five always fits one message; the split only guards.
    return split_message("\n\n".join(blocks))[0]


def render_article_card(article: StoredArticle, *, language: str) -> str:
    """One article in one message: bold title, date and category, digest and link (inline)."""
    return split_message("\n".join(_article_lines(article, language, dated=True)))[0]


def suggestion_label(suggestion: Suggestion, *, topics: Sequence[Topic], language: str) -> str:
    """The Chinese words to search, with the topic's English name for an English reader."""
    topic = next((t for t in topics if t.slug == suggestion.topic), None)
    if topic is None or language != "en":
        return suggestion.query
    return f"{suggestion.query} ({topic.name_en})"


def render_no_hits(
    query: str, suggestions: Sequence[Suggestion], *, topics: Sequence[Topic], language: str
) -> str:
    """A search that found nothing: say so, and suggest searches that do find articles."""
    reply = text(language, "search_no_hits", query=query)
    if not suggestions:
        return reply + "\n" + text(language, "search_suggest_none")
    labels = [suggestion_label(s, topics=topics, language=language) for s in suggestions]
    separator = ", " if language == "en" else "、"
    return reply + "\n" + text(language, "search_suggest", words=separator.join(labels))


def subscription_label(kind: str, value: str, *, topics: Sequence[Topic], language: str) -> str:
    """How a subscription is named: the category's or topic's name, the keyword (long words
    cut), or the excluded word after 🚫."""
    if kind == "category":
        category = category_by_name(value)
        if category is not None and category.slug == value:
            return category_name(category, language)
    if kind == "topic":
        topic = next((t for t in topics if t.slug == value), None)
        if topic is not None:
            return topic_name(topic, language)
    # Required words are cut one by one, so that every word of 新能源 + 电池 shows.
    words = REQUIRED_SEPARATOR.join(
        clip(w, MAX_KEYWORD_CHARS + 1) for w in value.split(REQUIRED_SEPARATOR)
    )
    return f"🚫 {words}" if kind == "exclude" else words


def render_stats(stats: StoreStats, *, topics: Sequence[Topic], language: str) -> list[str]:
    """The /stats answer: counts, then subscriptions per category and per topic, most
    followed first (ties in taxonomy or topic-list order)."""
    names = {topic.slug: topic_name(topic, language) for topic in topics}
    by_count = sorted(stats.subscriptions_by_topic.items(), key=lambda item: -item[1])
    per_topic = "\n".join(f"{names.get(slug, slug)}: {count}" for slug, count in by_count)
    counted = stats.subscriptions_by_category
    followed = sorted(
        (c for c in CATEGORIES if counted.get(c.slug)), key=lambda c: -counted[c.slug]
    )
    per_category = "\n".join(f"{category_name(c, language)}: {counted[c.slug]}" for c in followed)
    reply = text(
        language,
        "stats",
        chats=stats.chats,
        active=stats.active_chats,
        articles=stats.articles,
        keywords=stats.keyword_subscriptions,
        deliveries=stats.deliveries_today,
        categories=per_category or "-",
        topics=per_topic or "-",
    )
    return split_message(reply)


def render_ingest(
    added: int, duplicates: int, refused: Sequence[tuple[str, str]], *, language: str
) -> list[str]:
    """The /ingest answer: counts, then the first refusals with their reasons."""
    lines = [
        text(language, "ingest_result", added=added, duplicates=duplicates, refused=len(refused))
    ]
    lines.extend(
        text(language, "ingest_refused", source=where, reason=why) for where, why in refused[:20]
    )
    return split_message("\n".join(lines))


def _feed_when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def render_feeds(listing: FeedListing, *, language: str) -> str:
    """The /feeds answer: one line per feed with its health."""
    if not listing.feeds:
        return text(language, "feeds_empty")
    lines = [text(language, "feeds_title", count=len(listing.feeds))]
    for number, feed in enumerate(listing.feeds, start=1):
        origin = text(language, "feed_config") if feed.url in listing.configured else ""
        error = feed.last_error or ""
        if feed.failing:
            state = text(language, "feed_failing", failures=feed.failures, error=error)
        elif feed.failures:
            state = text(language, "feed_errors", failures=feed.failures, error=error)
        elif feed.last_ok_at is not None:
            when = _feed_when(feed.last_ok_at)
            state = text(language, "feed_ok") + " · " + text(language, "feed_last_ok", when=when)
        else:
            state = text(language, "feed_never")
        name = f"{escape(feed.title)} " if feed.title else ""
        lines.append(f"{number}. {name}{escape(feed.url)}{origin}\n    {state}")
        if number <= len(listing.health):
            lines.append("    " + _health_line(listing.health[number - 1], language))
    return "\n".join(lines)


def _health_line(row: FeedHealth, language: str) -> str:
    """Items in 7 days, the interval in force, followers; disabled or stale when so."""
    line = text(
        language,
        "feed_health_line",
        items=row.recent_items,
        interval=interval_text(row.interval),
        followers=row.followers,
    )
    if row.state in ("disabled", "stale"):
        line = text(language, f"feed_{row.state}") + " · " + line
    return line
