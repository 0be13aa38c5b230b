"""One deadline for a whole fetch: lookups, attempts, redirects and backoff included."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable

import httpx
import pytest

from bot.config import Settings
from bot.sources.client import make_fetcher
from bot.sources.errors import FetchFailed
from bot.sources.safety import AddressPolicy, IPAddress
from tests.sources.conftest import NoSleep
from tests.sources.server import LocalServer, Reply, running_raw_server

# The deadline (1 s in the test settings) plus the second of slack the contract allows.
BOUND = 2.0


async def timed_failure(fetch: Awaitable[object]) -> tuple[str, float]:
    start = time.monotonic()
    with pytest.raises(FetchFailed) as failure:
        await fetch
    return str(failure.value), time.monotonic() - start


async def test_a_source_that_never_answers_ends_at_the_deadline(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    assert settings.fetch_timeout_seconds == 1.0
    with running_raw_server(answer=None) as silent:
        # Real sleeps: the backoff must count against the deadline too.
        fetcher = make_fetcher(client, settings)
        message, elapsed = await timed_failure(fetcher.fetch(silent.url("/feed.xml")))
    assert message == "no answer within 1 s (1 attempt)"
    assert elapsed < BOUND


async def test_an_answer_that_never_finishes_says_so(
    server: LocalServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    server.route("/drip", Reply(200, chunks=[b"<rss>"] * 40, pause=0.1))
    message, elapsed = await timed_failure(
        make_fetcher(client, settings).fetch(server.url("/drip"))
    )
    assert message == "the answer did not finish within 1 s (1 attempt)"
    assert elapsed < BOUND


async def test_backoff_that_would_pass_the_deadline_is_not_waited_for(
    server: LocalServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    server.route("/busy", Reply(503, b"busy"))
    message, elapsed = await timed_failure(
        make_fetcher(client, settings).fetch(server.url("/busy"))
    )
    # 0.5 s of backoff fits in 1 s, the next 1 s does not.
    assert message == (
        "HTTP 503 Service Unavailable (2 attempts; no time left to retry within 1 s)"
    )
    assert server.hits("/busy") == 2
    assert elapsed < BOUND


async def test_a_retry_after_beyond_the_deadline_gives_up_at_once(
    server: LocalServer, client: httpx.AsyncClient, settings: Settings, no_sleep: NoSleep
) -> None:
    server.route("/later", Reply(429, headers={"Retry-After": "30"}))
    fetcher = make_fetcher(client, settings, sleep=no_sleep)
    message, _ = await timed_failure(fetcher.fetch(server.url("/later")))
    assert message.startswith("HTTP 429 Too Many Requests (1 attempt; no time left")
    assert no_sleep.delays == []


async def test_redirect_hops_share_one_deadline(
    server: LocalServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    for hop in range(4):
        server.route(f"/r{hop}", Reply(302, headers={"Location": f"/r{hop + 1}"}, delay=0.4))
    server.route("/r4", Reply(200, b"arrived"))
    message, elapsed = await timed_failure(make_fetcher(client, settings).fetch(server.url("/r0")))
    assert message == "no answer within 1 s (3 attempts)"
    assert server.hits("/r4") == 0
    assert elapsed < BOUND


async def test_waiting_for_the_hosts_turn_is_not_counted(
    server: LocalServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    # One request to the host at a time, each taking 0.6 s: the third waits 1.2 s for its
    # turn, longer than the deadline, and still succeeds.
    server.route("/slowish", Reply(200, b"ok", delay=0.6))
    one_at_a_time = settings.model_copy(update={"fetch_per_host_concurrency": 1})
    fetcher = make_fetcher(client, one_at_a_time)
    results = await asyncio.gather(*(fetcher.fetch(server.url("/slowish")) for _ in range(3)))
    assert [r.body for r in results] == [b"ok"] * 3
    assert server.max_in_flight == 1


async def test_a_lookup_that_hangs_ends_at_the_deadline(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    async def hanging(host: str, port: int) -> list[IPAddress]:
        await asyncio.sleep(30)
        return []

    strict = AddressPolicy(allow_private=False)
    fetcher = make_fetcher(client, settings, policy=strict, resolver=hanging)
    message, elapsed = await timed_failure(fetcher.fetch("http://slow-dns.test/feed.xml"))
    assert message == "no answer within 1 s (looking up slow-dns.test)"
    assert elapsed < BOUND
