"""What the bot says about feeds, the catalogue and OPML files, in Chinese and English.

Kept apart from bot.i18n (which merges them into its tables) so that the feed messages read
together; the same rules hold: trusted HTML templates, every value escaped by ``text``.
"""

from __future__ import annotations

from typing import Final

FEED_ZH: Final[dict[str, str]] = {
    "catalogue_title": (
        "<b>订阅源目录</b>：按类别浏览，点按条目即可为所有人启用或停用（✅ 已启用）。"
    ),
    "catalogue_category": "<b>{name}</b>：点按启用或停用（✅ 已启用，⛔ 因长期失败已停用）。",
    "catalogue_empty": "订阅源目录是空的。",
    "catalogue_back": "« 返回类别",
    "catalogue_on": "已启用：{name}",
    "catalogue_off": "已停用：{name}",
    "catalogue_needs_rsshub": "{name} 需要 RSSHub 实例：请先设置 RSSHUB_BASE_URL。",
    "subscribed_feed": "已订阅订阅源 <b>{name}</b>，它的新文章会进入每日摘要。",
    "feed_already_followed": "你已经订阅了这个订阅源：<b>{name}</b>。",
    "feed_limit": "订阅源已达上限（{limit} 个）。请先用 /mysubs 删除一些。",
    "feed_sub_refused": "无法订阅 {url}：{reason}",
    "feeds_admin_only": "这个机器人只允许管理员管理订阅源。",
    "feed_unfollowed": "已取消订阅订阅源 <b>{name}</b>。",
    "feed_not_followed": "你没有订阅这个订阅源：{url}",
    "export_empty": "这个聊天还没有订阅源，没有可导出的内容。",
    "export_caption": "本聊天的订阅源（{count} 个），OPML 格式，可导入任何阅读器。",
    "opml_refused": "无法导入这个文件：{reason}",
    "opml_result": "导入 OPML：新增 {added} 个，已存在 {existing} 个，拒绝 {refused} 个。",
    "opml_refused_item": "拒绝：{url}：{reason}",
    "opml_more": "……另有 {count} 条未列出。",
    "opml_not_opml": "请发送扩展名为 .opml 的文件来导入订阅源。",
    "feed_stale": "💤 长期未更新",
    "feed_disabled": "⛔ 已停用（长期失败）",
    "feed_health_line": "近 7 天 {items} 篇 · 每 {interval} 抓取 · {followers} 个聊天订阅",
    "cmd_export": "导出订阅源（OPML）",
}

FEED_EN: Final[dict[str, str]] = {
    "catalogue_title": "<b>Feed catalogue</b>: browse by category; tap an entry to turn it on or "
    "off for everyone (✅ on).",
    "catalogue_category": "<b>{name}</b>: tap to turn on or off (✅ on, ⛔ disabled for failing).",
    "catalogue_empty": "The feed catalogue is empty.",
    "catalogue_back": "« Categories",
    "catalogue_on": "On: {name}",
    "catalogue_off": "Off: {name}",
    "catalogue_needs_rsshub": "{name} needs an RSSHub instance: set RSSHUB_BASE_URL first.",
    "subscribed_feed": "Subscribed to the feed <b>{name}</b>: its new articles go into your "
    "daily digest.",
    "feed_already_followed": "You already follow this feed: <b>{name}</b>.",
    "feed_limit": "You follow the most feeds allowed ({limit}). Remove some with /mysubs first.",
    "feed_sub_refused": "Cannot subscribe to {url}: {reason}",
    "feeds_admin_only": "On this bot only admins manage feeds.",
    "feed_unfollowed": "Unsubscribed from the feed <b>{name}</b>.",
    "feed_not_followed": "You do not follow this feed: {url}",
    "export_empty": "This chat follows no feeds yet: nothing to export.",
    "export_caption": "This chat's feeds ({count}) as OPML, for any feed reader.",
    "opml_refused": "Cannot import this file: {reason}",
    "opml_result": "OPML import: {added} added, {existing} already there, {refused} refused.",
    "opml_refused_item": "Refused: {url}: {reason}",
    "opml_more": "… and {count} more not listed.",
    "opml_not_opml": "Send a file ending in .opml to import feeds.",
    "feed_stale": "💤 not publishing",
    "feed_disabled": "⛔ disabled (failing for days)",
    "feed_health_line": "{items} in 7 days · every {interval} · {followers} chats",
    "cmd_export": "Export feeds (OPML)",
}
