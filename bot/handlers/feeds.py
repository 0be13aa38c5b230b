"""Admin commands for polled feeds: /addfeed URL, /delfeed URL, /feeds.

The handlers find the FeedRegistry in ``application.bot_data[FEED_REGISTRY_KEY]`` (put there
in post_init). They only match admins; anyone else falls through to the unknown-command answer.
"""

from __future__ import annotations

import html
from datetime import datetime

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from bot.handlers.replies import answer
from bot.i18n import language_for
from bot.sources.registry import FeedListing, FeedRegistry

FEED_REGISTRY_KEY = "feed_registry"

_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "add_usage": "用法：/addfeed 订阅源网址（RSS 或 Atom），例如 /addfeed https://example.com/rss.xml",
        "del_usage": "用法：/delfeed 订阅源网址",
        "added": "已添加订阅源：{url}\n下一轮抓取（每 {minutes} 分钟）会读取它。",
        "exists": "这个订阅源已经在列表中：{url}",
        "refused": "无法添加 {url}：{reason}",
        "removed": "已删除订阅源：{url}",
        "removed_configured": (
            "已删除：{url}\n它在 FEEDS 配置中，下一轮抓取会重新加入；请同时修改配置。"
        ),
        "missing": "列表中没有这个订阅源：{url}",
        "empty": "还没有订阅源。用 /addfeed 网址 添加，或在 FEEDS 中配置。",
        "title": "<b>订阅源（{count}）</b>",
        "ok": "正常",
        "never": "尚未抓取",
        "failing": "⚠️ 连续失败 {failures} 次：{error}",
        "errors": "最近失败 {failures} 次：{error}",
        "config": "（配置）",
        "last_ok": "上次成功 {when}",
    },
    "en": {
        "add_usage": "Usage: /addfeed URL of an RSS or Atom feed, e.g. /addfeed https://example.com/rss.xml",
        "del_usage": "Usage: /delfeed URL",
        "added": "Feed added: {url}\nIt is read in the next round (every {minutes} minutes).",
        "exists": "This feed is already listed: {url}",
        "refused": "Cannot add {url}: {reason}",
        "removed": "Feed removed: {url}",
        "removed_configured": (
            "Removed: {url}\nIt is in the FEEDS setting and comes back at the next round; "
            "change the setting too."
        ),
        "missing": "No such feed in the list: {url}",
        "empty": "No feeds yet. Add one with /addfeed URL, or list them in FEEDS.",
        "title": "<b>Feeds ({count})</b>",
        "ok": "ok",
        "never": "not polled yet",
        "failing": "⚠️ failed {failures} times in a row: {error}",
        "errors": "failed {failures} times recently: {error}",
        "config": " (setting)",
        "last_ok": "last read {when}",
    },
}


def _say(language: str, key: str, **values: object) -> str:
    """A reply template filled with HTML-escaped values."""
    escaped = {name: html.escape(str(value)) for name, value in values.items()}
    return _TEXT[language][key].format(**escaped)


def _language(update: Update) -> str:
    user = update.effective_user
    return language_for(user.language_code if user else None)


def _registry(context: ContextTypes.DEFAULT_TYPE) -> FeedRegistry:
    registry: FeedRegistry = context.application.bot_data[FEED_REGISTRY_KEY]
    return registry


async def _reply(update: Update, context: ContextTypes.DEFAULT_TYPE, markup: str) -> None:
    await answer(update, context.bot, markup)


async def add_feed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/addfeed URL: start polling a feed."""
    language = _language(update)
    if not context.args or update.effective_user is None:
        await _reply(update, context, _say(language, "add_usage"))
        return
    registry = _registry(context)
    outcome = await registry.add(context.args[0], added_by=update.effective_user.id)
    if outcome.status == "refused":
        reply = _say(language, "refused", url=outcome.url, reason=outcome.reason)
        await _reply(update, context, reply)
        return
    minutes = registry.poll_minutes
    key = "added" if outcome.status == "added" else "exists"
    await _reply(update, context, _say(language, key, url=outcome.url, minutes=minutes))


async def delete_feed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/delfeed URL: stop polling a feed."""
    language = _language(update)
    if not context.args:
        await _reply(update, context, _say(language, "del_usage"))
        return
    registry = _registry(context)
    url = context.args[0].strip()
    listing = await registry.listing()
    removed = await registry.remove(url)
    if not removed:
        key = "missing"
    elif url in listing.configured:
        key = "removed_configured"
    else:
        key = "removed"
    await _reply(update, context, _say(language, key, url=url))


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def render_feeds(listing: FeedListing, language: str) -> str:
    """The /feeds answer: one line per feed with its health."""
    if not listing.feeds:
        return _say(language, "empty")
    lines = [_say(language, "title", count=len(listing.feeds))]
    for number, feed in enumerate(listing.feeds, start=1):
        origin = _say(language, "config") if feed.url in listing.configured else ""
        if feed.failing:
            state = _say(language, "failing", failures=feed.failures, error=feed.last_error or "")
        elif feed.failures:
            state = _say(language, "errors", failures=feed.failures, error=feed.last_error or "")
        elif feed.last_ok_at is not None:
            state = (
                _say(language, "ok")
                + " · "
                + _say(language, "last_ok", when=_when(feed.last_ok_at))
            )
        else:
            state = _say(language, "never")
        lines.append(f"{number}. {html.escape(feed.url)}{origin}\n    {state}")
    return "\n".join(lines)


async def list_feeds(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/feeds: the polled feeds and their health."""
    listing = await _registry(context).listing()
    await _reply(update, context, render_feeds(listing, _language(update)))


FeedHandler = BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]


def feed_handlers(admin_ids: frozenset[int]) -> list[FeedHandler]:
    """Handlers for /addfeed, /delfeed and /feeds that only admins match."""
    admins = filters.User(user_id=list(admin_ids))
    return [
        CommandHandler("addfeed", add_feed, filters=admins),
        CommandHandler("delfeed", delete_feed, filters=admins),
        CommandHandler("feeds", list_feeds, filters=admins),
    ]
