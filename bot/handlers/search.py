"""Search: /search, plain text, group mentions, result buttons and inline mode."""

from __future__ import annotations

from telegram import (
    InlineQueryResultArticle,
    InputTextMessageContent,
    MessageEntity,
    Update,
)
from telegram.constants import ParseMode

from bot import callbacks
from bot.handlers.context import BotContext, chat_ref, user_language
from bot.handlers.keyboards import search_keyboard, suggestions_keyboard
from bot.handlers.replies import NO_PREVIEW, answer
from bot.handlers.subscriptions import subscribe_message
from bot.handlers.targets import target_ref
from bot.i18n import plain, text
from bot.render import (
    TITLE_CHARS,
    clip,
    render_article,
    render_article_card,
    render_no_hits,
    render_search,
)
from bot.services.search import MAX_QUERY_CHARS, SearchPage, clean_query


def _search_reply(page: SearchPage, language: str) -> str:
    result = page.result
    if result.reason is not None:
        return text(language, "search_no_tokens", query=page.query)
    return render_search(
        page.query, result, first=page.first, language=language, others=page.others
    )


async def _search(update: Update, context: BotContext, raw: str) -> None:
    """Search for ``raw`` and answer with the first page, or say why there is none."""
    language = chat_ref(update).language
    query = clean_query(raw)
    if not query:
        await answer(update, context.bot, text(language, "search_usage"))
        return
    if len(query) > MAX_QUERY_CHARS:
        await answer(update, context.bot, text(language, "message_too_long", limit=MAX_QUERY_CHARS))
        return
    services = context.services
    page = await services.search.search(query)
    if page.result.reason is None and not page.result.hits:
        found = await services.search.suggestions(query)
        reply = render_no_hits(query, found, topics=services.topics, language=language)
        markup = suggestions_keyboard(found, services.memo, language=language)
        await answer(update, context.bot, reply, markup=markup)
        return
    markup = None if page.result.reason else search_keyboard(page, services.memo, language=language)
    await answer(update, context.bot, _search_reply(page, language), markup=markup)


async def search_command(update: Update, context: BotContext) -> None:
    """/search WORDS."""
    await _search(update, context, " ".join(context.args or ()))


async def search_text(update: Update, context: BotContext) -> None:
    """A plain text message in a private chat is a search."""
    message = update.effective_message
    if message is not None and message.text is not None:
        await _search(update, context, message.text)


async def group_mention(update: Update, context: BotContext) -> None:
    """In a group, text that mentions the bot (or replies to it) is a search; else silence."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    handle = f"@{context.bot.username}".lower()
    mentions = message.parse_entities([MessageEntity.MENTION])
    addressed = any(value.lower() == handle for value in mentions.values())
    replied = message.reply_to_message is not None and (
        message.reply_to_message.from_user is not None
        and message.reply_to_message.from_user.id == context.bot.id
    )
    if not addressed and not replied:
        return
    words = message.text
    for value in mentions.values():
        if value.lower() == handle:
            words = words.replace(value, " ")
    await _search(update, context, words)


async def on_search_page(update: Update, context: BotContext, data: callbacks.SearchPage) -> None:
    """The next-page button: the page replaces the message's text and buttons."""
    language = chat_ref(update).language
    query = update.callback_query
    assert query is not None
    services = context.services
    words = services.memo.recall(data.query)
    if words is None:
        await query.answer(plain(language, "search_expired"), show_alert=True)
        return
    await query.answer()
    page = await services.search.search(words, page=data.page)
    if not page.result.hits:
        await query.edit_message_text(text(language, "search_no_hits", query=words))
        return
    await query.edit_message_text(
        _search_reply(page, language),
        reply_markup=search_keyboard(page, services.memo, language=language),
    )


async def on_full_article(update: Update, context: BotContext, data: callbacks.FullArticle) -> None:
    """The whole-article button: the article in as many messages as it needs."""
    language = chat_ref(update).language
    query = update.callback_query
    assert query is not None
    article = await context.services.search.article(data.article_id)
    if article is None:
        await query.answer(plain(language, "article_gone"))
        return
    await query.answer()
    await answer(update, context.bot, render_article(article, language=language))


async def on_subscribe_word(
    update: Update, context: BotContext, data: callbacks.SubscribeWord
) -> None:
    """The subscribe-to-this-word button."""
    chat = await target_ref(update, context)
    query = update.callback_query
    assert query is not None
    services = context.services
    words = services.memo.recall(data.query)
    if words is None:
        await query.answer(plain(chat.language, "search_expired"), show_alert=True)
        return
    outcome = await services.subscriptions.subscribe(chat, words)
    await query.answer()
    reply = subscribe_message(outcome, topics=services.topics, language=chat.language)
    await answer(update, context.bot, reply)


async def inline_search(update: Update, context: BotContext) -> None:
    """Inline mode: up to 20 articles for the query, the newest for an empty one."""
    inline = update.inline_query
    if inline is None:
        return
    language = user_language(update)
    articles = await context.services.search.inline(inline.query)
    results = [
        InlineQueryResultArticle(
            id=str(article.id),
            title=clip(article.title, TITLE_CHARS) or "…",
            description=clip("".join(article.digest), TITLE_CHARS),
            input_message_content=InputTextMessageContent(
                render_article_card(article, language=language),
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
            ),
        )
        for article in articles
    ]
    if not results and inline.query.strip():
        results.append(
            InlineQueryResultArticle(
                id="none",
                title=plain(language, "inline_none"),
                input_message_content=InputTextMessageContent(
                    text(language, "inline_none_text", query=inline.query.strip()[:200]),
                    parse_mode=ParseMode.HTML,
                ),
            )
        )
    await inline.answer(results, cache_time=30, is_personal=False)
