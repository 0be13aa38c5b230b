"""Inline keyboards: category and topic toggles, /mysubs remove buttons, search buttons."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.handlers.memo import QueryMemo
from bot.i18n import category_name, plain, topic_name
from bot.services.search import SearchPage, Suggestion
from bot.services.subscriptions import Chosen, can_follow
from bot.store.records import Subscription
from summaries.model import Topic
from summaries.taxonomy import Category

# The news categories come first, all on one page (their names are short: three a row);
# then the fine topics, two a row.
CATEGORIES_PER_PAGE = 15
CATEGORIES_PER_ROW = 3
TOPICS_PER_PAGE = 8
TOPICS_PER_ROW = 2
# /mysubs buttons a page: Telegram takes at most 100 buttons a message, and a chat may have 50
# subscriptions, its feeds and 200 excluded words.
SUBSCRIPTIONS_PER_PAGE = 40


def _pages(
    categories: Sequence[Category], topics: Sequence[Topic]
) -> list[Sequence[Category] | Sequence[Topic]]:
    per = CATEGORIES_PER_PAGE
    pages: list[Sequence[Category] | Sequence[Topic]] = [
        categories[i : i + per] for i in range(0, len(categories), per)
    ]
    pages += [topics[i : i + TOPICS_PER_PAGE] for i in range(0, len(topics), TOPICS_PER_PAGE)]
    return pages or [()]


def topic_pages(categories: Sequence[Category], topics: Sequence[Topic]) -> int:
    """How many pages the /topics keyboard has."""
    return len(_pages(categories, topics))


def _choice_button(
    choice: Category | Topic, chosen: Chosen, page: int, language: str
) -> InlineKeyboardButton:
    if isinstance(choice, Category):
        on = choice.slug in chosen.categories
        label = category_name(choice, language)
        data = callbacks.encode(callbacks.ToggleCategory(choice.slug, page))
    else:
        on = choice.slug in chosen.topics
        label = topic_name(choice, language)
        data = callbacks.encode(callbacks.ToggleTopic(choice.slug, page))
    return InlineKeyboardButton(("✅ " if on else "") + label, callback_data=data)


def topics_keyboard(
    categories: Sequence[Category],
    topics: Sequence[Topic],
    chosen: Chosen,
    *,
    page: int,
    language: str,
) -> InlineKeyboardMarkup:
    """The categories, then the topics, ✅ on followed ones, with previous/next pages."""
    pages = _pages(categories, topics)
    page = min(max(page, 0), len(pages) - 1)
    shown = pages[page]
    buttons = [_choice_button(choice, chosen, page, language) for choice in shown]
    per_row = CATEGORIES_PER_ROW if shown and isinstance(shown[0], Category) else TOPICS_PER_ROW
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    nav = []
    if page > 0:
        nav.append(
            InlineKeyboardButton(
                plain(language, "page_prev"),
                callback_data=callbacks.encode(callbacks.TopicsPage(page - 1)),
            )
        )
    if page < len(pages) - 1:
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
    """How a ❌ button names a subscription: the category or topic slug, or the keyword's digest.

    A keyword goes by its digest because the word itself may not fit in 64 bytes.
    """
    if subscription.kind in ("category", "topic"):
        return subscription.value
    return callbacks.key_digest(subscription.value)


def subscriptions_page(index: int) -> int:
    """The /mysubs page that shows the subscription at ``index`` of the list."""
    return index // SUBSCRIPTIONS_PER_PAGE


def subscriptions_keyboard(
    subscriptions: Sequence[Subscription],
    labels: Sequence[str],
    *,
    page: int = 0,
    language: str = "zh",
) -> InlineKeyboardMarkup:
    """One ❌ button per subscription of ``page``, with previous/next when there are more."""
    last = max(0, subscriptions_page(len(subscriptions) - 1))
    page = min(max(page, 0), last)
    start = page * SUBSCRIPTIONS_PER_PAGE
    rows = []
    shown = zip(subscriptions, labels, strict=True)
    for subscription, label in list(shown)[start : start + SUBSCRIPTIONS_PER_PAGE]:
        ref = subscription_ref(subscription)
        data = callbacks.encode(callbacks.RemoveSubscription(subscription.kind, ref))
        rows.append([InlineKeyboardButton(f"❌ {label}", callback_data=data)])
    nav = []
    if page > 0:
        data = callbacks.encode(callbacks.SubscriptionsPage(page - 1))
        nav.append(InlineKeyboardButton(plain(language, "page_prev"), callback_data=data))
    if page < last:
        data = callbacks.encode(callbacks.SubscriptionsPage(page + 1))
        nav.append(InlineKeyboardButton(plain(language, "page_next"), callback_data=data))
    if nav:
        rows.append(nav)
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


def digest_keyboard(page: int, *, language: str) -> InlineKeyboardMarkup:
    """The /digest preview's next-page button, for page ``page`` (from 0)."""
    data = callbacks.encode(callbacks.DigestPage(page))
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(plain(language, "digest_next"), callback_data=data)]]
    )
