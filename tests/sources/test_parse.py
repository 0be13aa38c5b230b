"""Telling feeds from pages, reading feeds with feedparser and pages with trafilatura."""

from __future__ import annotations

import pytest

from bot.sources.errors import UnreadableContent
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
