"""Where documents come from: text files, web pages and RSS/Atom feeds, read safely.

Sources hand ``Document``s to a ``DocumentSink`` (bot.ingest supplies it) and never summarize
or store themselves. ``read_files`` reads files and folders; ``WebSource`` pages and feeds;
``poll_feeds_once`` and ``install_feed_poll_job`` poll the registered feeds; ``FeedRegistry``
backs the admin commands. Names are imported on first use, so importing one small module here
stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.sources.documents import Document, DocumentSink, IngestReport
    from bot.sources.errors import FetchFailed, RefusedSource, SourceError, UnreadableContent
    from bot.sources.files import FilePolicy, read_files
    from bot.sources.jobs import install_feed_poll_job
    from bot.sources.poll import PollReport, poll_feeds_once
    from bot.sources.registry import FeedRegistry
    from bot.sources.urls import is_url
    from bot.sources.web import WebSource

_EXPORTS = {
    "Document": "bot.sources.documents",
    "DocumentSink": "bot.sources.documents",
    "FeedRegistry": "bot.sources.registry",
    "FetchFailed": "bot.sources.errors",
    "FilePolicy": "bot.sources.files",
    "IngestReport": "bot.sources.documents",
    "PollReport": "bot.sources.poll",
    "RefusedSource": "bot.sources.errors",
    "SourceError": "bot.sources.errors",
    "UnreadableContent": "bot.sources.errors",
    "WebSource": "bot.sources.web",
    "install_feed_poll_job": "bot.sources.jobs",
    "is_url": "bot.sources.urls",
    "poll_feeds_once": "bot.sources.poll",
    "read_files": "bot.sources.files",
}

__all__ = [
    "Document",
    "DocumentSink",
    "FeedRegistry",
    "FetchFailed",
    "FilePolicy",
    "IngestReport",
    "PollReport",
    "RefusedSource",
    "SourceError",
    "UnreadableContent",
    "WebSource",
    "install_feed_poll_job",
    "is_url",
    "poll_feeds_once",
    "read_files",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bot.sources' has no attribute {name!r}")
    return getattr(import_module(module), name)
