"""JSON Lines as a source: one article a line, ``{"title", "text", "url", "published"}``.

The file is streamed (memory flat in its size, whatever it holds): a line longer than
``MAX_LINE_BYTES`` is skipped without being read into memory. Each line becomes a document named
``FILE:LINE``; a line that cannot be one is refused with its number and the reason: not JSON,
not an object, no ``text``, a field of the wrong type, a date that is not ISO 8601, too long.
``text`` is required; ``title``, ``url`` and ``published`` (ISO 8601, UTC when no offset is
given) may be missing, empty or null. Blank lines are skipped.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from bot.sources.documents import Document, DocumentSink
from bot.sources.files import FilePolicy, RefusedFile

# As for a file: an article is tens of kilobytes, a line far larger is not one.
MAX_LINE_BYTES = 10 * 1024 * 1024
# Read from the file per trip to a thread (reading is blocking I/O): up to this many lines,
# and past this many bytes no further line (so a run of huge lines stays bounded too).
_LINES_PER_READ = 64
_BYTES_PER_READ = 1024 * 1024
_OPTIONAL = ("title", "url", "published")

# Called now and then with (bytes read, file size), e.g. to move a progress bar.
Progress = Callable[[int, int], None]


class BadLine(ValueError):
    """A line that is not an article; the message is the reason."""


def _lines(handle: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) of each line; None for a line over MAX_LINE_BYTES (not kept)."""
    number = 0
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            # Skip the rest of the line in bounded pieces.
            while True:
                rest = handle.readline(1024 * 1024)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, line


def _published(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadLine("published is not a string (ISO 8601 date expected)")
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadLine(f"published is not an ISO 8601 date: {value[:40]!r}") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def document_from_line(line: bytes, *, source: str, origin: str) -> Document:
    """The article a JSON line holds; BadLine with the reason when it holds none."""
    try:
        row = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadLine(f"not JSON: {exc}") from None
    if not isinstance(row, dict):
        raise BadLine("not a JSON object")
    text = row.get("text")
    if text is None:
        raise BadLine("missing field: text")
    if not isinstance(text, str):
        raise BadLine("text is not a string")
    if not text.strip():
        raise BadLine("text is empty")
    for name in _OPTIONAL:
        value = row.get(name)
        if value is not None and not isinstance(value, str):
            raise BadLine(f"{name} is not a string")
    url = (row.get("url") or "").strip() or None
    return Document(
        source=source,
        text=text,
        origin=origin,
        title=(row.get("title") or "").strip(),
        url=url,
        published_at=_published(row.get("published")),
    )


def _open(path: Path, policy: FilePolicy) -> BinaryIO:
    reason = policy.refusal(path)
    if reason is not None:
        raise RefusedFile(reason)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise RefusedFile(f"cannot read: {exc.strerror or exc}") from None
    if not os.path.isfile(path):
        handle.close()
        raise RefusedFile("not a regular file")
    return handle


async def read_jsonl(
    path: Path,
    sink: DocumentSink,
    *,
    policy: FilePolicy | None = None,
    progress: Progress | None = None,
) -> None:
    """Each line of the file as one document into ``sink``; bad lines are refused by number."""
    name = str(path)
    try:
        handle = await asyncio.to_thread(_open, path, policy or FilePolicy())
    except RefusedFile as exc:
        sink.report.refuse(name, str(exc))
        return
    size = os.fstat(handle.fileno()).st_size
    lines = _lines(handle)
    try:
        while True:
            chunk = await asyncio.to_thread(_take, lines, _LINES_PER_READ)
            if not chunk:
                break
            for number, line in chunk:
                where = f"{name}:{number}"
                if line is None:
                    sink.report.refuse(where, f"line longer than {MAX_LINE_BYTES} bytes")
                    continue
                if not line.strip():
                    continue
                try:
                    document = document_from_line(line, source=where, origin=path.as_posix())
                except BadLine as exc:
                    sink.report.refuse(where, str(exc))
                    continue
                await sink.take(document)
            if progress is not None:
                progress(handle.tell(), size)
    finally:
        handle.close()


def _take(lines: Iterator[tuple[int, bytes | None]], count: int) -> list[tuple[int, bytes | None]]:
    out = []
    size = 0
    for item in lines:
        out.append(item)
        size += len(item[1] or b"")
        if len(out) == count or size >= _BYTES_PER_READ:
            break
    return out
