"""The passage shown under a search hit, with the offsets of the matched words in it."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

SNIPPET_CHARS = 120
_SENTENCE_END = re.compile(r"[。！？!?；;…]")


Normalize = Callable[[str], str]


@lru_cache(maxsize=8192)
def _normalize_char(normalize: Normalize, char: str) -> str:
    # Snippets normalize article bodies one character at a time; the same few thousand
    # characters recur, so each is normalized once per process.
    return normalize(char)


def _normalized_with_map(text: str, normalize: Normalize) -> tuple[str, list[int]]:
    # Normalize one character at a time (NFKC can change lengths) and remember, for each
    # normalized character, which original character it came from.
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for produced in _normalize_char(normalize, char):
            chars.append(produced)
            origin.append(index)
    return "".join(chars), origin


def find_matches(
    text: str, tokens: Sequence[str], *, normalize: Normalize
) -> list[tuple[int, int]]:
    """Merged (start, end) character spans of ``text`` where any token occurs, comparing
    ``normalize``d text (the normalization the tokens were made from)."""
    normalized, origin = _normalized_with_map(text, normalize)
    spans: list[tuple[int, int]] = []
    for token in tokens:
        start = normalized.find(token)
        while start != -1:
            end = start + len(token)
            spans.append((origin[start], origin[end - 1] + 1))
            start = normalized.find(token, end)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _window(body: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    first = spans[0][0]
    # Start at the beginning of the sentence holding the first match when it is close enough.
    start = max(0, first - SNIPPET_CHARS // 3)
    for found in _SENTENCE_END.finditer(body, start, first):
        start = found.end()
    end = min(len(body), start + SNIPPET_CHARS)
    text = body[start:end]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(body) else ""
    shift = len(prefix) - start
    inside = [(s + shift, min(e, end) + shift) for s, e in spans if s >= start and s < end]
    return prefix + text.replace("\n", " ") + suffix, inside


def make_snippet(
    digest: Sequence[str], body: str, tokens: Sequence[str], *, normalize: Normalize
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The digest sentence with the most matched words, else a body window around the first
    match, else the digest's first sentence; with highlight spans into the returned text."""
    best: tuple[int, str, list[tuple[int, int]]] | None = None
    for sentence in digest:
        spans = find_matches(sentence, tokens, normalize=normalize)
        if spans and (best is None or len(spans) > best[0]):
            best = (len(spans), sentence, spans)
    if best is not None:
        return best[1], tuple(best[2])
    spans = find_matches(body, tokens, normalize=normalize)
    if spans:
        text, inside = _window(body, spans)
        return text, tuple(inside)
    fallback = digest[0] if digest else body[:SNIPPET_CHARS]
    return fallback, ()
