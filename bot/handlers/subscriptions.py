"""/topics (news categories, then topics), /subscribe, /unsubscribe, /exclude, /include, /mysubs
and their buttons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from telegram import InlineKeyboardMarkup, Update

from bot import callbacks
from bot.handlers.chat_feeds import subscribe_feed, unsubscribe_feed
from bot.handlers.context import BotContext
from bot.handlers.keyboards import (
    subscription_ref,
    subscriptions_keyboard,
    subscriptions_page,
    topics_keyboard,
)
from bot.handlers.replies import answer, edit_in_place
from bot.handlers.targets import managing_header, picker_rows, target_ref, with_rows
from bot.i18n import plain, text
from bot.render import clip, subscription_label
from bot.services.chat_feeds import looks_like_feed
from bot.services.chats import ChatRef
from bot.services.subscriptions import (
    MAX_EXCLUDED_WORDS,
    MAX_KEYWORD_CHARS,
    MAX_REQUIRED_WORDS,
    MAX_SUBSCRIPTIONS,
    ExcludeOutcome,
    IncludeOutcome,
    SubscribeOutcome,
    Target,
    UnsubscribeOutcome,
)
from bot.store.records import REQUIRED_SEPARATOR, Subscription
from summaries.model import Topic

_SUBSCRIBE_KEYS = {
    "exists": "already_subscribed",
    "limit": "sub_limit",
    "too_long": "keyword_too_long",
    "no_tokens": "keyword_no_tokens",
    "empty": "subscribe_usage",
    "required_bad": "required_bad",
    "required_many": "required_many",
}
_LIMITS = {"limit": MAX_SUBSCRIPTIONS, "required_many": MAX_REQUIRED_WORDS}


def _name(target: Target | None, topics: Sequence[Topic], language: str) -> str:
    if target is None:
        return ""
    return subscription_label(target.kind, target.value, topics=topics, language=language)


def subscribe_message(outcome: SubscribeOutcome, *, topics: Sequence[Topic], language: str) -> str:
    """What to say after a subscribe attempt."""
    target = outcome.target
    if outcome.status == "added" and target is not None:
        required = target.kind == "keyword" and REQUIRED_SEPARATOR in target.value
        key = "subscribed_required" if required else f"subscribed_{target.kind}"
    else:
        key = _SUBSCRIBE_KEYS.get(outcome.status, "subscribe_usage")
    limit = _LIMITS.get(outcome.status, MAX_KEYWORD_CHARS)
    return text(language, key, name=_name(target, topics, language), limit=limit)


def _words(words: Sequence[str], language: str) -> str:
    return (", " if language == "en" else "、").join(words)


def exclude_message(outcome: ExcludeOutcome, *, language: str) -> str:
    """What to say after /exclude."""
    if outcome.status in ("added", "exists"):
        said = []
        if outcome.added:
            said.append(text(language, "excluded", words=_words(outcome.added, language)))
        if outcome.existing:
            said.append(
                text(language, "exclude_existing", words=_words(outcome.existing, language))
            )
        return "\n".join(said)
    key = {
        "limit": "exclude_limit",
        "too_long": "exclude_too_long",
        "no_tokens": "exclude_no_tokens",
    }.get(outcome.status, "exclude_usage")
    limit = MAX_EXCLUDED_WORDS if outcome.status == "limit" else MAX_KEYWORD_CHARS
    return text(language, key, name=outcome.word, limit=limit, room=outcome.room)


def include_message(outcome: IncludeOutcome, *, language: str) -> str:
    """What to say after /include."""
    if outcome.status == "empty":
        return text(language, "include_usage")
    said = []
    if outcome.removed:
        said.append(text(language, "included", words=_words(outcome.removed, language)))
    if outcome.missing:
        said.append(text(language, "include_missing", words=_words(outcome.missing, language)))
    return "\n".join(said)


def unsubscribe_message(
    outcome: UnsubscribeOutcome, *, topics: Sequence[Topic], language: str
) -> str:
    """What to say after an unsubscribe attempt."""
    key = {"removed": "unsubscribed", "missing": "not_subscribed"}.get(
        outcome.status, "unsubscribe_usage"
    )
    return text(language, key, name=_name(outcome.target, topics, language))


def _labels(
    subscriptions: Sequence[Subscription],
    topics: Sequence[Topic],
    language: str,
    feed_titles: Mapping[str, str] | None = None,
) -> list[str]:
    titles = feed_titles or {}
    return [
        "📰 " + clip(titles.get(s.value, s.value), 40)
        if s.kind == "feed"
        else subscription_label(s.kind, s.value, topics=topics, language=language)
        for s in subscriptions
    ]


async def choices_keyboard(context: BotContext, chat: ChatRef, page: int) -> InlineKeyboardMarkup:
    """The /topics keyboard for this chat: categories, then topics, ✅ on followed ones."""
    service = context.services.subscriptions
    chosen = await service.chosen(chat)
    return topics_keyboard(
        service.categories, service.topics, chosen, page=page, language=chat.language
    )


async def _feed_titles(
    context: BotContext, subscriptions: Sequence[Subscription]
) -> dict[str, str]:
    urls = [s.value for s in subscriptions if s.kind == "feed"]
    return await context.services.chat_feeds.titles(urls) if urls else {}


async def topics(update: Update, context: BotContext) -> None:
    """The category and topic keyboard with ✅ on followed ones."""
    chat = await target_ref(update, context)
    markup = await choices_keyboard(context, chat, 0)
    await answer(update, context.bot, text(chat.language, "topics_title"), markup=markup)


def _names_feed(context: BotContext, subject: str) -> bool:
    """A feed address or route, or a catalogue entry that is not also a topic's name."""
    services = context.services
    if looks_like_feed(subject):
        return True
    target = services.subscriptions.resolve(subject)
    return (
        target is not None
        and target.kind != "topic"
        and bool(services.chat_feeds.catalogue_entry_name(subject))
    )


async def subscribe(update: Update, context: BotContext) -> None:
    """/subscribe TOPIC_OR_WORD, or a feed (URL, rsshub:// route, catalogue entry)."""
    chat = await target_ref(update, context)
    services = context.services
    subject = " ".join(context.args or ())
    if _names_feed(context, subject):
        await subscribe_feed(update, context, subject)
        return
    outcome = await services.subscriptions.subscribe(chat, subject)
    reply = subscribe_message(outcome, topics=services.topics, language=chat.language)
    await answer(update, context.bot, reply)


async def unsubscribe(update: Update, context: BotContext) -> None:
    """/unsubscribe TOPIC_OR_WORD, or a feed's address."""
    chat = await target_ref(update, context)
    services = context.services
    subject = " ".join(context.args or ())
    if looks_like_feed(subject):
        await unsubscribe_feed(update, context, subject)
        return
    outcome = await services.subscriptions.unsubscribe(chat, subject)
    reply = unsubscribe_message(outcome, topics=services.topics, language=chat.language)
    await answer(update, context.bot, reply)


async def exclude(update: Update, context: BotContext) -> None:
    """/exclude WORD [WORD...]: leave articles with any of these words out of the digest."""
    chat = await target_ref(update, context)
    outcome = await context.services.subscriptions.exclude(chat, " ".join(context.args or ()))
    await answer(update, context.bot, exclude_message(outcome, language=chat.language))


async def include(update: Update, context: BotContext) -> None:
    """/include WORD [WORD...]: stop excluding these words."""
    chat = await target_ref(update, context)
    outcome = await context.services.subscriptions.include(chat, " ".join(context.args or ()))
    await answer(update, context.bot, include_message(outcome, language=chat.language))


async def mysubs(update: Update, context: BotContext) -> None:
    """The chat's subscriptions with a remove button each."""
    chat = await target_ref(update, context)
    services = context.services
    subscriptions = await services.subscriptions.list(chat)
    # In a private chat that linked channels: which chat this is, and buttons to switch.
    header = await managing_header(update, context, chat)
    picker = await picker_rows(update, context, chat.id)
    if not subscriptions:
        empty = header + text(chat.language, "mysubs_empty")
        await answer(update, context.bot, empty, markup=with_rows(None, picker))
        return
    title, markup = await _mysubs_view(update, context, chat, subscriptions, 0)
    await answer(update, context.bot, title, markup=markup)


async def _mysubs_view(
    update: Update,
    context: BotContext,
    chat: ChatRef,
    subscriptions: Sequence[Subscription],
    page: int,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The /mysubs title and one page of its ❌ buttons, with the chat picker below."""
    titles = await _feed_titles(context, subscriptions)
    labels = _labels(subscriptions, context.services.topics, chat.language, titles)
    markup = subscriptions_keyboard(subscriptions, labels, page=page, language=chat.language)
    header = await managing_header(update, context, chat)
    picker = await picker_rows(update, context, chat.id)
    title = header + text(chat.language, "mysubs_title", count=len(subscriptions))
    return title, with_rows(markup, picker)


async def on_subscriptions_page(
    update: Update, context: BotContext, data: callbacks.SubscriptionsPage
) -> None:
    """Previous/next on the /mysubs list."""
    chat = await target_ref(update, context)
    query = update.callback_query
    assert query is not None
    await query.answer()
    subscriptions = await context.services.subscriptions.list(chat)
    if not subscriptions:
        await edit_in_place(query, text(chat.language, "mysubs_empty"))
        return
    title, markup = await _mysubs_view(update, context, chat, subscriptions, data.page)
    await edit_in_place(query, title, markup=markup)


async def _show_topics_page(update: Update, context: BotContext, page: int) -> None:
    chat = await target_ref(update, context)
    markup = await choices_keyboard(context, chat, page)
    query = update.callback_query
    if query is None:
        return
    await edit_in_place(query, markup=markup)


async def on_toggle_topic(
    update: Update, context: BotContext, data: callbacks.ToggleTopic | callbacks.ToggleCategory
) -> None:
    """A category or topic button: subscribe or unsubscribe, redraw the keyboard in place."""
    chat = await target_ref(update, context)
    query = update.callback_query
    assert query is not None
    service = context.services.subscriptions
    if isinstance(data, callbacks.ToggleCategory):
        outcome = await service.toggle_category(chat, data.slug)
    else:
        outcome = await service.toggle_topic(chat, data.slug)
    if outcome is None or outcome.target is None:
        await query.answer(plain(chat.language, "callback_stale"))
        return
    if outcome.status == "limit":
        await query.answer(plain(chat.language, "sub_limit", limit=MAX_SUBSCRIPTIONS), True)
        return
    key = "topic_on" if outcome.status == "added" else "topic_off"
    name = _name(outcome.target, context.services.topics, chat.language)
    await query.answer(plain(chat.language, key, name=name))
    await _show_topics_page(update, context, data.page)


async def on_topics_page(update: Update, context: BotContext, data: callbacks.TopicsPage) -> None:
    """Previous/next on the topic keyboard."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await _show_topics_page(update, context, data.page)


async def on_remove(
    update: Update, context: BotContext, data: callbacks.RemoveSubscription
) -> None:
    """A /mysubs ❌ button: remove that subscription and redraw the list."""
    chat = await target_ref(update, context)
    query = update.callback_query
    assert query is not None
    services = context.services
    user = update.effective_user
    if data.kind == "feed" and not services.chat_feeds.may_manage(user.id if user else None):
        await query.answer(plain(chat.language, "feeds_admin_only"), True)
        return
    found = await _remove_by_ref(context, chat, data)
    if found is None:
        await query.answer(plain(chat.language, "callback_stale"))
        return
    index, removed = found
    titles = await _feed_titles(context, [removed])
    (name,) = _labels([removed], services.topics, chat.language, titles)
    await query.answer(plain(chat.language, "removed", name=name))
    remaining = await services.subscriptions.list(chat)
    if not remaining:
        await query.edit_message_text(text(chat.language, "mysubs_empty"))
        return
    # The page the removed one was on (the keyboard keeps the last page when it emptied).
    page = subscriptions_page(index)
    title, markup = await _mysubs_view(update, context, chat, remaining, page)
    await query.edit_message_text(title, reply_markup=markup)


async def _remove_by_ref(
    context: BotContext, chat: ChatRef, data: callbacks.RemoveSubscription
) -> tuple[int, Subscription] | None:
    """Remove the chat's subscription a ❌ button names, with its place in the list; None when
    it has none such."""
    service = context.services.subscriptions
    for index, subscription in enumerate(await service.list(chat)):
        if subscription.kind == data.kind and subscription_ref(subscription) == data.value:
            removed = await service.remove(chat, subscription.kind, subscription.value)
            return None if removed is None else (index, removed)
    return None
