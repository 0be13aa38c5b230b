"""Near-duplicate lookup over stored SimHash fingerprints.

Two fingerprints within ``max_distance`` bits of each other agree exactly on at least one of
``max_distance + 1`` disjoint bit blocks (pigeonhole), so each block value indexes a bucket and
only the few fingerprints sharing a bucket are compared (Manku, Jain and Das Sarma, WWW 2007).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from summaries.similarity import hamming_distance

# Chosen from bench/near_duplicates.py (numbers in docs/sources.md): at 6 bits no two distinct
# news articles of the 4,504 in the Sohu corpus are merged (the only different-story pairs that
# close are video stubs holding nothing but the same copyright block), while 80% of copies with
# a source line added and about half of copies with a paragraph cut are caught; at 8 bits, 11
# pairs sharing under a fifth of their text are flagged.
NEAR_DUPLICATE_BITS = 6


def _blocks(bits: int, count: int) -> list[tuple[int, int]]:
    """(shift, mask) of ``count`` disjoint blocks covering ``bits`` bits."""
    out = []
    start = 0
    for i in range(count):
        width = bits // count + (1 if i < bits % count else 0)
        out.append((start, (1 << width) - 1))
        start += width
    return out


class NearDuplicateIndex:
    """Fingerprints of stored articles, answering "is there one within k bits of this?"."""

    def __init__(
        self,
        fingerprints: Iterable[tuple[int, int]] = (),
        *,
        max_distance: int = NEAR_DUPLICATE_BITS,
    ) -> None:
        self.max_distance = max_distance
        self._blocks = _blocks(64, max_distance + 1)
        self._buckets: list[defaultdict[int, list[tuple[int, int]]]] = [
            defaultdict(list) for _ in self._blocks
        ]
        self._size = 0
        for article_id, fingerprint in fingerprints:
            self.add(article_id, fingerprint)

    def __len__(self) -> int:
        return self._size

    def _keys(self, fingerprint: int) -> list[int]:
        unsigned = fingerprint & ((1 << 64) - 1)
        return [(unsigned >> shift) & mask for shift, mask in self._blocks]

    def add(self, article_id: int, fingerprint: int) -> None:
        """Remember a stored article's fingerprint."""
        for bucket, key in zip(self._buckets, self._keys(fingerprint), strict=True):
            bucket[key].append((article_id, fingerprint))
        self._size += 1

    def find(self, fingerprint: int) -> tuple[int, int] | None:
        """(article id, distance) of the closest stored near-duplicate, or None."""
        best: tuple[int, int] | None = None
        for bucket, key in zip(self._buckets, self._keys(fingerprint), strict=True):
            for article_id, other in bucket.get(key, ()):
                distance = hamming_distance(fingerprint, other)
                if distance <= self.max_distance and (best is None or distance < best[1]):
                    best = (article_id, distance)
        return best
