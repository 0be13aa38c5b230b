"""Near-duplicate detection: SimHash fingerprints over word tokens.

Charikar, "Similarity estimation techniques from rounding algorithms" (STOC 2002), as used for
web pages by Manku, Jain and Das Sarma (WWW 2007): each token's 64-bit hash votes on every bit,
weighted by the token's count; texts whose fingerprints differ in few bits share most tokens.
Here tokens are word 2-shingles, so that re-ordered boilerplate weighs less than shared prose.

Departure from the textbook loop: instead of 64 additions per shingle, every shingle's 8-byte
hash is written out as often as the shingle occurs, one after another, and the votes are counted
by C-level byte operations: the bytes at one position of every hash form a column, and the
ones on bit k of that position are ``column.translate(table_k).count(1)``. The bit is set when
its ones are more than half of all the hashes, exactly as the per-bit vote.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

_BITS = 64
_MASK = (1 << _BITS) - 1
# _BIT_OF[b][v]: bit b of byte value v (1 or 0), as a translation table.
_BIT_OF = tuple(bytes((value >> b) & 1 for value in range(256)) for b in range(8))


def _digest(token: str) -> bytes:
    # blake2b is stable across processes (unlike hash()), so fingerprints can be stored.
    return hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()


def simhash(tokens: Sequence[str]) -> int:
    """A 64-bit SimHash of ``tokens`` as a signed integer (fits a database BIGINT)."""
    shingles = Counter(map("\x1f".join, zip(tokens, tokens[1:], strict=False)))
    if not shingles:
        shingles = Counter(tokens)
    digest = _digest
    hashes = b"".join([digest(shingle) * weight for shingle, weight in shingles.items()])
    total = len(hashes) // 8
    value = 0
    for position in range(8):
        # Digests are big-endian: the first byte holds the most significant bits.
        column = hashes[position::8]
        low = 8 * (7 - position)
        for bit, table in enumerate(_BIT_OF):
            # Votes for 1 minus votes for 0 is 2*ones - total; the bit is set when positive.
            if 2 * column.translate(table).count(1) > total:
                value |= 1 << (low + bit)
    return value - (1 << _BITS) if value >= 1 << (_BITS - 1) else value


def hamming_distance(a: int, b: int) -> int:
    """Number of differing bits between two fingerprints."""
    return ((a ^ b) & _MASK).bit_count()
