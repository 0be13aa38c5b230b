"""Text files as a source: page dumps and plain articles (.txt), read safely.

Only regular files are read: never a device, a FIFO or a socket, and nothing under the
system folders /proc, /sys and /dev (where /proc/self/environ would hand over the process
environment, the bot token with it). A folder gives its *.txt files, recursively, without
following a link that leads out of it. ``FilePolicy.roots`` limits what may be read at all
(INGEST_ROOTS, for /ingest in a chat); the operator's command line has no roots. Each refusal
is one sentence in the report.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.sources.documents import Document, DocumentSink
from summaries import decode_text

# Called after each file with (files done, files in all), e.g. to move a progress bar.
Progress = Callable[[int, int], None]

# A page dump is tens of kilobytes; a file far larger is not one, and reading it whole and
# summarizing it as one article would hold the run for minutes.
MAX_FILE_BYTES = 10 * 1024 * 1024
SYSTEM_FOLDERS = (Path("/proc"), Path("/sys"), Path("/dev"))
SYSTEM_REFUSAL = "files under /proc, /sys and /dev are never read"
# Files read per trip to a thread, up to this many characters: a trip costs the main process
# about a quarter of a millisecond (waking a thread, taking the GIL back), as much as a
# short article's writing, while reading a page dump costs a tenth of that.
_READ_AHEAD_FILES = 32
_READ_AHEAD_CHARS = 1_000_000


class RefusedFile(Exception):
    """A file that cannot be read; the message is the reason shown to the operator."""


@dataclass(frozen=True)
class FilePolicy:
    """Where files may be read from; ``roots=None`` means anywhere but the system folders.

    With roots (chat /ingest), a path must lie inside one of them once links are resolved,
    and a file named directly must be a .txt file, as a folder's files are.
    """

    roots: tuple[Path, ...] | None = None

    def refusal(self, path: Path) -> str | None:
        """Why the file or folder at ``path`` (links resolved) must not be read, or None."""
        real = path.resolve()
        if any(_inside(real, folder) for folder in SYSTEM_FOLDERS):
            return SYSTEM_REFUSAL
        if self.roots is not None and not any(_inside(real, r.resolve()) for r in self.roots):
            return "outside the folders /ingest may read (INGEST_ROOTS)"
        return None


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def read_text(path: Path) -> str:
    """A regular file's text: UTF-8 (BOM allowed), else GB18030; RefusedFile otherwise."""
    real = path.resolve()
    if any(_inside(real, folder) for folder in SYSTEM_FOLDERS):
        raise RefusedFile(SYSTEM_REFUSAL)
    # The resolved path has no links left; O_NOFOLLOW refuses one swapped in meanwhile, and
    # O_NONBLOCK keeps a FIFO from blocking the open before fstat can refuse it.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(real, flags)
    except OSError as exc:
        raise RefusedFile(f"cannot read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise RefusedFile("not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise RefusedFile(f"too large: {info.st_size} bytes (limit {MAX_FILE_BYTES})")
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise RefusedFile(f"too large: over {MAX_FILE_BYTES} bytes")
    try:
        return decode_text(data)
    except ValueError as exc:
        raise RefusedFile(str(exc)) from None


def _folder_files(folder: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """The folder's *.txt files, recursively, sorted; links leading out of it are refused."""
    real_folder = folder.resolve()
    files: list[Path] = []
    refused: list[tuple[str, str]] = []
    # os.walk does not descend into linked folders (followlinks=False).
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in filenames:
            if not name.endswith(".txt"):
                continue
            path = Path(dirpath) / name
            if path.is_symlink() and not _inside(path.resolve(), real_folder):
                refused.append((str(path), "a link that leads out of the folder is not followed"))
                continue
            files.append(path)
    return sorted(files), refused


def expand_paths(
    paths: Iterable[Path | str], policy: FilePolicy | None = None
) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to read (folders give their *.txt files) and the paths refused, with reasons."""
    policy = policy or FilePolicy()
    files: list[Path] = []
    refused: list[tuple[str, str]] = []
    for raw in paths:
        # Path("") is the current folder: an empty argument (an unset shell variable) must not
        # quietly ingest every .txt below wherever the command was started.
        if not str(raw).strip():
            refused.append((repr(str(raw)), "empty path"))
            continue
        path = Path(raw)
        reason = policy.refusal(path)
        if reason is None and not (path.is_dir() or path.exists()):
            reason = "no such file or folder"
        if reason is None and path.is_dir():
            found, links = _folder_files(path)
            files.extend(found)
            refused.extend(links)
            continue
        if reason is None and policy.roots is not None and path.suffix != ".txt":
            reason = "only .txt files are read"
        if reason is not None:
            refused.append((str(raw), reason))
        else:
            files.append(path)
    return list(dict.fromkeys(files)), refused


async def read_files(
    paths: Sequence[Path | str],
    sink: DocumentSink,
    *,
    policy: FilePolicy | None = None,
    progress: Progress | None = None,
) -> None:
    """Each file as one document (a page dump) into ``sink``; unreadable ones are refused."""
    files, refused = await asyncio.to_thread(expand_paths, paths, policy)
    for source, reason in refused:
        sink.report.refuse(source, reason)
    done = 0
    while done < len(files):
        # Only the files it may read: a slice of the rest would copy the list at every trip.
        ahead = files[done : done + _READ_AHEAD_FILES]
        for path, text in await asyncio.to_thread(_read_ahead, ahead):
            if isinstance(text, RefusedFile):
                sink.report.refuse(str(path), str(text))
            else:
                document = Document(
                    source=str(path), text=text, origin=path.as_posix(), page_dump=True
                )
                await sink.take(document)
            done += 1
            if progress is not None:
                progress(done, len(files))


def _read_ahead(files: Sequence[Path]) -> list[tuple[Path, str | RefusedFile]]:
    """The next few files' texts (or why each cannot be read): at least one file, at most
    _READ_AHEAD_FILES or about _READ_AHEAD_CHARS characters, so memory stays bounded."""
    read: list[tuple[Path, str | RefusedFile]] = []
    chars = 0
    for path in files[:_READ_AHEAD_FILES]:
        try:
            text: str | RefusedFile = read_text(path)
        except RefusedFile as exc:
            text = exc
        read.append((path, text))
        chars += len(text) if isinstance(text, str) else 0
        if chars >= _READ_AHEAD_CHARS:
            break
    return read
