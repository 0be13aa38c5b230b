"""/catalogue (admins): the shipped feeds by category, with ✅ toggles for everyone."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.handlers.context import BotContext, chat_ref
from bot.handlers.replies import answer, edit_in_place
from bot.i18n import plain, text
from bot.services.catalogue import CatalogueItem
from bot.sources.catalogue import category_names


def _category_name(category: str, language: str) -> str:
    zh, en = category_names(category)
    return en if language == "en" else zh


def _is_admin(update: Update, context: BotContext) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.services.settings.admin_ids


def categories_keyboard(categories: list[tuple[str, int]], language: str) -> InlineKeyboardMarkup:
    """One button per category, two a row."""
    buttons = [
        InlineKeyboardButton(
            f"{_category_name(category, language)} ({count})",
            callback_data=callbacks.encode(callbacks.CatalogueCategory(category)),
        )
        for category, count in categories
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def _mark(item: CatalogueItem) -> str:
    return "✅ " if item.enabled else ("⛔ " if item.disabled else "")


def entries_keyboard(items: list[CatalogueItem], language: str) -> InlineKeyboardMarkup:
    """One toggle per entry (RSSHub routes marked), then the way back to the categories."""
    rows = [
        [
            InlineKeyboardButton(
                _mark(item) + item.entry.name + (" · RSSHub" if item.entry.needs_rsshub else ""),
                callback_data=callbacks.encode(callbacks.CatalogueToggle(item.entry.slug)),
            )
        ]
        for item in items
    ]
    back = callbacks.encode(callbacks.CatalogueHome())
    rows.append([InlineKeyboardButton(plain(language, "catalogue_back"), callback_data=back)])
    return InlineKeyboardMarkup(rows)


async def catalogue(update: Update, context: BotContext) -> None:
    """/catalogue: the categories of the catalogue."""
    language = chat_ref(update).language
    categories = context.services.catalogue.categories()
    if not categories:
        await answer(update, context.bot, text(language, "catalogue_empty"))
        return
    markup = categories_keyboard(categories, language)
    await answer(update, context.bot, text(language, "catalogue_title"), markup=markup)


async def _show(update: Update, context: BotContext, category: str | None) -> None:
    language = chat_ref(update).language
    query = update.callback_query
    assert query is not None
    service = context.services.catalogue
    if category is None:
        message = text(language, "catalogue_title")
        markup = categories_keyboard(service.categories(), language)
    else:
        name = _category_name(category, language)
        message = text(language, "catalogue_category", name=name)
        markup = entries_keyboard(await service.items(category), language)
    await edit_in_place(query, message, markup=markup)


async def on_catalogue_home(
    update: Update, context: BotContext, _data: callbacks.CatalogueHome
) -> None:
    """« Categories."""
    query = update.callback_query
    assert query is not None
    if not _is_admin(update, context):
        await query.answer(plain(chat_ref(update).language, "callback_stale"))
        return
    await query.answer()
    await _show(update, context, None)


async def on_catalogue_category(
    update: Update, context: BotContext, data: callbacks.CatalogueCategory
) -> None:
    """A category button: its entries with ✅ toggles."""
    query = update.callback_query
    assert query is not None
    known = {category for category, _ in context.services.catalogue.categories()}
    if not _is_admin(update, context) or data.category not in known:
        await query.answer(plain(chat_ref(update).language, "callback_stale"))
        return
    await query.answer()
    await _show(update, context, data.category)


async def on_catalogue_toggle(
    update: Update, context: BotContext, data: callbacks.CatalogueToggle
) -> None:
    """An entry button: turn it on or off for everyone, redraw its category."""
    language = chat_ref(update).language
    query = update.callback_query
    assert query is not None
    if not _is_admin(update, context):
        await query.answer(plain(language, "callback_stale"))
        return
    outcome = await context.services.catalogue.toggle(data.slug)
    if outcome.entry is None:
        await query.answer(plain(language, "callback_stale"))
        return
    key = {"on": "catalogue_on", "off": "catalogue_off"}.get(outcome.status, "")
    if not key:
        await query.answer(plain(language, "catalogue_needs_rsshub", name=outcome.entry.name), True)
        return
    await query.answer(plain(language, key, name=outcome.entry.name))
    await _show(update, context, outcome.entry.category)
