"""Compressed bodies against a real loopback server: bombs stop at the limit, real ones decode."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from functools import cache

import httpx
import pytest

from bot.config import Settings
from bot.sources.client import make_fetcher
from bot.sources.compression import SLICE, BodyDecoder
from bot.sources.errors import FetchFailed
from tests.sources.conftest import NoSleep
from tests.sources.server import LocalServer, Reply

EXPANDED = 64 * 1024 * 1024  # what each bomb inflates to: 256 times the test limit
FEED = '<?xml version="1.0"?><rss version="2.0"><channel><title>要闻</title></channel></rss>'


def compress_zeros(size: int, wbits: int) -> bytes:
    """``size`` zero bytes compressed a megabyte at a time (never held whole)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(1024 * 1024)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + packer.flush()


@cache
def bomb(encoding: str) -> bytes:
    """A small body that expands to EXPANDED bytes under ``encoding``."""
    if encoding == "deflate":
        return compress_zeros(EXPANDED, zlib.MAX_WBITS)
    once = compress_zeros(EXPANDED, zlib.MAX_WBITS | 16)
    return gzip.compress(once, 9) if encoding == "gzip, gzip" else once


@pytest.mark.parametrize("encoding", ["gzip, gzip", "gzip", "deflate"])
async def test_a_compression_bomb_stops_at_the_limit(
    server: LocalServer,
    client: httpx.AsyncClient,
    settings: Settings,
    no_sleep: NoSleep,
    encoding: str,
) -> None:
    body = bomb(encoding)
    assert len(body) < settings.fetch_max_bytes  # small on the wire, huge once inflated
    server.route("/bomb", Reply(200, body, {"Content-Encoding": encoding}))
    fetcher = make_fetcher(client, settings, sleep=no_sleep)
    tracemalloc.start()
    try:
        with pytest.raises(FetchFailed) as failure:
            await fetcher.fetch(server.url("/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(failure.value) == (
        f"too large: over the limit of 256 KB once decompressed ({encoding})"
    )
    # The limit and a few slices, not the 64 MB the body expands to.
    assert peak < settings.fetch_max_bytes + 16 * SLICE
    assert server.hits("/bomb") == 1  # not retried


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip, gzip", lambda b: gzip.compress(gzip.compress(b))),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        # Raw deflate without the zlib header, as some servers send it.
        ("deflate", lambda b: zlib.compress(b, wbits=-zlib.MAX_WBITS)),
        ("identity, gzip", gzip.compress),
        ("utf-8", lambda b: b),  # a misused header, left alone as httpx does
    ],
)
async def test_real_compressed_bodies_decode(
    server: LocalServer,
    client: httpx.AsyncClient,
    settings: Settings,
    no_sleep: NoSleep,
    encoding: str,
    encode: object,
) -> None:
    assert callable(encode)
    server.route("/feed", Reply(200, encode(FEED.encode()), {"Content-Encoding": encoding}))
    result = await make_fetcher(client, settings, sleep=no_sleep).fetch(server.url("/feed"))
    assert result.body.decode("utf-8") == FEED


@pytest.mark.parametrize(
    ("encoding", "body", "message"),
    [
        ("br", b"\x1b\x03\x00\xf8", "unsupported Content-Encoding: br"),
        ("gzip", b"plainly not gzip", "undecodable gzip body: "),
    ],
)
async def test_bodies_that_cannot_be_decoded_are_refused(
    server: LocalServer,
    client: httpx.AsyncClient,
    settings: Settings,
    no_sleep: NoSleep,
    encoding: str,
    body: bytes,
    message: str,
) -> None:
    server.route("/odd", Reply(200, body, {"Content-Encoding": encoding}))
    with pytest.raises(FetchFailed) as failure:
        await make_fetcher(client, settings, sleep=no_sleep).fetch(server.url("/odd"))
    assert str(failure.value).startswith(message)


def test_the_decoder_yields_slices_and_stops_just_past_the_limit() -> None:
    decoder = BodyDecoder(["gzip", "gzip"], limit=1024 * 1024)
    pieces: list[int] = []
    with pytest.raises(FetchFailed, match="too large"):
        for piece in decoder.feed(bomb("gzip, gzip")):
            pieces.append(len(piece))
    assert max(pieces) <= SLICE
    assert 1024 * 1024 - SLICE <= sum(pieces) <= 1024 * 1024
