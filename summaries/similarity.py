"""Near-duplicate detection: SimHash fingerprints over word tokens.

Charikar, "Similarity estimation techniques from rounding algorithms" (STOC 2002), as used for
web pages by Manku, Jain and Das Sarma (WWW 2007): each token's 64-bit hash votes on every bit,
weighted by the token's count; texts whose fingerprints differ in few bits share most tokens.
Here tokens are word 2-shingles, so that re-ordered boilerplate weighs less than shared prose.

Departure from the textbook loop: instead of 64 additions per shingle, each hash is spread into
64 lanes of one big integer (bit k of the hash becomes lane k), and the weighted spreads are
summed with a single big-integer addition per shingle. Lane k then holds the weight voting 1 on
bit k; the bit is set when that weight is more than half of the total, exactly as the per-bit
vote. Eight lookups in precomputed byte tables replace the 64-step loop.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

_BITS = 64
_MASK = (1 << _BITS) - 1
# Each lane must hold the total weight of a text: 40 bits is far beyond any article's length.
_LANE = 40
_LANE_MASK = (1 << _LANE) - 1


def _byte_tables() -> tuple[tuple[int, ...], ...]:
    # _TABLES[j][v]: byte value v, found at byte j from the least significant end, spread so
    # that its bit b lands in lane 8*j + b.
    tables = []
    for j in range(_BITS // 8):
        row = []
        for value in range(256):
            spread = 0
            for b in range(8):
                if value >> b & 1:
                    spread |= 1 << ((8 * j + b) * _LANE)
            row.append(spread)
        tables.append(tuple(row))
    return tuple(tables)


_TABLES = _byte_tables()


def _digest(token: str) -> bytes:
    # blake2b is stable across processes (unlike hash()), so fingerprints can be stored.
    return hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()


def simhash(tokens: Sequence[str]) -> int:
    """A 64-bit SimHash of ``tokens`` as a signed integer (fits a database BIGINT)."""
    shingles = Counter(a + "\x1f" + b for a, b in zip(tokens, tokens[1:], strict=False))
    if not shingles:
        shingles = Counter(tokens)
    t0, t1, t2, t3, t4, t5, t6, t7 = _TABLES
    lanes = 0
    total = 0
    for shingle, weight in shingles.items():
        # The digest is read big-endian, so its last byte is the least significant.
        d7, d6, d5, d4, d3, d2, d1, d0 = _digest(shingle)
        spread = t0[d0] | t1[d1] | t2[d2] | t3[d3] | t4[d4] | t5[d5] | t6[d6] | t7[d7]
        lanes += spread * weight if weight != 1 else spread
        total += weight
    value = 0
    for bit in range(_BITS):
        # Votes for 1 minus votes for 0 is 2*ones - total; the bit is set when that is positive.
        if 2 * ((lanes >> (bit * _LANE)) & _LANE_MASK) > total:
            value |= 1 << bit
    return value - (1 << _BITS) if value >= 1 << (_BITS - 1) else value


def hamming_distance(a: int, b: int) -> int:
    """Number of differing bits between two fingerprints."""
    return ((a ^ b) & _MASK).bit_count()
