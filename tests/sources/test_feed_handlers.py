"""Admin feed commands: the registry, its service, who the handlers answer, and what they say."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import SecretStr
from telegram import Bot, Update, User

from bot.app import build_application
from bot.config import Settings
from bot.handlers.feeds import add_feed, delete_feed, list_feeds
from bot.render import render_feeds
from bot.services.feeds import FeedService
from bot.sources.registry import FeedListing, FeedRegistry
from bot.sources.safety import IPAddress
from bot.store.api import Store
from bot.store.feeds import FeedRecord

ADMIN = 1001
STRANGER = 2002


async def public_resolver(host: str, port: int) -> list[IPAddress]:
    """Every test name resolves to a public documentation-free address, except intranet.test."""
    address = "10.0.0.7" if host == "intranet.test" else "93.184.216.34"
    return [ipaddress.ip_address(address)]


@pytest.fixture
async def registry(store: Store, settings: Settings) -> FeedRegistry:
    strict = settings.model_copy(
        update={"allow_private_sources": False, "feeds": ("https://news.example/rss",)}
    )
    feeds = store.feeds
    await feeds.ensure(strict.feeds)
    return FeedRegistry(feeds, settings=strict, resolver=public_resolver)


async def test_registry_adds_checks_and_removes(registry: FeedRegistry) -> None:
    added = await registry.add(" https://a.example/feed.xml ", added_by=ADMIN)
    assert (added.status, added.url) == ("added", "https://a.example/feed.xml")
    again = await registry.add("https://a.example/feed.xml", added_by=ADMIN)
    assert again.status == "exists"
    private = await registry.add("http://intranet.test/rss", added_by=ADMIN)
    assert private.status == "refused" and "private address 10.0.0.7" in private.reason
    other = await registry.add("ftp://a.example/feed.xml", added_by=ADMIN)
    assert other.status == "refused" and "only http and https" in other.reason

    listing = await registry.listing()
    assert [f.url for f in listing.feeds] == [
        "https://news.example/rss",
        "https://a.example/feed.xml",
    ]
    assert listing.configured == frozenset({"https://news.example/rss"})
    assert [f.added_by for f in listing.feeds] == [None, ADMIN]

    assert await registry.remove("https://a.example/feed.xml") is True
    assert await registry.remove("https://a.example/feed.xml") is False
    assert [f.url for f in (await registry.listing()).feeds] == ["https://news.example/rss"]


def command_update(bot: Bot, user_id: int, text: str) -> Update:
    data = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "x"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": text.split()[0].__len__()}],
        },
    }
    return Update.de_json(data, bot)


def offline_bot() -> Bot:
    """A Bot that knows its own name without calling getMe (handlers compare @mentions)."""
    bot = Bot("123456:TEST")
    bot._bot_user = User(id=123456, first_name="wenzhai", is_bot=True, username="wenzhai_bot")
    return bot


async def test_the_service_says_when_feeds_will_bring_a_feed_back(
    registry: FeedRegistry,
) -> None:
    service = FeedService(registry)
    await service.add("https://a.example/feed.xml", added_by=ADMIN)
    removed = await service.remove(" https://a.example/feed.xml ")
    assert (removed.status, removed.url) == ("removed", "https://a.example/feed.xml")
    assert (await service.remove("https://a.example/feed.xml")).status == "missing"
    configured = await service.remove("https://news.example/rss")
    assert configured.status == "removed_configured"
    assert service.poll_minutes == 30


def _matching(settings: Settings, update: Update) -> list[str]:
    """Names of the application's handler callbacks that would take this update."""
    application = build_application(settings)
    return [
        getattr(handler.callback, "__name__", "")
        for group in application.handlers.values()
        for handler in group
        if handler.check_update(update)
    ]


def test_only_admins_match_the_feed_commands(settings: Settings) -> None:
    bot = offline_bot()
    admins = settings.model_copy(
        update={"telegram_bot_token": SecretStr("123456:TEST"), "admin_ids": frozenset({ADMIN})}
    )
    commands = {
        "/feeds": "list_feeds",
        "/addfeed https://a.example/rss": "add_feed",
        "/delfeed https://a.example/rss": "delete_feed",
    }
    for text, callback in commands.items():
        assert callback in _matching(admins, command_update(bot, ADMIN, text))
        stranger = _matching(admins, command_update(bot, STRANGER, text))
        assert callback not in stranger and "unknown_command" in stranger
    # No admins configured: nobody matches.
    nobody = admins.model_copy(update={"admin_ids": frozenset()})
    assert "list_feeds" not in _matching(nobody, command_update(bot, ADMIN, "/feeds"))


@dataclass
class FakeMessage:
    """The chat's side: what the bot sent there (through a bot that records send_message)."""

    replies: list[str] = field(default_factory=list)
    message_thread_id: int | None = None
    is_topic_message: bool = False

    async def send_message(self, chat_id: int, text: str, **_kwargs: Any) -> None:
        assert chat_id == ADMIN
        self.replies.append(text)


def fake_call(registry: FeedRegistry, args: list[str]) -> tuple[Any, Any, FakeMessage]:
    message = FakeMessage()
    update = SimpleNamespace(
        effective_user=SimpleNamespace(id=ADMIN, language_code="zh-hans"),
        effective_chat=SimpleNamespace(id=ADMIN, type="private"),
        effective_message=message,
    )
    context = SimpleNamespace(
        args=args, bot=message, services=SimpleNamespace(feeds=FeedService(registry))
    )
    return update, context, message


async def test_handlers_reply_with_escaped_text(registry: FeedRegistry) -> None:
    url = "https://a.example/rss?x=1&y=<2>"
    update, context, message = fake_call(registry, [url])
    await add_feed(update, context)
    assert message.replies == [
        "已添加订阅源：https://a.example/rss?x=1&amp;y=&lt;2&gt;\n"
        "下一轮抓取（每 30 分钟）会读取它。"
    ]
    update, context, message = fake_call(registry, [])
    await list_feeds(update, context)
    assert "https://a.example/rss?x=1&amp;y=&lt;2&gt;" in message.replies[0]
    assert "<2>" not in message.replies[0]
    update, context, message = fake_call(registry, [url])
    await delete_feed(update, context)
    assert message.replies[0].startswith("已删除订阅源：")
    update, context, message = fake_call(registry, [])
    await add_feed(update, context)
    assert message.replies[0].startswith("用法：/addfeed")


def test_render_shows_failing_feeds_with_their_reason() -> None:
    at = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    failing = FeedRecord(
        url="https://a.example/rss",
        etag=None,
        last_modified=None,
        last_polled_at=at,
        last_ok_at=None,
        failures=4,
        failing_since=at,
        last_error="invalid XML: mismatched tag <b>",
        added_by=ADMIN,
    )
    healthy = FeedRecord("https://b.example/atom", None, None, at, at, 0, None, None, None)
    text = render_feeds(
        FeedListing(feeds=(failing, healthy), configured=frozenset({healthy.url})), language="en"
    )
    assert "⚠️ failed 4 times in a row: invalid XML: mismatched tag &lt;b&gt;" in text
    assert "https://b.example/atom (setting)" in text and "last read 2024-03-01 08:00 UTC" in text
