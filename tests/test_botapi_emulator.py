"""The Bot API emulator, driven by the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
)

from tests.botapi import BotApiEmulator, RateLimits, User, parse_html, utf16_len

pytest_plugins = ["tests.botapi.fixtures"]


@pytest.fixture
async def bot(botapi: BotApiEmulator) -> AsyncIterator[Bot]:
    """A real PTB Bot pointed at the emulator."""
    async with Bot(botapi.token, base_url=botapi.base_url) as client:
        yield client


def retry_seconds(error: RetryAfter) -> int:
    """The wait PTB read from parameters.retry_after (via its message: the attribute warns)."""
    match = re.search(r"Retry in (\d+)", str(error))
    assert match is not None, str(error)
    return int(match.group(1))


def keyboard(*data: str) -> InlineKeyboardMarkup:
    """One row of callback buttons."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"b{i}", callback_data=d) for i, d in enumerate(data)]]
    )


# ----- HTML rules --------------------------------------------------------------------------


def test_parse_html_gives_plain_text_and_utf16_entities() -> None:
    text, entities = parse_html(
        '😀<b>粗 &amp; <i>斜</i></b> <a href="https://a.b/?x=1&amp;y=2">链</a>'
    )
    assert text == "😀粗 & 斜 链"
    assert entities == [
        {"type": "bold", "offset": 2, "length": 5},
        {"type": "italic", "offset": 6, "length": 1},
        {"type": "text_link", "offset": 8, "length": 1, "url": "https://a.b/?x=1&y=2"},
    ]
    pre_text, pre = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert pre_text == "x = 1"
    assert {"type": "pre", "offset": 0, "length": 5, "language": "python"} in pre
    assert utf16_len("😀a") == 3


VALID_HTML = [
    "a &lt; b &gt; c &amp; &quot;q&quot; &#39; &#x4e2d;",
    "a > b",
    "<strong>s</strong><em>e</em><ins>i</ins><del>d</del><strike>s</strike><u>u</u><s>s</s>",
    "<blockquote expandable>quote</blockquote><tg-spoiler>x</tg-spoiler>",
    '<span class="tg-spoiler">hidden</span> <tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
    "<B>upper-case tags</B>",
]
INVALID_HTML = [
    ("<b>unclosed", "Can't find end tag"),
    ("line<br>break", 'Unsupported start tag "br"'),
    ("1 < 2", 'Unsupported start tag ""'),
    ("Tom & Jerry", "&"),
    ("&apos;", "&"),
    ("text</b>", "Unexpected end tag"),
    ("<b><i>x</b></i>", "Unmatched end tag"),
    ("<span>x</span>", "tg-spoiler"),
    ('<a href="x>y', "Unclosed start tag"),
    ("<div>x</div>", 'Unsupported start tag "div"'),
]


@pytest.mark.parametrize("html", VALID_HTML)
async def test_valid_html_is_accepted(bot: Bot, botapi: BotApiEmulator, html: str) -> None:
    message = await bot.send_message(1, html, parse_mode="HTML")
    assert botapi.sent[-1].raw_text == html
    assert "<" not in botapi.sent[-1].text.replace("< b", "")
    assert message.text == botapi.sent[-1].text


@pytest.mark.parametrize(("html", "reason"), INVALID_HTML)
async def test_invalid_html_is_refused(
    bot: Bot, botapi: BotApiEmulator, html: str, reason: str
) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities") as caught:
        await bot.send_message(1, html, parse_mode="HTML")
    assert reason.lower() in str(caught.value).lower()  # PTB capitalizes the description
    assert botapi.sent == []
    assert botapi.rejections[-1].code == 400


async def test_plain_text_keeps_html_characters(bot: Bot, botapi: BotApiEmulator) -> None:
    await bot.send_message(1, "1 < 2 & <b>")
    assert botapi.sent[0].text == "1 < 2 & <b>"
    assert botapi.sent[0].entities == []


async def test_markdown_is_refused_as_unsupported(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="not supported"):
        await bot.send_message(1, "*bold*", parse_mode="MarkdownV2")


# ----- length ------------------------------------------------------------------------------


async def test_length_is_counted_in_utf16_after_entities(bot: Bot, botapi: BotApiEmulator) -> None:
    await bot.send_message(1, "😀" * 2048)  # 4096 UTF-16 units, 2048 characters
    await bot.send_message(1, "<b>" + "中" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(1, "&amp;" * 4096, parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(1, "😀" * 2048 + "a")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(1, "a" * 4097)
    assert [utf16_len(m.text) for m in botapi.sent] == [4096, 4096, 4096]


async def test_empty_and_blank_text_are_refused(bot: Bot, botapi: BotApiEmulator) -> None:
    for text in ("", "   \n ", "<b> </b>"):
        with pytest.raises(BadRequest, match="Message text is empty"):
            await bot.send_message(1, text, parse_mode="HTML")
    await bot.send_message(1, "  padded  ")
    assert botapi.sent[0].text == "padded"


# ----- keyboards, inline answers, edits ----------------------------------------------------


async def test_callback_data_is_limited_to_64_bytes(bot: Bot, botapi: BotApiEmulator) -> None:
    await bot.send_message(1, "ok", reply_markup=keyboard("a" * 64, "中" * 21 + "a"))
    for data in ("a" * 65, "中" * 22):  # 65 and 66 bytes in UTF-8
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(1, "no", reply_markup=keyboard(data))
    assert len(botapi.sent) == 1
    assert [b["callback_data"] for b in botapi.sent[0].buttons] == ["a" * 64, "中" * 21 + "a"]


def article(i: int, text: str = "x") -> InlineQueryResultArticle:
    """An inline result with a message text."""
    return InlineQueryResultArticle(str(i), f"t{i}", InputTextMessageContent(text, "HTML"))


async def test_inline_answers_are_limited_and_validated(bot: Bot, botapi: BotApiEmulator) -> None:
    too_many = botapi.inline_query("新闻")
    with pytest.raises(BadRequest, match="Results_too_much"):
        await bot.answer_inline_query(too_many.query_id or "", [article(i) for i in range(51)])
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.answer_inline_query(too_many.query_id or "", [article(1, "<b>x")])
    await bot.answer_inline_query(
        too_many.query_id or "", [article(i, f"<b>{i}</b>") for i in range(50)], next_offset="50"
    )
    answer = await botapi.inline_answer(too_many, timeout=1)
    assert len(answer.results) == 50 and answer.texts[7] == "7" and answer.next_offset == "50"
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_inline_query(too_many.query_id or "", [article(1)])


async def test_edits_follow_telegram_rules(bot: Bot, botapi: BotApiEmulator) -> None:
    sent = await bot.send_message(5, "<b>v1</b>", parse_mode="HTML", reply_markup=keyboard("a"))
    edited = await bot.edit_message_text(
        "v2", chat_id=5, message_id=sent.message_id, reply_markup=keyboard("a")
    )
    assert not isinstance(edited, bool) and edited.text == "v2"
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "v2", chat_id=5, message_id=sent.message_id, reply_markup=keyboard("a")
        )
    await bot.edit_message_reply_markup(5, sent.message_id, reply_markup=keyboard("b"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(5, sent.message_id, reply_markup=keyboard("b"))
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=5, message_id=999)
    message = botapi.messages(5)[0]
    assert (message.text, message.buttons[0]["callback_data"]) == ("v2", "b")
    assert [e.kind for e in message.edits] == ["text", "reply_markup"]


async def test_link_preview_options_are_recorded(bot: Bot, botapi: BotApiEmulator) -> None:
    await bot.send_message(1, "https://example.org", link_preview_options=LinkPreviewOptions(True))
    await bot.send_message(1, "https://example.org")
    assert [m.link_preview_disabled for m in botapi.sent] == [True, False]


async def test_commands_per_scope_and_language(bot: Bot, botapi: BotApiEmulator) -> None:
    await bot.set_my_commands([BotCommand("start", "开始")], language_code="zh")
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    await bot.set_my_commands([BotCommand("help", "Help")], scope=BotCommandScopeAllGroupChats())
    assert [c.description for c in await bot.get_my_commands(language_code="zh")] == ["开始"]
    assert botapi.get_commands({"type": "all_group_chats"})[0]["command"] == "help"
    with pytest.raises(BadRequest, match="Invalid language code"):
        await bot.set_my_commands([BotCommand("start", "x")], language_code="zh-hans")
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start-Now", "x")])
    await bot.delete_my_commands(language_code="en")
    assert botapi.get_commands(language_code="en") == []


# ----- faults and limits -------------------------------------------------------------------


async def test_injected_faults_map_to_ptb_exceptions(bot: Bot, botapi: BotApiEmulator) -> None:
    botapi.block(7)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(7, "x")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(7, "typing")
    botapi.migrate(-8, -1008)
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(-8, "x")
    assert migrated.value.new_chat_id == -1008
    botapi.fail(502, "Bad Gateway", times=2, chat_id=9)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(9, "x")
    await bot.send_message(9, "third time lucky")
    botapi.throttle(7, method="sendMessage")
    with pytest.raises(RetryAfter) as throttled:
        await bot.send_message(10, "x")
    assert retry_seconds(throttled.value) == 7
    botapi.drop_connection(method="sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(10, "x")
    await bot.send_message(10, "after the drop")
    botapi.user_message(7, "/start")  # writing again unblocks
    await bot.send_message(7, "welcome back")
    assert [m.chat_id for m in botapi.sent] == [9, 10, 7]
    assert botapi.count_429 == 1 and botapi.rejections == []
    assert botapi.status_counts[403] == 2 and botapi.status_counts[0] == 1


async def test_flood_limits_answer_429_with_retry_after(botapi: BotApiEmulator) -> None:
    now = [1000.0]
    botapi.clock = lambda: now[0]
    botapi.rate_limits = RateLimits.telegram()
    async with Bot(botapi.token, base_url=botapi.base_url) as bot:
        await bot.send_message(1, "a")
        with pytest.raises(RetryAfter):
            await bot.send_message(1, "b")  # one per second to one chat
        for chat in range(2, 31):
            await bot.send_message(chat, "x")  # 30 in this second overall
        with pytest.raises(RetryAfter):
            await bot.send_message(99, "x")
        for _ in range(20):
            now[0] += 1.5
            await bot.send_message(-5, "group")
        with pytest.raises(RetryAfter) as caught:
            now[0] += 1.5
            await bot.send_message(-5, "21st in a minute")
    assert 20 <= retry_seconds(caught.value) <= 60
    assert botapi.count_429 == 3 and len(botapi.sent) == 50
    assert botapi.errors[-1].description.startswith("Too Many Requests: retry after")


async def test_token_and_method_are_checked(botapi: BotApiEmulator) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:wrong", base_url=botapi.base_url) as wrong:
            await wrong.get_me()
    async with httpx.AsyncClient() as client:
        unknown = await client.post(botapi.api_url("sendTelepathy"), data={"chat_id": "1"})
        assert (unknown.status_code, unknown.json()["description"]) == (404, "Not Found")
        as_json = await client.post(
            botapi.api_url("sendMessage"),
            json={
                "chat_id": 3,
                "text": "<i>json</i>",
                "parse_mode": "HTML",
                "reply_markup": {"inline_keyboard": [[{"text": "t", "callback_data": "d"}]]},
            },
        )
        assert as_json.json()["result"]["entities"][0]["type"] == "italic"
        stats = (await client.get(f"http://127.0.0.1:{botapi.port}/_emulator/stats")).json()
    assert stats["sent"] == 1 and stats["status_counts"]["404"] == 1


# ----- updates: polling and webhook --------------------------------------------------------


async def test_get_updates_long_polls_and_confirms(bot: Bot, botapi: BotApiEmulator) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await botapi.wait_polling(timeout=2)
    first = botapi.user_message(
        11, "/start@wenzhai_test_bot hi", chat_type="group", user=User(3, language_code="en")
    )
    updates = await asyncio.wait_for(poll, 2)
    assert [u.update_id for u in updates] == [first.update_id]
    message = updates[0].message
    assert message is not None and message.from_user is not None
    assert message.from_user.language_code == "en"
    assert message.parse_entities(["bot_command"]) == {
        message.entities[0]: "/start@wenzhai_test_bot"
    }
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [first.update_id]  # not confirmed yet
    assert await bot.get_updates(offset=first.update_id + 1, timeout=0) == ()
    older = asyncio.create_task(bot.get_updates(timeout=5))
    await botapi.wait_polling(timeout=2)
    async with Bot(botapi.token, base_url=botapi.base_url) as second_instance:
        newer = asyncio.create_task(second_instance.get_updates(timeout=1))
        with pytest.raises(Conflict, match="terminated by other getUpdates"):
            await older
        assert await newer == ()


async def test_get_updates_conflicts_with_webhook(bot: Bot, botapi: BotApiEmulator) -> None:
    await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="s3cret")
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    info = await bot.get_webhook_info()
    assert info.url == "http://127.0.0.1:9/hook"
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply in the user's language with a keyboard."""
    assert update.effective_message is not None and update.effective_user is not None
    english = (update.effective_user.language_code or "").startswith("en")
    await update.effective_message.reply_html(
        "<b>Hello</b> &amp; welcome" if english else "<b>你好</b>，欢迎",
        reply_markup=keyboard("v1:topic:tech"),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


async def toggle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the click and edit the keyboard."""
    query = update.callback_query
    assert query is not None
    await query.answer("✅")
    await query.edit_message_reply_markup(keyboard("v1:topic:tech:on"))


async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer an inline query with one article."""
    assert update.inline_query is not None
    await update.inline_query.answer([article(1, f"<b>{update.inline_query.query}</b>")])


def build_app(botapi: BotApiEmulator) -> Application:
    """A tiny bot with one command, one button handler and inline mode."""
    app = ApplicationBuilder().token(botapi.token).base_url(botapi.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(toggle))
    app.add_handler(InlineQueryHandler(inline))
    return app


async def converse(botapi: BotApiEmulator) -> None:
    """A user starts the bot, presses a button, uses inline mode; a group addresses it."""
    hello = botapi.user_message(21, "/start", language_code="en")
    (reply,) = await botapi.replies(hello, timeout=5)
    assert reply.text == "Hello & welcome" and reply.link_preview_disabled
    click = botapi.click(reply, "v1:topic:tech")
    assert (await botapi.callback_answer(click, timeout=5)).text == "✅"
    await botapi.edits_after(click, timeout=5)
    assert reply.buttons[0]["callback_data"] == "v1:topic:tech:on"
    query = botapi.inline_query("科技")
    assert (await botapi.inline_answer(query, timeout=5)).texts == ["科技"]
    group = botapi.user_message(-300, "/start@wenzhai_test_bot", chat_type="group")
    (group_reply,) = await botapi.replies(group, timeout=5)
    assert group_reply.text == "你好，欢迎"
    assert botapi.rejections == []


async def test_application_polling_end_to_end(botapi: BotApiEmulator) -> None:
    app = build_app(botapi)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            await converse(botapi)
        finally:
            await app.updater.stop()
            await app.stop()


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_application_webhook_end_to_end(botapi: BotApiEmulator) -> None:
    app = build_app(botapi)
    port = free_port()
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            secret_token="s3cret",
            webhook_url=f"http://127.0.0.1:{port}/hook",
        )
        try:
            assert botapi.webhook.secret_token == "s3cret"
            await converse(botapi)
            assert {d.status for d in botapi.webhook_deliveries} == {200}
            botapi.webhook.secret_token = "forged"
            forged = botapi.user_message(22, "/start")
            await botapi.wait_for(lambda: botapi.webhook_deliveries[-1].status == 403, 5)
            assert botapi.messages(22) == [] and forged.update in botapi.updates
        finally:
            await app.updater.stop()
            await app.stop()


async def test_service_updates_and_timeouts_that_explain(bot: Bot, botapi: BotApiEmulator) -> None:
    botapi.block(31, notify=True)
    botapi.migrate(-32, -10032, notify=True)
    kicked, moved = await bot.get_updates(timeout=0)
    assert kicked.my_chat_member is not None
    assert kicked.my_chat_member.new_chat_member.status == "kicked"
    assert moved.message is not None and moved.message.migrate_to_chat_id == -10032
    with pytest.raises(BadRequest):
        await bot.send_message(1, "<x>", parse_mode="HTML")
    silent = botapi.user_message(1, "hi")
    with pytest.raises(TimeoutError, match='Unsupported start tag "x"'):
        await botapi.replies(silent, timeout=0.2)
