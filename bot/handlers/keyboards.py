"""Inline keyboards: the topic toggles, /mysubs remove buttons and search result buttons."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.handlers.memo import QueryMemo
from bot.i18n import plain, topic_name
from bot.services.search import SearchPage, Suggestion
from bot.services.subscriptions import can_follow
from bot.store.records import Subscription
from summaries.model import Topic

TOPICS_PER_PAGE = 8


def topic_pages(count: int) -> int:
    """How many pages the topic keyboard has."""
    return max(1, -(-count // TOPICS_PER_PAGE))


def topics_keyboard(
    topics: Sequence[Topic], subscribed: Collection[str], *, page: int, language: str
) -> InlineKeyboardMarkup:
    """Two topics a row, ✅ on subscribed ones, with previous/next when there are many."""
    page = min(max(page, 0), topic_pages(len(topics)) - 1)
    shown = topics[page * TOPICS_PER_PAGE : (page + 1) * TOPICS_PER_PAGE]
    buttons = [
        InlineKeyboardButton(
            ("✅ " if t.slug in subscribed else "") + topic_name(t, language),
            callback_data=callbacks.encode(callbacks.ToggleTopic(t.slug, page)),
        )
        for t in shown
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    nav = []
    if page > 0:
        nav.append(
            InlineKeyboardButton(
                plain(language, "page_prev"),
                callback_data=callbacks.encode(callbacks.TopicsPage(page - 1)),
            )
        )
    if page < topic_pages(len(topics)) - 1:
        nav.append(
            InlineKeyboardButton(
                plain(language, "page_next"),
                callback_data=callbacks.encode(callbacks.TopicsPage(page + 1)),
            )
        )
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def subscription_ref(subscription: Subscription) -> str:
    """How a ❌ button names a subscription: the topic slug, or the keyword's digest.

    A keyword goes by its digest because the word itself may not fit in 64 bytes.
    """
    if subscription.kind == "topic":
        return subscription.value
    return callbacks.key_digest(subscription.value)


def subscriptions_keyboard(
    subscriptions: Sequence[Subscription], labels: Sequence[str]
) -> InlineKeyboardMarkup:
    """One ❌ button per subscription."""
    rows = []
    for subscription, label in zip(subscriptions, labels, strict=True):
        ref = subscription_ref(subscription)
        data = callbacks.encode(callbacks.RemoveSubscription(subscription.kind, ref))
        rows.append([InlineKeyboardButton(f"❌ {label}", callback_data=data)])
    return InlineKeyboardMarkup(rows)


def search_keyboard(
    page: SearchPage, memo: QueryMemo, *, language: str
) -> InlineKeyboardMarkup | None:
    """Whole-article buttons for each hit, then next page and subscribe-to-this-word."""
    full = [
        InlineKeyboardButton(
            plain(language, "btn_full", n=number),
            callback_data=callbacks.encode(callbacks.FullArticle(hit.article.id)),
        )
        for number, hit in enumerate(page.result.hits, start=page.first)
    ]
    rows = [full[i : i + 5] for i in range(0, len(full), 5)]
    extra = []
    if page.has_next:
        ref = memo.reference(page.query, "s", str(page.page + 1))
        extra.append(
            InlineKeyboardButton(
                plain(language, "btn_next"),
                callback_data=callbacks.encode(callbacks.SearchPage(ref, page.page + 1)),
            )
        )
    if can_follow(page.query):
        ref = memo.reference(page.query, "w")
        extra.append(
            InlineKeyboardButton(
                plain(language, "btn_sub_word", word=page.query),
                callback_data=callbacks.encode(callbacks.SubscribeWord(ref)),
            )
        )
    if extra:
        rows.append(extra)
    # Telegram refuses a keyboard without buttons.
    return InlineKeyboardMarkup(rows) if rows else None


def suggestions_keyboard(
    suggestions: Sequence[Suggestion], memo: QueryMemo, *, language: str
) -> InlineKeyboardMarkup | None:
    """One button per suggestion that shows its first page of hits in place."""
    buttons = [
        InlineKeyboardButton(
            plain(language, "btn_suggest", word=suggestion.query),
            callback_data=callbacks.encode(
                callbacks.SearchPage(memo.reference(suggestion.query, "s", "0"), 0)
            ),
        )
        for suggestion in suggestions
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    return InlineKeyboardMarkup(rows) if rows else None
