"""SimHash fingerprints: the fast lane sum equals the per-bit vote, and distances mean something."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from summaries.pages import split_page
from summaries.similarity import hamming_distance, simhash
from summaries.tokens import search_tokens

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_a9c33694dae72277.txt"


def reference_simhash(tokens: Sequence[str]) -> int:
    """Charikar's per-bit vote, written the slow and obvious way."""
    shingles = Counter(a + "\x1f" + b for a, b in zip(tokens, tokens[1:], strict=False))
    if not shingles:
        shingles = Counter(tokens)
    votes = [0] * 64
    for shingle, weight in shingles.items():
        digest = hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest()
        h = int.from_bytes(digest, "big")
        for bit in range(64):
            votes[bit] += weight if (h >> bit) & 1 else -weight
    value = sum(1 << bit for bit in range(64) if votes[bit] > 0)
    return value - (1 << 64) if value >= 1 << 63 else value


@pytest.fixture(scope="module")
def bodies() -> list[str]:
    return [a.body for a in split_page(SEED.read_text(encoding="utf-8"))]


def test_matches_the_per_bit_vote(bodies: list[str]) -> None:
    cases: list[list[str]] = [[], ["党建"], ["党建", "党建"], ["a", "b", "a", "b", "a", "b"]]
    cases += [search_tokens(body) for body in bodies]
    # Repeated shingles (weights above one) and a long text.
    cases.append(search_tokens("\n".join(bodies) * 3))
    for tokens in cases:
        assert simhash(tokens) == reference_simhash(tokens)


def test_signed_64_bit_and_deterministic(bodies: list[str]) -> None:
    values = [simhash(search_tokens(body)) for body in bodies]
    assert all(-(1 << 63) <= v < (1 << 63) for v in values)
    assert values == [simhash(search_tokens(body)) for body in bodies]
    assert len(set(values)) == len(values)


def test_near_copies_are_close_and_distinct_stories_far(bodies: list[str]) -> None:
    article = bodies[0]
    paragraphs = article.split("\n")
    with_tail = article + "\n（来源：河南日报 责任编辑：王某）"
    without_last = "\n".join(paragraphs[:-1])
    original = simhash(search_tokens(article))
    assert hamming_distance(original, simhash(search_tokens(with_tail))) <= 3
    assert hamming_distance(original, simhash(search_tokens(without_last))) <= 8
    others = [simhash(search_tokens(body)) for body in bodies[1:]]
    assert min(hamming_distance(original, other) for other in others) > 12


def test_hamming_distance_on_signed_values() -> None:
    assert hamming_distance(0, 0) == 0
    assert hamming_distance(-1, 0) == 64
    assert hamming_distance(-1, (1 << 63) - 1) == 1
    assert hamming_distance(5, 6) == 2
