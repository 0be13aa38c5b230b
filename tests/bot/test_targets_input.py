"""What /channel accepts as a chat, and the picker's callback data."""

from __future__ import annotations

import pytest

from bot import callbacks
from bot.services.targets import ChatFacts, may_post, parse_chat_ref


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("@zaobao_news", "@zaobao_news"),
        (" https://t.me/zaobao_news ", "@zaobao_news"),
        ("t.me/zaobao_news/", "@zaobao_news"),
        ("-1001234567890", -1001234567890),
        ("-4001", -4001),
        ("12345", None),  # a user, not a channel
        ("@abc", None),  # too short for a username
        ("@早报", None),
        ("早报频道", None),
        ("-1" + "0" * 17, None),  # beyond any Telegram id
        ("", None),
        ("@name extra", None),
    ],
)
def test_chat_refs(raw: str, expected: str | int | None) -> None:
    assert parse_chat_ref(raw) == expected


def _facts(status: str, can_post: bool) -> ChatFacts:
    return ChatFacts(-100, "channel", "频道", "creator", status, can_post)


def test_may_post_names_what_is_missing() -> None:
    assert may_post(_facts("administrator", True)) is None
    assert may_post(_facts("administrator", False)) == "bot_cannot_post"
    assert may_post(_facts("left", False)) == "bot_not_member"
    assert may_post(_facts("kicked", False)) == "bot_not_member"


@pytest.mark.parametrize("chat_id", [0, -1001234567890, 4503599627370495, -4503599627370495])
def test_picker_callbacks_round_trip(chat_id: int) -> None:
    for callback in (callbacks.ManageChat(chat_id), callbacks.UnlinkChat(chat_id)):
        assert callbacks.parse(callbacks.encode(callback)) == callback


@pytest.mark.parametrize("args", ["", "-", "x1", "1.5", "--5", "4503599627370496", "-" + "9" * 17])
def test_forged_picker_callbacks_are_invalid(args: str) -> None:
    assert callbacks.parse(f"{callbacks.VERSION}|mc|{args}") == callbacks.Invalid()
    assert callbacks.parse(f"{callbacks.VERSION}|ul|{args}") == callbacks.Invalid()
