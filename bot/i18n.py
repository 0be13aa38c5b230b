"""What the bot says, in Chinese (the default) and English.

Templates are trusted Telegram HTML; ``text`` escapes every value put into them, so user and
article text can never break a message. ``plain`` is for places without parse mode (callback
answers, inline result titles).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import time
from typing import Final

from bot.feed_texts import FEED_EN, FEED_ZH
from bot.target_texts import TARGET_EN, TARGET_ZH
from summaries.model import Topic
from summaries.taxonomy import Category

LANGUAGES: Final = ("zh", "en")


def language_for(code: str | None) -> str:
    """The bot language for a Telegram language_code: English for en*, else Chinese."""
    return "en" if (code or "").lower().startswith("en") else "zh"


def topic_name(topic: Topic, language: str) -> str:
    """A topic's name in the chat's language."""
    return topic.name_en if language == "en" else topic.name_zh


def category_name(category: Category, language: str) -> str:
    """A news category's name in the chat's language."""
    return category.name_en if language == "en" else category.name_zh


_ZH: dict[str, str] = {
    "start": (
        "你好，我是<b>文摘</b>：每天为你摘录中文新闻的要点。\n\n"
        "• 点下面的新闻分类或主题订阅，或发送 /subscribe 关键词 订阅任意词语\n"
        "• 直接发一个词就能搜索新闻，例如：志愿服务\n"
        "• 每天 {time}（{timezone}）推送摘要，可用 /settime 和 /timezone 修改\n\n"
        "全部命令见 /help"
    ),
    "help": (
        "<b>文摘 使用说明</b>\n\n"
        "/topics 选择新闻分类和主题（✅ 表示已订阅）\n"
        "/subscribe 分类、主题或关键词 订阅（与分类名完全相同时订阅整个分类，"
        "例如 /subscribe 体育；其他词语按关键词订阅）\n"
        "/unsubscribe 分类、主题或关键词 取消订阅\n"
        "/subscribe 新能源+电池 必含词：只收录同时提到这几个词的新闻\n"
        "/exclude 词 排除词：含有它的新闻不进摘要（可一次写几个，用空格或逗号隔开）\n"
        "/include 词 取消排除\n"
        "/mysubs 我的订阅和排除词\n"
        "/search 关键词 搜索新闻（私聊中直接发词语也可以）\n"
        "/digest 立即查看今天的摘要（预览，不影响每日推送）\n"
        "/settime HH:MM 设置每日推送时间；一天多次写多个，例如 /settime 08:00 20:00\n"
        "/timezone 时区 设置时区，例如 Asia/Shanghai、UTC+8、北京\n"
        "/pause 暂停推送　/resume 恢复推送\n"
        "/updates on|off 已推送过的事件有新来源报道时，是否再作为后续报道推送（默认关闭）\n"
        "/channel @频道名 为你管理的频道或群组推送摘要（也可转发一条频道消息）；"
        "/channel 列出已关联的频道　/unlink 取消关联\n"
        "在有话题的超级群组里，各话题中的命令只对该话题生效，各自推送。\n\n"
        "在任何聊天中输入 @{bot} 关键词 也能搜索。"
    ),
    "topics_title": (
        "选择你关注的新闻分类（第一页）和细分主题（后面几页），点按即可订阅或取消（✅ 已订阅）："
    ),
    "topic_on": "已订阅：{name}",
    "topic_off": "已取消：{name}",
    "page_prev": "« 上一页",
    "page_next": "下一页 »",
    "subscribe_usage": "请在命令后写上主题或关键词，例如：/subscribe 乡村振兴",
    "unsubscribe_usage": "请在命令后写上要取消的主题或关键词，例如：/unsubscribe 乡村振兴",
    "subscribed_category": "已订阅新闻分类 <b>{name}</b>，每日摘要会包含这一类新闻。",
    "subscribed_topic": "已订阅主题 <b>{name}</b>，每日摘要会包含相关新闻。",
    "subscribed_keyword": "已订阅关键词 <b>{name}</b>，每日摘要会包含提到它的新闻。",
    "already_subscribed": "你已经订阅了 <b>{name}</b>。",
    "sub_limit": "订阅已达上限（{limit} 个）。请先用 /mysubs 删除一些再订阅。",
    "keyword_too_long": "关键词太长了：最多 {limit} 个字符。",
    "keyword_no_tokens": "“{name}”里没有可以搜索的文字，请换一个词。",
    "subscribed_required": "已订阅 <b>{name}</b>：每日摘要只收录同时提到这些词的新闻。",
    "required_bad": "“{name}”的写法不对：用 + 连接两个或更多词语，每个 + 两边都要有词，"
    "例如 /subscribe 新能源+电池。没有保存任何订阅。",
    "required_many": "一个订阅最多 {limit} 个必含词。没有保存任何订阅。",
    "exclude_usage": "请在命令后写上不想看到的词，可以一次写几个，用空格或逗号隔开，"
    "例如：/exclude 广告 促销",
    "excluded": "已排除 <b>{words}</b>：含有这些词的新闻不会出现在你的摘要中。"
    "用 /include 词 可以恢复。",
    "exclude_existing": "本来就已排除：{words}",
    "exclude_limit": "排除词最多 {limit} 个，你现在还能再加 {room} 个。这次的词一个也没有保存；"
    "请先用 /include 或 /mysubs 删除一些。",
    "exclude_no_tokens": "“{name}”只有符号，没有可以匹配的文字，不能作为排除词。"
    "这次的词一个也没有保存。",
    "exclude_too_long": "排除词“{name}”太长了：每个最多 {limit} 个字符。这次的词一个也没有保存。",
    "include_usage": "请在命令后写上要恢复的排除词，例如：/include 广告",
    "included": "已恢复 <b>{words}</b>，含有它们的新闻会重新出现在摘要中。",
    "include_missing": "这些词不在你的排除列表中：{words}。用 /mysubs 查看。",
    "unsubscribed": "已取消订阅 <b>{name}</b>。",
    "not_subscribed": "你没有订阅 <b>{name}</b>。用 /mysubs 查看你的订阅。",
    "mysubs_empty": "你还没有任何订阅。用 /topics 选择分类或主题，或 /subscribe 关键词。",
    "mysubs_title": "你的订阅（{count} 个），点按按钮即可删除：",
    "sub_topic_label": "主题",
    "sub_keyword_label": "关键词",
    "removed": "已删除：{name}",
    "search_usage": "请在命令后写上要搜索的词，例如：/search 志愿服务",
    "search_no_tokens": "“{query}”里没有可以搜索的文字（只有符号或运算符）。请输入中文或英文词语。",
    "search_no_hits": "没有找到与“{query}”有关的新闻。",
    "search_suggest": "可以试试：{words}",
    "search_suggest_none": "目前还没有可以搜索的文章。",
    "btn_suggest": "🔍 {word}",
    "too_fast": "你发得太快了，请稍等几秒再发。",
    "feed_add_usage": (
        "用法：/addfeed 订阅源网址（RSS 或 Atom），例如 /addfeed https://example.com/rss.xml"
    ),
    "feed_del_usage": "用法：/delfeed 订阅源网址",
    "feed_added": "已添加订阅源：{url}\n下一轮抓取（每 {minutes} 分钟）会读取它。",
    "feed_exists": "这个订阅源已经在列表中：{url}",
    "feed_refused": "无法添加 {url}：{reason}",
    "feed_removed": "已删除订阅源：{url}",
    "feed_removed_configured": (
        "已删除：{url}\n它在 FEEDS 配置中，下一轮抓取会重新加入；请同时修改配置。"
    ),
    "feed_missing": "列表中没有这个订阅源：{url}",
    "feeds_empty": "还没有订阅源。用 /addfeed 网址 添加，或在 FEEDS 中配置。",
    "feeds_title": "<b>订阅源（{count}）</b>",
    "feed_ok": "正常",
    "feed_never": "尚未抓取",
    "feed_failing": "⚠️ 连续失败 {failures} 次：{error}",
    "feed_errors": "最近失败 {failures} 次：{error}",
    "feed_config": "（配置）",
    "feed_last_ok": "上次成功 {when}",
    "search_header": "🔍 “{query}”：共 {total} 篇，第 {first}–{last} 篇",
    "search_header_estimate": "🔍 “{query}”：约 {total} 篇，第 {first}–{last} 篇",
    "btn_next": "下一页 »",
    "btn_full": "全文 {n}",
    "btn_sub_word": "订阅“{word}”",
    "search_expired": "这次搜索已过期，请重新搜索。",
    "article_gone": "这篇文章已不存在。",
    "digest_empty": "目前没有符合你订阅的新文章。用 /topics 或 /subscribe 添加订阅。",
    "digest_note": "（这是预览：不会计入每日推送，也不影响它。）",
    "digest_header": "文摘 · {date}",
    "story_others": "另有 {count} 家来源：",
    "story_update": "🔄 后续报道：",
    "updates_usage": (
        "用 /updates on 开启、/updates off 关闭：开启后，已推送过的事件有新的来源报道时，"
        "会以“后续报道”再推送一次，只列出新来源。"
    ),
    "updates_state_on": "后续报道：<b>已开启</b>。",
    "updates_state_off": "后续报道：<b>已关闭</b>（每个事件只推送一次）。",
    "updates_on": "好的，已开启后续报道：已推送过的事件有新来源报道时会再推送，只列出新来源。",
    "updates_off": "好的，已关闭后续报道：每个事件只推送一次。",
    "updates_bad": "“{value}”不是有效的选项。请用 /updates on 或 /updates off。",
    "digest_next": "下一页 ▶",
    "digest_page": "第 {page} 页",
    "digest_page_gone": "没有更多了：这一页的内容已不在预览里（可能已推送过）。",
    "other_topic": "其他",
    "read_original": "阅读原文",
    "settime_usage": (
        "请写上时间（24 小时制），例如：/settime 07:30。"
        "一天最多推送 {limit} 次，写多个时间即可，例如：/settime 08:00 20:00"
    ),
    "settime_bad": "“{value}”不是有效的时间。请用 24 小时制 HH:MM，例如 07:30 或 21:05。",
    "settime_ok": "好的，每天 <b>{time}</b>（{timezone}）推送摘要。",
    "settime_ok_many": (
        "好的，每天 <b>{times}</b>（{timezone}）各推送一次摘要，每次只含上一次推送之后的新文章。"
    ),
    "settime_duplicate": "{time} 写了两次，每个时间只写一次即可。推送时间没有改变。",
    "settime_too_many": "一天最多推送 {limit} 次，你写了 {count} 个时间。推送时间没有改变。",
    "tz_usage": "请写上时区，例如：/timezone Asia/Shanghai、/timezone UTC+8、/timezone 北京",
    "tz_bad": (
        "无法识别时区“{value}”。可以用 Asia/Shanghai 这样的名称、UTC+8 这样的偏移，或城市名。"
    ),
    "tz_ok": "时区已设为 <b>{zone}</b>（理解为：{understood}），当地时间现在是 {now}。",
    "paused": "已暂停每日推送。用 /resume 恢复。",
    "already_paused": "每日推送本来就是暂停的。用 /resume 恢复。",
    "resumed": "已恢复每日推送，每天 {time}（{timezone}）。",
    "already_active": "每日推送没有暂停，每天 {time}（{timezone}）。",
    "stats": (
        "<b>统计</b>\n聊天：{chats}（活跃 {active}）\n文章：{articles}\n"
        "关键词订阅：{keywords}\n今日推送：{deliveries}\n\n<b>各分类订阅</b>\n{categories}\n\n"
        "<b>各主题订阅</b>\n{topics}"
    ),
    "ingest_usage": "用法：/ingest 路径或网址",
    "ingest_result": "新增 {added} 篇，重复 {duplicates} 篇，拒绝 {refused} 个。",
    "ingest_refused": "拒绝：{source}：{reason}",
    "unknown_command": "我不认识这个命令。发送 /help 查看可用命令。",
    "error": "抱歉，出了点问题，请稍后再试。",
    "callback_stale": "这个按钮已过期，请重新发送命令。",
    "deep_link_unknown": "没有找到这个分类或主题。",
    "message_too_long": "消息太长了，请把搜索词控制在 {limit} 个字以内。",
    "inline_none": "没有找到相关新闻",
    "inline_none_text": "没有找到与“{query}”有关的新闻。",
    "cmd_start": "开始使用",
    "cmd_help": "使用说明",
    "cmd_topics": "选择分类和主题",
    "cmd_subscribe": "订阅分类、主题或关键词",
    "cmd_unsubscribe": "取消订阅",
    "cmd_mysubs": "我的订阅",
    "cmd_exclude": "排除含有某些词的新闻",
    "cmd_include": "取消排除",
    "cmd_search": "搜索新闻",
    "cmd_digest": "立即查看摘要",
    "cmd_settime": "设置推送时间 HH:MM",
    "cmd_timezone": "设置时区",
    "cmd_pause": "暂停推送",
    "cmd_resume": "恢复推送",
    "cmd_updates": "后续报道开关",
}

_EN: dict[str, str] = {
    "start": (
        "Hello, I am <b>wenzhai</b> (文摘): short digests of Chinese news, every day.\n\n"
        "• Tap a news category or topic below to subscribe, or send /subscribe WORD to follow "
        "any word\n"
        "• Send me a word to search the news, e.g. 志愿服务\n"
        "• Your digest comes daily at {time} ({timezone}); change it with /settime and /timezone"
        "\n\nAll commands: /help"
    ),
    "help": (
        "<b>How to use wenzhai</b>\n\n"
        "/topics choose news categories and topics (✅ = subscribed)\n"
        "/subscribe CATEGORY, TOPIC or WORD subscribe (a category's exact name follows the "
        "whole category, e.g. /subscribe sports or /subscribe 体育; other words are keywords)\n"
        "/unsubscribe CATEGORY, TOPIC or WORD unsubscribe\n"
        "/subscribe 新能源+电池 required words: only articles that mention all of them\n"
        "/exclude WORD excluded word: articles that contain it stay out of your digest "
        "(several words at once, separated by spaces or commas)\n"
        "/include WORD stop excluding it\n"
        "/mysubs your subscriptions and excluded words\n"
        "/search WORDS search the news (in a private chat just send the words)\n"
        "/digest your digest now (a preview; the daily push is not affected)\n"
        "/settime HH:MM daily push time; several for more digests, e.g. /settime 08:00 20:00\n"
        "/timezone ZONE time zone, e.g. Asia/Shanghai, UTC+8, Beijing\n"
        "/pause stop the daily push, /resume start it again\n"
        "/updates on|off whether a story already pushed comes again, as an update, when new "
        "sources report it (off by default)\n"
        "/channel @NAME push digests to a channel or group you administer (or forward one of "
        "its posts); /channel lists linked ones, /unlink removes one\n"
        "In a supergroup with topics, commands sent in a topic act on that topic, which gets "
        "its own digest.\n\n"
        "In any chat, type @{bot} WORDS to search."
    ),
    "topics_title": "Choose news categories (first page) and finer topics (the pages after); "
    "tap to subscribe or unsubscribe (✅ = subscribed):",
    "topic_on": "Subscribed: {name}",
    "topic_off": "Unsubscribed: {name}",
    "page_prev": "« Previous",
    "page_next": "Next »",
    "subscribe_usage": "Add a topic or a word after the command, e.g. /subscribe 乡村振兴",
    "unsubscribe_usage": "Add the topic or word to drop, e.g. /unsubscribe 乡村振兴",
    "subscribed_category": "Subscribed to the news category <b>{name}</b>; your digest will "
    "include it.",
    "subscribed_topic": "Subscribed to the topic <b>{name}</b>; your digest will include it.",
    "subscribed_keyword": "Subscribed to the word <b>{name}</b>; your digest will include "
    "articles that mention it.",
    "already_subscribed": "You are already subscribed to <b>{name}</b>.",
    "sub_limit": "You have reached the limit of {limit} subscriptions. Remove some with /mysubs "
    "first.",
    "keyword_too_long": "That word is too long: at most {limit} characters.",
    "keyword_no_tokens": "“{name}” has nothing searchable in it; please try another word.",
    "subscribed_required": "Subscribed to <b>{name}</b>; your digest will include articles "
    "that mention all of these words.",
    "required_bad": "“{name}” is not written right: join two or more words with +, with a word "
    "on both sides of each +, e.g. /subscribe 新能源+电池. Nothing was subscribed.",
    "required_many": "One subscription can require at most {limit} words. Nothing was subscribed.",
    "exclude_usage": "Add the words you do not want to see after the command, several at once "
    "separated by spaces or commas, e.g. /exclude 广告 promotion",
    "excluded": "Excluded <b>{words}</b>: articles that contain these words stay out of your "
    "digest. Undo with /include WORD.",
    "exclude_existing": "Already excluded: {words}",
    "exclude_limit": "You can exclude at most {limit} words; {room} more fit now. None of these "
    "words was saved; remove some first with /include or /mysubs.",
    "exclude_no_tokens": "“{name}” is only symbols, with nothing to match, so it cannot be "
    "excluded. None of these words was saved.",
    "exclude_too_long": "The excluded word “{name}” is too long: at most {limit} characters "
    "each. None of these words was saved.",
    "include_usage": "Add the excluded words to bring back, e.g. /include 广告",
    "included": "No longer excluded: <b>{words}</b>; articles with them come back to your digest.",
    "include_missing": "Not among your excluded words: {words}. See /mysubs.",
    "unsubscribed": "Unsubscribed from <b>{name}</b>.",
    "not_subscribed": "You are not subscribed to <b>{name}</b>. See /mysubs.",
    "mysubs_empty": "You have no subscriptions yet. Use /topics for categories and topics, or "
    "/subscribe WORD.",
    "mysubs_title": "Your subscriptions ({count}); tap a button to remove one:",
    "sub_topic_label": "topic",
    "sub_keyword_label": "word",
    "removed": "Removed: {name}",
    "search_usage": "Add the words to search for, e.g. /search 志愿服务",
    "search_no_tokens": "“{query}” has nothing searchable in it (only symbols or operators). "
    "Please send Chinese or English words.",
    "search_no_hits": "No articles found for “{query}”.",
    "search_suggest": "You could try: {words}",
    "search_suggest_none": "There are no articles to search yet.",
    "btn_suggest": "🔍 {word}",
    "too_fast": "You are sending messages too fast; please wait a few seconds.",
    "feed_add_usage": (
        "Usage: /addfeed URL of an RSS or Atom feed, e.g. /addfeed https://example.com/rss.xml"
    ),
    "feed_del_usage": "Usage: /delfeed URL",
    "feed_added": "Feed added: {url}\nIt is read in the next round (every {minutes} minutes).",
    "feed_exists": "This feed is already listed: {url}",
    "feed_refused": "Cannot add {url}: {reason}",
    "feed_removed": "Feed removed: {url}",
    "feed_removed_configured": (
        "Removed: {url}\nIt is in the FEEDS setting and comes back at the next round; "
        "change the setting too."
    ),
    "feed_missing": "No such feed in the list: {url}",
    "feeds_empty": "No feeds yet. Add one with /addfeed URL, or list them in FEEDS.",
    "feeds_title": "<b>Feeds ({count})</b>",
    "feed_ok": "ok",
    "feed_never": "not polled yet",
    "feed_failing": "⚠️ failed {failures} times in a row: {error}",
    "feed_errors": "failed {failures} times recently: {error}",
    "feed_config": " (setting)",
    "feed_last_ok": "last read {when}",
    "search_header": "🔍 “{query}”: {total} articles, {first}–{last}",
    "search_header_estimate": "🔍 “{query}”: about {total} articles, {first}–{last}",
    "btn_next": "Next »",
    "btn_full": "Full text {n}",
    "btn_sub_word": "Subscribe to “{word}”",
    "search_expired": "This search has expired; please search again.",
    "article_gone": "This article no longer exists.",
    "digest_empty": "No new articles match your subscriptions yet. Add some with /topics or "
    "/subscribe.",
    "digest_note": "(A preview: it does not count as, or change, your daily digest.)",
    "digest_header": "wenzhai digest · {date}",
    "story_others": "Also reported by {count} other sources: ",
    "story_update": "🔄 Update: ",
    "updates_usage": "Send /updates on to turn updates on, /updates off to turn them off: with "
    "updates on, a story already pushed comes again when new sources report it, listing only "
    "those sources.",
    "updates_state_on": "Story updates: <b>on</b>.",
    "updates_state_off": "Story updates: <b>off</b> (each story is pushed once).",
    "updates_on": "Done: story updates are on. A story already pushed comes again when new "
    "sources report it, listing only those.",
    "updates_off": "Done: story updates are off. Each story is pushed once.",
    "updates_bad": "“{value}” is not an option. Send /updates on or /updates off.",
    "digest_next": "Next page ▶",
    "digest_page": "Page {page}",
    "digest_page_gone": "Nothing more: that page is no longer in the preview (it may have been "
    "pushed already).",
    "other_topic": "Other",
    "read_original": "Read the original",
    "settime_usage": "Add a time (24-hour clock), e.g. /settime 07:30. For up to {limit} "
    "digests a day give several times, e.g. /settime 08:00 20:00",
    "settime_bad": "“{value}” is not a valid time. Use the 24-hour HH:MM form, e.g. 07:30 or "
    "21:05.",
    "settime_ok": "Done: your digest comes daily at <b>{time}</b> ({timezone}).",
    "settime_ok_many": "Done: a digest comes daily at each of <b>{times}</b> ({timezone}), "
    "each with what arrived since the one before.",
    "settime_duplicate": "{time} is there twice: give each time once. Your push times are "
    "unchanged.",
    "settime_too_many": "At most {limit} digests a day: you gave {count} times. Your push times "
    "are unchanged.",
    "tz_usage": "Add a time zone, e.g. /timezone Asia/Shanghai, /timezone UTC+8, /timezone Tokyo",
    "tz_bad": "I do not know the time zone “{value}”. Use a name like Asia/Shanghai, an offset "
    "like UTC+8, or a city.",
    "tz_ok": "Time zone set to <b>{zone}</b> (understood: {understood}); it is {now} there now.",
    "paused": "Daily digest paused. Send /resume to start it again.",
    "already_paused": "The daily digest is already paused. Send /resume to start it again.",
    "resumed": "Daily digest resumed: every day at {time} ({timezone}).",
    "already_active": "The daily digest is not paused: every day at {time} ({timezone}).",
    "stats": (
        "<b>Stats</b>\nChats: {chats} ({active} active)\nArticles: {articles}\n"
        "Keyword subscriptions: {keywords}\nDeliveries today: {deliveries}\n\n"
        "<b>Subscriptions per category</b>\n{categories}\n\n"
        "<b>Subscriptions per topic</b>\n{topics}"
    ),
    "ingest_usage": "Usage: /ingest PATH_OR_URL",
    "ingest_result": "Added {added}, duplicates {duplicates}, refused {refused}.",
    "ingest_refused": "Refused: {source}: {reason}",
    "unknown_command": "I do not know that command. Send /help for the list.",
    "error": "Sorry, something went wrong. Please try again later.",
    "callback_stale": "This button is out of date; please send the command again.",
    "deep_link_unknown": "That category or topic does not exist.",
    "message_too_long": "That is too long; please search with at most {limit} characters.",
    "inline_none": "No articles found",
    "inline_none_text": "No articles found for “{query}”.",
    "cmd_start": "Start",
    "cmd_help": "How to use the bot",
    "cmd_topics": "Choose categories and topics",
    "cmd_subscribe": "Subscribe to a category, topic or word",
    "cmd_unsubscribe": "Unsubscribe",
    "cmd_mysubs": "Your subscriptions",
    "cmd_exclude": "Leave out articles with a word",
    "cmd_include": "Stop excluding a word",
    "cmd_search": "Search the news",
    "cmd_digest": "Your digest now",
    "cmd_settime": "Daily push time HH:MM",
    "cmd_timezone": "Time zone",
    "cmd_pause": "Pause the daily digest",
    "cmd_resume": "Resume the daily digest",
    "cmd_updates": "Story updates on or off",
}

_ZH.update(FEED_ZH)
_EN.update(FEED_EN)
_ZH.update(TARGET_ZH)
_EN.update(TARGET_EN)
_TEXTS: Final = {"zh": _ZH, "en": _EN}


def _template(language: str, key: str) -> str:
    return _TEXTS.get(language, _ZH).get(key) or _ZH[key]


def text(language: str, key: str, **values: object) -> str:
    """The HTML message ``key`` in ``language`` with every value escaped."""
    escaped = {name: html.escape(str(value), quote=False) for name, value in values.items()}
    return _template(language, key).format(**escaped)


def time_list(language: str, times: Sequence[time]) -> str:
    """Digest times as the chat reads them: '08:00、20:00' or '08:00, 20:00'."""
    return ("、" if language == "zh" else ", ").join(t.strftime("%H:%M") for t in times)


def plain(language: str, key: str, **values: object) -> str:
    """The message ``key`` as plain text (no parse mode), values inserted as they are."""
    template = _template(language, key).replace("<b>", "").replace("</b>", "")
    return template.format(**values)
