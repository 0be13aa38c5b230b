"""Callback data for inline buttons: versioned, at most 64 bytes, parsed without ever raising.

Format: ``<version>|<action>|<arg>|<arg>...``. Telegram hands back whatever a button carried,
including from messages sent by an older release or forged by a client, so ``parse`` treats
the data as untrusted text: anything unexpected becomes ``Invalid`` (or ``Stale`` for another
version), never an exception.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

VERSION: Final = "1"
MAX_BYTES: Final = 64
_SEP: Final = "|"
_MAX_INT: Final = 10**12
# Subscription kinds as a /mysubs ❌ button names them.
_KINDS: Final = {"c": "category", "t": "topic", "k": "keyword", "f": "feed", "e": "exclude"}
_KIND_CODES: Final = {kind: code for code, kind in _KINDS.items()}


@dataclass(frozen=True)
class ToggleTopic:
    """Flip one topic on the /topics keyboard, which shows ``page``."""

    slug: str
    page: int


@dataclass(frozen=True)
class ToggleCategory:
    """Flip one news category on the /topics keyboard, which shows ``page``."""

    slug: str
    page: int


@dataclass(frozen=True)
class TopicsPage:
    """Show another page of the /topics keyboard."""

    page: int


@dataclass(frozen=True)
class RemoveSubscription:
    """Remove a subscription listed by /mysubs; keywords are named by ``key_digest``."""

    kind: str  # "category", "topic", "keyword", "feed" or "exclude"
    value: str  # category or topic slug, or digest of the word or feed URL (see ``key_digest``)


@dataclass(frozen=True)
class SubscriptionsPage:
    """Show another page of the /mysubs list (a chat may exclude up to 200 words)."""

    page: int


@dataclass(frozen=True)
class SearchPage:
    """Show page ``page`` of a search; ``query`` is the text or a ``~`` reference to it."""

    query: str
    page: int


@dataclass(frozen=True)
class FullArticle:
    """Send the whole article."""

    article_id: int


@dataclass(frozen=True)
class SubscribeWord:
    """Subscribe to the searched word (text or a ``~`` reference)."""

    query: str


@dataclass(frozen=True)
class DigestPage:
    """Show page ``page`` (from 0) of the /digest preview."""

    page: int


@dataclass(frozen=True)
class CatalogueHome:
    """Show the catalogue's categories (admins)."""


@dataclass(frozen=True)
class CatalogueCategory:
    """Show one category of the catalogue with ✅ toggles (admins)."""

    category: str


@dataclass(frozen=True)
class CatalogueToggle:
    """Turn a catalogue entry on or off for everyone (admins)."""

    slug: str


@dataclass(frozen=True)
class ManageChat:
    """Manage a linked channel or group from the private chat (0: the private chat itself)."""

    chat_id: int


@dataclass(frozen=True)
class UnlinkChat:
    """Unlink a channel or group the user linked."""

    chat_id: int


@dataclass(frozen=True)
class Stale:
    """Data from another version of the bot."""


@dataclass(frozen=True)
class Invalid:
    """Data this bot never made."""


Callback = (
    ToggleTopic
    | ToggleCategory
    | TopicsPage
    | RemoveSubscription
    | SubscriptionsPage
    | SearchPage
    | FullArticle
    | SubscribeWord
    | DigestPage
    | CatalogueHome
    | CatalogueCategory
    | CatalogueToggle
    | ManageChat
    | UnlinkChat
)
Parsed = Callback | Stale | Invalid


def key_digest(value: str) -> str:
    """A short stable name for a text too long to put in callback data."""
    return hashlib.blake2s(value.encode("utf-8"), digest_size=6).hexdigest()


def fits(*fields: str) -> bool:
    """Whether data made of these fields stays within Telegram's 64 bytes."""
    return len(_SEP.join((VERSION, *fields)).encode("utf-8")) <= MAX_BYTES


def encode(callback: Callback) -> str:
    """The callback data for a button; raises ValueError if it would not fit in 64 bytes."""
    if isinstance(callback, ToggleTopic):
        fields = ["t", callback.slug, str(callback.page)]
    elif isinstance(callback, ToggleCategory):
        fields = ["c", callback.slug, str(callback.page)]
    elif isinstance(callback, TopicsPage):
        fields = ["tp", str(callback.page)]
    elif isinstance(callback, RemoveSubscription):
        fields = ["rm", _KIND_CODES.get(callback.kind, "k"), callback.value]
    elif isinstance(callback, SubscriptionsPage):
        fields = ["sp", str(callback.page)]
    elif isinstance(callback, SearchPage):
        fields = ["s", str(callback.page), callback.query]
    elif isinstance(callback, FullArticle):
        fields = ["a", str(callback.article_id)]
    elif isinstance(callback, DigestPage):
        fields = ["dp", str(callback.page)]
    elif isinstance(callback, CatalogueHome):
        fields = ["ch", "-"]
    elif isinstance(callback, CatalogueCategory):
        fields = ["cc", callback.category]
    elif isinstance(callback, CatalogueToggle):
        fields = ["ct", callback.slug]
    elif isinstance(callback, ManageChat):
        fields = ["mc", str(callback.chat_id)]
    elif isinstance(callback, UnlinkChat):
        fields = ["ul", str(callback.chat_id)]
    else:
        fields = ["w", callback.query]
    if not fits(*fields):
        raise ValueError("callback data over 64 bytes")
    return _SEP.join((VERSION, *fields))


def _number(raw: str) -> int | None:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        return None
    value = int(raw)
    return value if value < _MAX_INT else None


def _chat_id(raw: str) -> int | None:
    """A Telegram chat id (signed, at most 52 bits as the Bot API promises), or None."""
    digits = raw[1:] if raw.startswith("-") else raw
    if not digits.isascii() or not digits.isdigit() or len(digits) > 16:
        return None
    value = int(raw)
    return value if abs(value) < 2**52 else None


def parse(data: str | None) -> Parsed:
    """The action a button's data asks for; ``Invalid`` or ``Stale`` when it is not ours."""
    if not data or len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return Invalid()
    version, _, rest = data.partition(_SEP)
    if not rest:
        return Invalid()
    if version != VERSION:
        return Stale() if _number(version) is not None else Invalid()
    action, _, args = rest.partition(_SEP)
    return _parse_action(action, args) or Invalid()


def _parse_action(action: str, args: str) -> Callback | None:
    if action in ("t", "c"):
        slug, _, raw_page = args.partition(_SEP)
        page = _number(raw_page)
        if not slug or page is None:
            return None
        return ToggleTopic(slug, page) if action == "t" else ToggleCategory(slug, page)
    if action == "tp":
        page = _number(args)
        return TopicsPage(page) if page is not None else None
    if action == "sp":
        page = _number(args)
        return SubscriptionsPage(page) if page is not None else None
    if action == "rm":
        code, _, value = args.partition(_SEP)
        kind = _KINDS.get(code)
        return RemoveSubscription(kind, value) if kind and value else None
    if action == "dp":
        page = _number(args)
        return DigestPage(page) if page is not None else None
    if action == "ch":
        return CatalogueHome()
    if action == "cc":
        return CatalogueCategory(args) if args and _SEP not in args else None
    if action == "ct":
        return CatalogueToggle(args) if args and _SEP not in args else None
    if action == "s":
        raw_page, _, query = args.partition(_SEP)
        page = _number(raw_page)
        return SearchPage(query, page) if query and page is not None else None
    if action == "a":
        article_id = _number(args)
        return FullArticle(article_id) if article_id is not None else None
    if action == "w":
        return SubscribeWord(args) if args else None
    if action in ("mc", "ul"):
        chat_id = _chat_id(args)
        if chat_id is None:
            return None
        return ManageChat(chat_id) if action == "mc" else UnlinkChat(chat_id)
    return None
