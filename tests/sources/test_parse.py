"""Telling feeds from pages, reading feeds with feedparser and pages with trafilatura."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import feedparser
import pytest

from bot.sources.errors import UnreadableContent
from bot.sources.newest import DEFAULT_MAX_ENTRIES
from bot.sources.parse import FULL_CONTENT_CHARS, extract_page, looks_like_feed, parse_feed
from tests.sources.pages import AD, COMMENTS, NAV, article_page, atom_feed, rss_feed, seed_articles

RSS10 = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="http://news.example/"><title>t</title><link>http://news.example/</link>
<description>d</description></channel>
<item rdf:about="http://news.example/1"><title>{title}</title><link>http://news.example/1</link>
</item></rdf:RDF>"""

RSS091 = """<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
"http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>t</title><link>http://news.example/</link>
<description>d</description><language>zh-cn</language>
<item><title>{title}</title><link>http://news.example/2</link></item></channel></rss>"""


@pytest.mark.parametrize(
    ("body", "content_type", "feed"),
    [
        (b'<?xml version="1.0"?><rss version="2.0"></rss>', "text/html", True),
        (b"\xef\xbb\xbf  <!-- hi --><feed xmlns='http://www.w3.org/2005/Atom'/>", "", True),
        (b"<rdf:RDF></rdf:RDF>", "text/plain", True),
        (b"<!DOCTYPE html><html><body>x</body></html>", "text/html", False),
        (b"<!DOCTYPE html><html><body>x</body></html>", "application/xml", False),
        (b"anything", "application/rss+xml; charset=utf-8", True),
    ],
)
def test_feed_or_page_by_type_and_body(body: bytes, content_type: str, feed: bool) -> None:
    assert looks_like_feed(body, content_type) is feed


@pytest.mark.parametrize("template", [RSS10, RSS091])
def test_rss_10_and_091_entries(template: str) -> None:
    title = seed_articles()[1].title
    entries = parse_feed(template.format(title=title).encode("utf-8"), "application/xml")
    assert [e.title for e in entries] == [title]
    assert entries[0].link is not None and entries[0].link.startswith("http://news.example/")
    assert not entries[0].has_article  # no content: the link must be fetched


def test_atom_full_content_holds_the_article() -> None:
    article = seed_articles()[0]
    feed = atom_feed([(article.title, "http://news.example/a", article.body)])
    (entry,) = parse_feed(feed.encode("utf-8"), "application/atom+xml")
    assert entry.has_article and len(entry.text) >= FULL_CONTENT_CHARS
    assert entry.text.split("\n") == list(article.paragraphs)
    assert entry.published_at is not None and entry.published_at.year == 2021


def test_rss_teaser_is_not_the_article() -> None:
    article = seed_articles()[1]
    feed = rss_feed([(article.title, "http://news.example/b", article.paragraphs[0][:60])])
    (entry,) = parse_feed(feed.encode("utf-8"), "application/rss+xml")
    assert not entry.has_article and entry.link == "http://news.example/b"


def test_invalid_xml_is_refused_with_the_reason() -> None:
    broken = b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>x</titl></channel>'
    with pytest.raises(UnreadableContent, match=r"invalid XML: mismatched tag \(line 1"):
        parse_feed(broken, "application/rss+xml")


def test_page_main_text_without_boilerplate() -> None:
    article = seed_articles()[0]
    page = extract_page(article_page(article).encode("utf-8"), "text/html", "http://x.test/a")
    assert page.title == article.title
    for paragraph in article.paragraphs:
        assert paragraph in page.text
    for junk in [*NAV, AD, *COMMENTS]:
        assert junk not in page.text
    assert page.published_at is not None and page.published_at.date().isoformat() == "2021-06-18"


def test_page_without_text_is_unreadable() -> None:
    with pytest.raises(UnreadableContent, match="no article text"):
        login = "<html><body><nav>首页 登录</nav><form>用户名 密码</form></body></html>"
        extract_page(login.encode("utf-8"), "text/html", "http://x.test/")


def test_relative_entry_links_resolve_against_the_feed_url() -> None:
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>a</title><link>/news/1.html</link></item>"
        "<item><title>b</title><link>2.html</link></item></channel></rss>"
    )
    entries = parse_feed(feed.encode(), "application/rss+xml", "https://news.example/rss/all.xml")
    assert [e.link for e in entries] == [
        "https://news.example/news/1.html",
        "https://news.example/rss/2.html",
    ]


NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def dated_rss(dates: list[str | None]) -> bytes:
    """RSS 2.0 with one item per date (None: no pubDate), titled from the seed page."""
    titles = [a.title for a in seed_articles()]
    items = "".join(
        f"<item><title>{titles[n % len(titles)]}</title><link>http://news.example/{n}</link>"
        + (f"<pubDate>{date}</pubDate>" if date else "")
        + "</item>"
        for n, date in enumerate(dates)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>要闻</title>'
        f"{items}</channel></rss>"
    ).encode()


def dated_atom(dates: list[str | None]) -> bytes:
    """Atom with one entry per date (None: no updated element)."""
    entries = "".join(
        f'<entry><title>第{n}条</title><link href="http://news.example/{n}"/>'
        f"<id>urn:n:{n}</id>" + (f"<updated>{date}</updated>" if date else "") + "</entry>"
        for n, date in enumerate(dates)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>要闻</title><id>urn:n</id>{entries}</feed>"
    ).encode()


BAD_DATES = ["0000-00-00T00:00:00Z", "9999-12-31T23:59:59Z", "昨天下午", "1970-01-01T00:00:00Z"]


@pytest.mark.parametrize("make", [dated_rss, dated_atom])
def test_bad_dates_become_unknown_and_the_other_entries_stay(make: Callable[..., bytes]) -> None:
    good = "2024-04-30T08:00:00Z"
    entries = parse_feed(make([BAD_DATES[0], good, *BAD_DATES[1:]]), "", now=NOW)
    links = [e.link for e in entries]
    # The dated entry first; the 9999 one no longer leads, the rest keep document order.
    assert links == [f"http://news.example/{n}" for n in (1, 0, 2, 3, 4)]
    assert entries[0].published_at == datetime(2024, 4, 30, 8, 0, tzinfo=UTC)
    assert [e.published_at for e in entries[1:]] == [None] * 4


def test_rss_date_in_the_zero_year_is_unknown() -> None:
    entries = parse_feed(dated_rss(["Mon, 00 Jan 0000 00:00:00 GMT"]), "", now=NOW)
    assert [(e.link, e.published_at) for e in entries] == [("http://news.example/0", None)]


@pytest.mark.parametrize(
    ("ahead", "kept"), [(timedelta(hours=20), True), (timedelta(days=3), False)]
)
def test_future_dates_past_a_day_of_skew_are_unknown(ahead: timedelta, kept: bool) -> None:
    when = NOW + ahead
    (entry,) = parse_feed(dated_rss([format_datetime(when, usegmt=True)]), "", now=NOW)
    assert entry.published_at == (when if kept else None)


def spread(count: int) -> list[str]:
    """``count`` distinct RFC 822 dates before NOW, in a scrambled order."""
    return [
        format_datetime(NOW - timedelta(minutes=1 + (n * 7919) % count), usegmt=True)
        for n in range(count)
    ]


@pytest.mark.parametrize("make", [dated_rss, dated_atom])
@pytest.mark.parametrize("total", [40, 400])  # feedparser directly; cut down before feedparser
def test_the_newest_entries_are_kept_then_the_undated_in_document_order(
    make: Callable[..., bytes], total: int
) -> None:
    dates: list[str | None] = list(spread(total // 4))
    dates += [None] * (total - len(dates))
    random.Random(7).shuffle(dates)
    entries = parse_feed(make(dates), "", max_entries=30, now=NOW)
    dated = sorted(
        ((parsedate_to_datetime(d), n) for n, d in enumerate(dates) if d),
        key=lambda r: -r[0].timestamp(),
    )
    undated = [n for n, d in enumerate(dates) if d is None]
    expected = ([n for _, n in dated] + undated)[:30]
    assert [e.link for e in entries] == [f"http://news.example/{n}" for n in expected]


def test_a_feed_of_100000_entries_reaches_feedparser_cut_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = dated_rss([None] * 99_990 + spread(10))
    assert len(body) > 3_000_000
    seen: list[int] = []
    real = feedparser.parse

    def counting(document: bytes, **kwargs: Any) -> Any:
        seen.append(document.count(b"<item>"))
        return real(document, **kwargs)

    monkeypatch.setattr(feedparser, "parse", counting)
    entries = parse_feed(body, "application/rss+xml", now=NOW)
    assert seen == [DEFAULT_MAX_ENTRIES]
    assert len(entries) == DEFAULT_MAX_ENTRIES
    # The ten dated entries lead (they sit at the very end of the document).
    assert {e.link for e in entries[:10]} == {
        f"http://news.example/{n}" for n in range(99_990, 100_000)
    }
    assert entries[10].link == "http://news.example/0"


def gbk_feed() -> tuple[str, bytes]:
    article = seed_articles()[0]
    feed = rss_feed([(article.title, "http://news.example/a", article.paragraphs[0][:80])])
    return article.title, feed.encode("gbk")  # the declaration still says utf-8


@pytest.mark.parametrize("content_type", ["application/rss+xml; charset=utf-8", "text/xml", ""])
def test_a_gbk_feed_declared_utf8_keeps_its_entries(content_type: str) -> None:
    title, body = gbk_feed()
    (entry,) = parse_feed(body, content_type)
    assert entry.title == title
    assert entry.text == seed_articles()[0].paragraphs[0][:80]


def test_a_feed_with_stray_invalid_bytes_still_parses() -> None:
    articles = seed_articles()
    feed = rss_feed(
        [(a.title, f"http://news.example/{n}", a.paragraphs[0]) for n, a in enumerate(articles)]
    )
    raw = feed.encode("utf-8")
    cut = raw.index(articles[1].title.encode()) - 20
    # A stray byte, a control character and a character cut in two, amid good UTF-8.
    damaged = raw[:cut] + b"\xff\x0b\xe6\x96" + raw[cut:]
    entries = parse_feed(damaged, "application/rss+xml")
    assert [e.title for e in entries] == [a.title for a in articles]


def test_a_page_with_stray_invalid_bytes_keeps_its_charset() -> None:
    article = seed_articles()[0]
    raw = article_page(article).encode("utf-8")
    cut = raw.index(article.paragraphs[1].encode())
    page = extract_page(raw[:cut] + b"\xff\xfe" + raw[cut:], "text/html", "http://x.test/a")
    for paragraph in article.paragraphs[2:]:
        assert paragraph in page.text
