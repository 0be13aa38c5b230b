"""Response bodies decompressed under a size limit, however many Content-Encodings are stacked.

httpx inflates each network chunk in one call, so a 2 KB chunk of ``gzip, gzip`` can expand to
a gigabyte before any limit is looked at. Here every stage inflates at most ``SLICE`` bytes at a
time and passes each slice on at once, and what every stage produced is counted, so decoding
stops as soon as one stage passes the limit: memory stays within a few slices per stage.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence

from bot.sources.errors import FetchFailed, excerpt, size_text

SLICE = 64 * 1024
# Encodings we can undo; ``x-gzip`` is the old name of gzip (RFC 9110, 8.4.1.3).
_ZLIB_WBITS = {
    "gzip": zlib.MAX_WBITS | 16,
    "x-gzip": zlib.MAX_WBITS | 16,
    "deflate": zlib.MAX_WBITS,
}
# Known compressions we never ask for and cannot undo within a limit: refused, not stored raw.
_UNSUPPORTED = frozenset({"br", "zstd", "compress", "x-compress"})


class _Inflate:
    """One zlib stage (gzip or deflate) that yields its output slice by slice."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._wbits = _ZLIB_WBITS[name]
        self._zlib = zlib.decompressobj(self._wbits)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Inflate ``data``, at most SLICE bytes per piece."""
        try:
            yield from self._drain(data)
        except zlib.error as exc:
            if self._started or self.name != "deflate":
                raise FetchFailed(f"undecodable {self.name} body: {excerpt(str(exc))}") from None
            # Some servers send raw deflate without the zlib header, as httpx also accepts.
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            self._started = True
            yield from self.feed(data)

    def _drain(self, data: bytes) -> Iterator[bytes]:
        pending = data
        # Bytes after the end of the stream are ignored, as httpx does.
        while not self._zlib.eof:
            out = self._zlib.decompress(pending, SLICE)
            pending = self._zlib.unconsumed_tail
            if out:
                self._started = True
                yield out
            # A full slice may leave output inside zlib even when all input was taken.
            if not pending and len(out) < SLICE:
                return


def _stages(encodings: Sequence[str]) -> list[_Inflate]:
    stages: list[_Inflate] = []
    # Content-Encoding lists codings in the order they were applied: undo the last first.
    for raw in reversed(encodings):
        name = raw.strip().lower()
        if name in _ZLIB_WBITS:
            stages.append(_Inflate(name))
        elif name in _UNSUPPORTED:
            raise FetchFailed(f"unsupported Content-Encoding: {excerpt(name, 20)}")
        # identity and unknown labels (servers send "utf-8" here) leave the bytes as they are.
    return stages


class BodyDecoder:
    """Undoes a response's Content-Encodings, refusing output past ``limit`` bytes at any stage."""

    def __init__(self, encodings: Sequence[str], limit: int) -> None:
        self._stages = _stages(encodings)
        self._produced = [0] * len(self._stages)
        self._limit = limit
        self._label = ", ".join(e.strip().lower() for e in encodings)

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        """The decoded pieces of one raw chunk; FetchFailed once the limit is passed."""
        return self._through(0, chunk)

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._stages):
            if data:
                yield data
            return
        for piece in self._stages[index].feed(data):
            self._produced[index] += len(piece)
            if self._produced[index] > self._limit:
                raise FetchFailed(
                    f"too large: over the limit of {size_text(self._limit)} "
                    f"once decompressed ({self._label})"
                )
            yield from self._through(index + 1, piece)
