"""Web sources: pages and RSS/Atom feeds fetched safely over httpx, deduped and stored.

``ingest_urls`` serves ``python -m bot ingest URL...``; ``poll_feeds_once`` and
``install_feed_poll_job`` poll the registered feeds; ``FeedRegistry`` backs the admin commands.
Names are imported on first use, so importing one small module here stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.sources.errors import FetchFailed, RefusedSource, SourceError, UnreadableContent
    from bot.sources.jobs import install_feed_poll_job
    from bot.sources.poll import PollReport, poll_feeds_once
    from bot.sources.registry import FeedRegistry
    from bot.sources.urls import ingest_urls

_EXPORTS = {
    "FeedRegistry": "bot.sources.registry",
    "FetchFailed": "bot.sources.errors",
    "PollReport": "bot.sources.poll",
    "RefusedSource": "bot.sources.errors",
    "SourceError": "bot.sources.errors",
    "UnreadableContent": "bot.sources.errors",
    "ingest_urls": "bot.sources.urls",
    "install_feed_poll_job": "bot.sources.jobs",
    "poll_feeds_once": "bot.sources.poll",
}

__all__ = [
    "FeedRegistry",
    "FetchFailed",
    "PollReport",
    "RefusedSource",
    "SourceError",
    "UnreadableContent",
    "ingest_urls",
    "install_feed_poll_job",
    "poll_feeds_once",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bot.sources' has no attribute {name!r}")
    return getattr(import_module(module), name)
