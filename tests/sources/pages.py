"""Fixtures built at test time from the seed page: real articles inside realistic HTML and feeds."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

from summaries.model import Article
from summaries.pages import split_page

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "seeds" / "000_a9c33694dae72277.txt"

# Boilerplate around the article; none of it may reach the store.
NAV = ["首页", "时政频道", "财经频道", "体育频道", "娱乐八卦", "客户端下载"]
AD = "【广告】限时特惠：新用户注册即送三百元购物券，点击立即领取！"
COMMENTS = ["网友甲：楼主说得太对了，已转发朋友圈。", "网友乙：沙发！求关注，互粉互赞。"]
FOOTER = "版权所有 某某新闻网 未经授权禁止转载 备案号：京ICP备00000000号"


@cache
def seed_articles() -> tuple[Article, ...]:
    """The full articles on the seed page (not briefs or captions)."""
    return tuple(a for a in split_page(SEED.read_text(encoding="utf-8")) if a.kind == "article")


def article_page(
    article: Article, *, charset: str = "utf-8", title: str | None = None, extra: str = ""
) -> str:
    """A news page: navigation, ads, the article (subtitle, byline, paragraphs), comments."""
    headline = title if title is not None else article.title
    nav = "".join(f'<li><a href="/c/{i}">{html.escape(n)}</a></li>' for i, n in enumerate(NAV))
    paragraphs = [article.subtitle] if article.subtitle else []
    paragraphs += list(article.paragraphs)
    if extra:
        paragraphs.append(extra)
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    comments = "".join(f'<li class="comment">{html.escape(c)}</li>' for c in COMMENTS)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head>
<meta charset="{charset}">
<title>{html.escape(headline)}_某某新闻网</title>
<meta name="author" content="{html.escape(" ".join(article.authors))}">
<meta property="article:published_time" content="2021-06-18T08:00:00+08:00">
<link rel="stylesheet" href="/static/site.css"><script>var tracker = {{id: 42}};</script>
</head><body>
<header><div class="logo">某某新闻网</div><nav><ul class="menu">{nav}</ul></nav></header>
<div class="ad banner">{html.escape(AD)}</div>
<main><article class="article-content">
<h1>{html.escape(headline)}</h1>
<div class="byline">作者：{html.escape(" ".join(article.authors))} 2021-06-18 08:00</div>
{body}
</article>
<aside class="ad sidebar"><p>{html.escape(AD)}</p></aside>
<section id="comments" class="comments"><h3>网友评论</h3><ul>{comments}</ul></section>
</main>
<footer><p>{html.escape(FOOTER)}</p></footer>
</body></html>"""


def rss_feed(items: list[tuple[str, str, str]], *, title: str = "某某新闻网 要闻") -> str:
    """RSS 2.0 whose items (title, link, short description) link to pages."""
    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{html.escape(link)}</link>"
        f"<description>{html.escape(d)}</description>"
        "<pubDate>Fri, 18 Jun 2021 00:00:00 GMT</pubDate></item>"
        for t, link, d in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{html.escape(title)}</title><link>http://news.example/</link>"
        f"<description>要闻</description>{entries}</channel></rss>"
    )


def atom_feed(entries: list[tuple[str, str, str]]) -> str:
    """Atom whose entries (title, link, article) carry the whole article as HTML content."""
    parts = []
    for number, (title, link, text) in enumerate(entries):
        content = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n"))
        parts.append(
            f"<entry><title>{html.escape(title)}</title>"
            f'<link rel="alternate" href="{html.escape(link)}"/>'
            f"<id>urn:wenzhai:test:{number}</id><updated>2021-06-18T00:00:00Z</updated>"
            f'<content type="html">{html.escape(content)}</content></entry>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>文明网 全文</title>'
        "<id>urn:wenzhai:test</id><updated>2021-06-18T00:00:00Z</updated>"
        + "".join(parts)
        + "</feed>"
    )
