"""OPML in and out: files shaped like common readers' exports, bad files refused whole with one
sentence, bad outlines refused one by one, and a round trip that keeps every feed."""

from __future__ import annotations

import pytest

from bot.sources.opml import (
    MAX_OPML_BYTES,
    MAX_OUTLINES,
    OpmlError,
    OpmlFeed,
    read_opml,
    write_opml,
)

# A flat OPML 1.0 list, as Telegram feed bots export it (type/text/title/xmlUrl, no folders).
FLAT_1_0 = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>RSS subscriptions</title></head>
  <body>
    <outline type="rss" text="36kr" title="36kr" xmlUrl="https://36kr.com/feed"/>
    <outline type="rss" text="IT home" title="IT home" xmlUrl="https://www.ithome.com/rss/"/>
  </body>
</opml>
"""

# Nested folders two deep, odd capitalisation of attributes and elements, no or odd types,
# a duplicate, as desktop readers write them.
NESTED = """<?xml version="1.0" encoding="utf-8"?>
<OPML VERSION="2.0">
  <HEAD><TITLE>我的订阅</TITLE></HEAD>
  <Body>
    <outline text="科技" title="科技">
      <outline text="少数派" XMLURL="https://sspai.com/feed" HTMLURL="https://sspai.com/"/>
      <outline text="深度">
        <outline type="atom" text="爱范儿" xmlurl="https://www.ifanr.com/feed"/>
      </outline>
    </outline>
    <outline title="World">
      <outline type="link" title="DW" xmlUrl="https://rss.dw.com/rdf/rss-chi-all"/>
      <outline text="36kr again" xmlUrl="https://36kr.com/feed"/>
    </outline>
    <outline text="港澳台">
      <outline text="公視" xmlUrl="https://news.pts.org.tw/xml/newsfeed.xml"/>
    </outline>
    <outline text="我的收藏">
      <outline text="某博客" xmlUrl="https://blog.example.cn/atom.xml"/>
    </outline>
    <outline text="36kr" xmlUrl="https://36kr.com/feed"/>
  </Body>
</OPML>
""".encode()

# OPML 2.0 categories instead of folders, an rsshub:// route, and addresses that are refused.
CATEGORIES_2_0 = """<?xml version="1.0"?>
<opml version="2.0">
  <head><title>Folo</title><dateCreated>Mon, 02 Nov 2026 08:00:00 GMT</dateCreated></head>
  <body>
    <outline type="rss" text="财新" xmlUrl="rsshub://caixin/latest" category="/财经"/>
    <outline type="rss" text="local" xmlUrl="file:///etc/passwd"/>
    <outline type="rss" text="js" xmlUrl="javascript:alert(1)"/>
    <outline type="rss" text="empty" xmlUrl=""/>
    <outline type="rss" text="sports" xmlUrl="https://www.chinanews.com.cn/rss/sports.xml"
             category="/News/Sports,/Other"/>
  </body>
</opml>
""".encode()


def test_a_flat_opml_1_0_list() -> None:
    document = read_opml(FLAT_1_0)
    assert document.title == "RSS subscriptions"
    assert [(f.url, f.title, f.category) for f in document.feeds] == [
        ("https://36kr.com/feed", "36kr", None),
        ("https://www.ithome.com/rss/", "IT home", None),
    ]
    assert document.refused == []


def test_nested_folders_in_any_capitalisation() -> None:
    document = read_opml(NESTED)
    assert document.title == "我的订阅"
    assert [(f.url, f.category) for f in document.feeds] == [
        ("https://sspai.com/feed", "tech"),
        # The nearest folder names the category; 深度 is not a news category: a free label.
        ("https://www.ifanr.com/feed", "深度"),
        ("https://rss.dw.com/rdf/rss-chi-all", "world"),
        ("https://36kr.com/feed", "world"),  # the first of the two, any type
        ("https://news.pts.org.tw/xml/newsfeed.xml", "hktw"),
        ("https://blog.example.cn/atom.xml", "我的收藏"),
    ]
    assert document.feeds[0].site_url == "https://sspai.com/"


def test_opml_2_0_categories_routes_and_refused_addresses() -> None:
    document = read_opml(CATEGORIES_2_0)
    assert [(f.url, f.category) for f in document.feeds] == [
        ("rsshub://caixin/latest", "finance"),
        ("https://www.chinanews.com.cn/rss/sports.xml", "sports"),
    ]
    assert document.refused == [
        ("file:///etc/passwd", "only http(s) and rsshub:// feeds are imported, not file:"),
        ("javascript:alert(1)", "only http(s) and rsshub:// feeds are imported, not javascript:"),
        ("empty", "the outline has an empty xmlUrl"),
    ]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<opml version="2.0"><body><outline text="&lol2;" xmlUrl="https://a.example/rss"/></body></opml>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&secret;" xmlUrl="https://a.example/rss"/></body></opml>
"""


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"this is not xml at all", "the file is not valid XML"),
        (b"<opml><body><outline xmlUrl='https://a.example/rss'></body></opml>", "not valid XML"),
        (b"<html><body>hello</body></html>", "is XML but not OPML (its root is <html>)"),
        (BILLION_LAUGHS, "declares a DTD or XML entities"),
        (EXTERNAL, "declares a DTD or XML entities"),
        (b"<opml version='2.0'><head/></opml>", "without a <body>"),
        (b"<opml version='2.0'><body><outline text='a folder'/></body></opml>", "holds no feeds"),
        (b" " * (20 * 1024 * 1024), "the file is 20.0 MB; an OPML file may hold at most 2.0 MB"),
        (
            b"<opml><body>"
            + b"".join(b'<outline xmlUrl="https://a.example/%d"/>' % n for n in range(10_000))
            + b"</body></opml>",
            f"the file has 10000 outlines; at most {MAX_OUTLINES} are read",
        ),
    ],
)
def test_bad_files_are_refused_whole_in_one_sentence(data: bytes, reason: str) -> None:
    with pytest.raises(OpmlError) as refused:
        read_opml(data)
    message = str(refused.value)
    assert reason in message and "\n" not in message and len(message) < 200


def test_the_size_limit_is_checked_before_parsing() -> None:
    assert MAX_OPML_BYTES < 20 * 1024 * 1024


def test_a_round_trip_keeps_every_feed_with_its_folder_and_site() -> None:
    feeds = [
        OpmlFeed("https://36kr.com/feed", "36氪", "https://36kr.com/", "tech"),
        OpmlFeed("https://www.ithome.com/rss/", "IT之家", None, "tech"),
        OpmlFeed("https://rss.dw.com/rdf/rss-chi-all", "德国之声中文", None, "world"),
        OpmlFeed("https://news.pts.org.tw/xml/newsfeed.xml", "公視新聞", None, "hktw"),
        OpmlFeed("https://blog.example.cn/atom.xml", "某博客 & <朋友>", None, "我的收藏"),
        OpmlFeed("https://no-folder.example/rss", "", None, None),
        OpmlFeed("rsshub://caixin/latest", "财新", None, "finance"),
    ]
    written = write_opml(feeds, title="文摘")
    assert written.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    text = written.decode()
    # One folder per category, named in Chinese; htmlUrl when known.
    assert text.count('<outline text="科技" title="科技">') == 1
    assert 'htmlUrl="https://36kr.com/"' in text
    back = read_opml(written)
    assert back.feeds == [OpmlFeed(f.url, f.title or f.url, f.site_url, f.category) for f in feeds]


def test_export_expands_routes_on_the_instance_without_a_key() -> None:
    feeds = [OpmlFeed("rsshub://caixin/latest?limit=5", "财新", None, "finance")]
    text = write_opml(feeds, title="t", rsshub_base="https://hub.example").decode()
    assert 'xmlUrl="https://hub.example/caixin/latest?limit=5"' in text
    assert "key=" not in text
