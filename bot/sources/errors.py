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


# Remote data quoted in a message (a status line, a reason phrase, a parser's complaint) is cut
# to this many characters: a binary answer must not fill a log line or a chat message.
EXCERPT_CHARS = 80


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short, printable quote of remote text: control and binary characters become '?'."""
    printable = "".join(ch if ch.isprintable() else (" " if ch.isspace() else "?") for ch in text)
    single = " ".join(printable.split())
    return single if len(single) <= limit else single[: limit - 1] + "…"


def size_text(size: int) -> str:
    """A byte count for messages: '5.0 MB', '256 KB' or '812 bytes'."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"
