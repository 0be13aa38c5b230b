"""The HTTP client and fetcher built from settings, for callers that do not inject their own."""

from __future__ import annotations

import asyncio

import httpx

from bot.config import Settings
from bot.sources.fetch import DEFAULT_RETRIES, Fetcher, Sleep
from bot.sources.safety import AddressPolicy, Resolver, resolve_host


def make_client(settings: Settings) -> httpx.AsyncClient:
    """An AsyncClient for fetching sources: no redirects of its own, no proxies from the env.

    Proxies from the environment are ignored (they are meant for other traffic, and the address
    checks must know where a request goes); ``SOURCES_PROXY`` is the one proxy for sources.
    """
    proxy = settings.sources_proxy
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        proxy=proxy.get_secret_value().strip() if proxy else None,
        timeout=settings.fetch_timeout_seconds,
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
    )


def make_fetcher(
    client: httpx.AsyncClient,
    settings: Settings,
    *,
    policy: AddressPolicy | None = None,
    retries: int = DEFAULT_RETRIES,
    sleep: Sleep = asyncio.sleep,
    resolver: Resolver = resolve_host,
) -> Fetcher:
    """A Fetcher with the limits of ``settings`` (the policy defaults to ALLOW_PRIVATE_SOURCES).

    With ``SOURCES_PROXY`` the target is still checked here, but not pinned: the proxy connects.
    """
    return Fetcher(
        client,
        policy=policy or AddressPolicy(allow_private=settings.allow_private_sources),
        timeout=settings.fetch_timeout_seconds,
        max_bytes=settings.fetch_max_bytes,
        per_host=settings.fetch_per_host_concurrency,
        retries=retries,
        sleep=sleep,
        resolver=resolver,
        pin_addresses=settings.sources_proxy is None,
    )
