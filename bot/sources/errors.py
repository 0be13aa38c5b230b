"""Why a source could not be read: one exception type whose message is the one-line reason."""

from __future__ import annotations


class SourceError(Exception):
    """A source that could not be read; ``str(error)`` is a short reason fit for a user."""

    kind = "error"


class RefusedSource(SourceError):
    """The URL's scheme or address is not allowed (never contacted)."""

    kind = "refused"


class FetchFailed(SourceError):
    """The server answered badly (4xx/5xx), too slowly, or with too much."""

    kind = "fetch"


class UnreadableContent(SourceError):
    """The body was fetched but is neither a feed nor a page with an article."""

    kind = "content"
