"""Near-duplicate detection: SimHash fingerprints over word tokens.

Charikar, "Similarity estimation techniques from rounding algorithms" (STOC 2002), as used for
web pages by Manku, Jain and Das Sarma (WWW 2007): each token's 64-bit hash votes on every bit,
weighted by the token's count; texts whose fingerprints differ in few bits share most tokens.
Here tokens are word 2-shingles, so that re-ordered boilerplate weighs less than shared prose.

Departures from the textbook loop, for speed (the fingerprints are the textbook's, bit for bit):
every occurrence of a shingle writes its 8-byte hash into one buffer (repeats and all, so a
shingle's weight is its count, with no counting pass); each hash starts from a copy of one blank
hasher, cheaper than making one with its options each time; and the votes are counted with
big-integer bit operations: the bytes at one position of every hash form a column, read as one
integer, and the ones on bit k of that position are ``(column & mask_k).bit_count()``,
``mask_k`` having bit k set in every byte. The bit is set when its ones are more than half of
all the hashes, exactly as the per-bit vote.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

_BITS = 64
_MASK = (1 << _BITS) - 1
_SEPARATOR = "\x1f"
# blake2b is stable across processes (unlike hash()), so fingerprints can be stored.
_BLANK = hashlib.blake2b(digest_size=8)


def _hashes(texts: Iterable[str]) -> bytes:
    """The 8-byte blake2b digests of ``texts`` (UTF-8) one after another."""
    fresh = _BLANK.copy
    digests = []
    for text in texts:
        hasher = fresh()
        hasher.update(text.encode())
        digests.append(hasher.digest())
    return b"".join(digests)


def simhash(tokens: Sequence[str]) -> int:
    """A 64-bit SimHash of ``tokens`` as a signed integer (fits a database BIGINT)."""
    hashes = _hashes(map(_SEPARATOR.join, zip(tokens, tokens[1:], strict=False)))
    if not hashes:
        hashes = _hashes(tokens)
    total = len(hashes) // 8
    lowest = int.from_bytes(b"\x01" * total)
    masks = [lowest << bit for bit in range(8)]
    value = 0
    for position in range(8):
        # Digests are big-endian: the first byte holds the most significant bits.
        column = int.from_bytes(hashes[position::8])
        low = 8 * (7 - position)
        for bit, mask in enumerate(masks):
            # Votes for 1 minus votes for 0 is 2*ones - total; the bit is set when positive.
            if 2 * (column & mask).bit_count() > total:
                value |= 1 << (low + bit)
    return value - (1 << _BITS) if value >= 1 << (_BITS - 1) else value


def hamming_distance(a: int, b: int) -> int:
    """Number of differing bits between two fingerprints."""
    return ((a ^ b) & _MASK).bit_count()
