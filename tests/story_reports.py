"""Short reports written for these tests: one event told by three outlets in their own words,
and another event in the same city on the same day. Written here, not taken from any corpus."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from functools import cache

from bot.store.records import NewArticle
from summaries import Summarizer
from summaries.model import Article
from summaries.story_signature import StorySigner
from summaries.tokens import search_tokens

# (title, body) of each report; the keys name the event and the outlet.
REPORTS: dict[str, tuple[str, str]] = {
    "honour_daily": (
        "漯河市市场监管局保留全国文明单位称号",
        "记者从漯河市市场监督管理局获悉，经复查确认，该局继续保留全国文明单位荣誉称号。"
        "近年来，该局坚持“党建带创建、创建促党建”，把精神文明创建列为“一把手工程”，"
        "成立文明创建办公室，下设8个专业小组。局党组书记、局长担任文明创建领导小组组长，"
        "定期听取创建工作汇报。",
    ),
    "honour_evening": (
        "复查通过 漯河市场监管局继续保留“全国文明单位”荣誉",
        "日前，全国文明单位复查结果公布，河南省漯河市市场监督管理局顺利通过复查，"
        "继续保留全国文明单位称号。据介绍，该局将文明创建作为“一把手工程”来抓，"
        "由党组书记、局长牵头成立领导小组，设立文明创建办公室和8个专业小组，"
        "推动机关党建与文明创建融合发展。",
    ),
    "honour_radio": (
        "漯河市场监管局再获全国文明单位荣誉称号",
        "近日，经中央文明委复查确认，漯河市市场监督管理局继续保留全国文明单位荣誉称号。"
        "该局以党建引领文明创建，把创建工作作为“一把手工程”，形成党建与创建双向提升的格局。",
    ),
    "food_check": (
        "漯河开展节前食品安全专项检查 3家经营户被责令整改",
        "春节临近，漯河市市场监督管理局组织执法人员深入全市各大商超、农贸市场，"
        "开展节前食品安全专项检查。检查人员重点查看了肉类、速冻食品和酒类的进货查验记录，"
        "对3家未落实索证索票制度的经营户当场下达责令整改通知书。",
    ),
}


@cache
def _signer() -> StorySigner:
    return StorySigner()


@cache
def _summarizer() -> Summarizer:
    return Summarizer(max_chars=120, max_sentences=2)


def report(key: str, *, source: str, published: datetime, url: str | None = None) -> NewArticle:
    """The report as the ingest pipeline would store it: digest, tokens and story signature."""
    title, body = REPORTS[key]
    summary = _summarizer().summarize(Article(title=title, paragraphs=(body,)))
    signature = _signer().sign(title, body, published)
    return NewArticle(
        title=title,
        body=body,
        digest=summary.digest,
        keywords=summary.keywords,
        topics=summary.topics,
        source=source,
        content_hash=hashlib.sha256(f"{title}\n{body}".encode()).hexdigest(),
        url=url or f"https://{source}/{key}.html",
        published_at=published,
        story_signature=json.dumps(signature.to_json(), ensure_ascii=False),
        title_tokens=tuple(search_tokens(title)),
        body_tokens=tuple(search_tokens(body)),
    )
