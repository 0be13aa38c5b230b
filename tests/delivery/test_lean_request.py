"""LeanRequest on the wire: keep-alive reuse, chunked answers, closed connections, timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from telegram import Bot
from telegram.error import BadRequest, InvalidToken, NetworkError, TimedOut

from bot.delivery.lean_request import LeanRequest
from tests.botapi.server import BotApiEmulator

Answer = Callable[[bytes], bytes | None]  # request head -> raw answer, None: hang up


@pytest.fixture
async def server() -> AsyncIterator[tuple[list[Answer], list[int], str]]:
    """A raw HTTP server on loopback answering from a script; counts connections."""
    script: list[Answer] = []
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                answer = script.pop(0)(head)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    try:
        yield script, connections, f"http://127.0.0.1:{port}/botTOKEN/sendMessage"
    finally:
        srv.close()


def ok(body: bytes = b'{"ok":true,"result":{"message_id":7}}', extra: str = "") -> Answer:
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode()
    return lambda _: head + body


async def test_keep_alive_chunked_and_reconnect(
    server: tuple[list[Answer], list[int], str],
) -> None:
    script, connections, url = server
    pieces = [b'{"ok":true,"res', b'ult":{"message_id":8}}']
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunked += b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    script += [ok(), lambda _: chunked, ok(extra="Connection: close\r\n"), ok()]
    async with LeanRequest() as request:
        assert await request.post(url) == {"message_id": 7}
        assert await request.post(url) == {"message_id": 8}
        assert len(connections) == 1, "the connection was kept alive"
        assert await request.post(url) == {"message_id": 7}  # then closed by the server
        assert await request.post(url) == {"message_id": 7}
        assert len(connections) == 2


async def test_errors_map_like_ptb(server: tuple[list[Answer], list[int], str]) -> None:
    script, _, url = server
    refused = b'{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}'
    script += [
        lambda _: None,  # hang up without an answer
        lambda _: (
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\n\r\n" % len(refused) + refused
        ),
        lambda _: b"garbage\r\n\r\n",
        ok(),
    ]
    async with LeanRequest(read_timeout=0.2) as request:
        with pytest.raises(NetworkError):
            await request.post(url)
        with pytest.raises(BadRequest, match="(?i)chat not found"):
            await request.post(url)
        with pytest.raises(NetworkError):
            await request.post(url)
        assert await request.post(url) == {"message_id": 7}


async def test_read_timeout_is_timed_out(server: tuple[list[Answer], list[int], str]) -> None:
    script, _, url = server
    script += [lambda _: b"", ok()]  # the first request gets no answer at all
    async with LeanRequest(read_timeout=0.2) as request:
        with pytest.raises(TimedOut):
            await request.post(url)
        assert await request.post(url) == {"message_id": 7}  # on a new connection


async def test_with_ptb_against_the_emulator() -> None:
    async with BotApiEmulator() as emu:
        async with Bot(emu.token, base_url=emu.base_url, request=LeanRequest()) as bot:
            me = await bot.get_me()
            assert me.is_bot
            sent = await bot.send_message(5, "<b>你好</b> &amp; more", parse_mode="HTML")
            assert sent.message_id and emu.messages(5)[0].text == "你好 & more"
        with pytest.raises(InvalidToken):
            async with Bot("123:wrong", base_url=emu.base_url, request=LeanRequest()) as bad:
                await bad.get_me()
