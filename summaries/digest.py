"""Digest selection: whole sentences under a character budget, with redundancy control.

Sentences are scored by ``summaries.rank`` and picked greedily by Maximal Marginal Relevance
(Carbonell and Goldstein, SIGIR 1998): each step takes the sentence whose score, less its
similarity to what is already chosen, is highest among those that still fit the budget.
Departures from plain MMR: near-duplicates are refused outright; a sentence that opens with a
word pointing back (而, 但, 这, 此外, 他们 ...) is only taken when the sentence before it is taken;
headings, bylines and captions are never taken; and when no sentence worth taking fits, the best
sentence is cut at a clause mark, as a lead-based digest would be.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from operator import add, mul

from summaries.boilerplate import strip_boilerplate
from summaries.chars import JIEBA_BLOCK_CHAR
from summaries.model import Article
from summaries.rank import cosine, norm, score_sentences
from summaries.scene import news_after_scene, opens_with_scene
from summaries.text import cut_at_clause, ends_sentence, split_sentences, strip_dateline
from summaries.weights import ContentWeights, Vector, weighted_vector
from summaries.words import Tokenizer, jieba_words

# MMR trade-off between relevance and novelty.
MMR_LAMBDA = 0.7
# A further sentence must score at least this share of the first chosen one.
MIN_RELATIVE_SCORE = 0.3
# Whole sentences are preferred to a cut one unless they score below this share of the best.
CUT_WHEN_BELOW = 0.5
# Share of its score a sentence keeps when it opens by setting a scene: the lead position it
# holds is owed to the news, which such a sentence does not yet tell.
SCENE_FACTOR = 0.5
# Character-bigram Jaccard at or above which two sentences count as the same.
NEAR_DUPLICATE = 0.6
# Value kept per clause skipped at the head of a sentence cut to fit (1.0: no head bias;
# on the dev sets the most informative run beats the head).
CLAUSE_DECAY = 1.0
# Extra worth of a clause word found in the title, and per log of the sentences it is found in.
TITLE_FACTOR = 2.0
SPREAD_FACTOR = 2.0

_DEPENDENT_OPENERS = (
    "而", "但", "这", "那", "此", "其", "该", "他", "她", "它", "同时", "此外",
    "另外", "另一方面", "然而", "不过", "因此", "所以", "因而", "从而", "进而",
    "于是", "对此", "为此", "据此", "并且", "并", "也", "还", "随后", "然后",
    "接着", "之后", "后来", "总之", "可是", "否则", "况且", "何况", "甚至",
    "与此同时", "相比之下", "反之", "上述", "以上",
)  # fmt: skip
_NOT_CONTENT = re.compile(
    r"^(?:[（(]?(?:记者|通讯员|责任编辑|编辑|来源|作者|图|摄影|校对)[：:/ ]"
    r"|.{0,20}\s*摄$|[（(]完[）)])"
)
# A sentence can only match _NOT_CONTENT when it opens with one of these or ends with 摄.
_NOT_CONTENT_FIRST = frozenset("（(记通责编来作图摄校")
_HEADING_MAX = 20
_CLAUSE_END = "，、；：,;: "
_CLAUSE = re.compile(r"[^，、；：,;:]*[，、；：,;:]*")


@dataclass(frozen=True)
class Candidate:
    """A sentence of the article as the digest sees it."""

    index: int
    text: str
    tokens: tuple[str, ...]
    vector: Vector
    excluded: bool
    dependent: bool
    # Opens by setting a scene (步入院内，…) rather than saying what happened.
    scene: bool = False
    # Euclidean length of ``vector``, kept so that scoring and MMR do not recompute it.
    length: float = 0.0


def _clean_cut(text: str, at: int) -> bool:
    """True when cutting ``text`` at ``at`` cannot change how either side is tokenized."""
    # A cut between two characters jieba keeps in one run may tokenize differently from the
    # sentence alone, so such a sentence is tokenized on its own.
    if at <= 0 or at >= len(text):
        return True
    return not (JIEBA_BLOCK_CHAR.match(text, at - 1) and JIEBA_BLOCK_CHAR.match(text, at))


def candidates_for(
    article: Article, tokenizer: Tokenizer = jieba_words, weights: ContentWeights | None = None
) -> list[Candidate]:
    """Every sentence of the body with what the digest rules need to know.

    The body is tokenized in one call and each sentence takes its slice of the tokens, which is
    what tokenizing it alone would give (a sentence whose ends could tokenize differently in
    context is tokenized alone); one call over the text costs far less than one per sentence.
    ``weights`` is the caller's word-weight memory (a fresh one when not given).
    """
    if weights is None:
        weights = ContentWeights()
    # Labels, datelines and credits are no part of any sentence the digest may take.
    paragraphs = [piece for p in article.paragraphs for piece in strip_boilerplate(p)]
    body = "\n".join(paragraphs)
    tokens = tuple(tokenizer(body)) if body else ()
    # Where each token starts in the body; only when the tokens spell the body exactly (jieba's
    # do), else no slicing.
    offsets = [0, *accumulate(map(len, tokens))] if tokens and "".join(tokens) == body else []
    ends = len(offsets)
    table = weights.update(tokens)
    out: list[Candidate] = []
    base = 0  # offset of the paragraph in the body (paragraphs are joined by one newline)
    for paragraph in paragraphs:
        sentences = split_sentences(paragraph)
        single = len(sentences) == 1
        pos = 0
        for n, raw in enumerate(sentences):
            text = news_after_scene(strip_dateline(raw) if n == 0 else raw)
            at = paragraph.find(text, pos)
            first = last = None
            if at >= 0:
                pos = at + len(text)
                start, end = base + at, base + pos
                if offsets and _clean_cut(body, start) and _clean_cut(body, end):
                    first = bisect_left(offsets, start)
                    last = bisect_left(offsets, end, first)
                    if last >= ends or offsets[first] != start or offsets[last] != end:
                        first = None
            if first is not None and last is not None:
                sentence_tokens = tokens[first:last]
                vector = weighted_vector(sentence_tokens, table)
            else:
                sentence_tokens = tuple(tokenizer(text))
                vector = weights.vector(sentence_tokens)
            values = vector.values()
            out.append(
                Candidate(
                    index=len(out),
                    text=text,
                    tokens=sentence_tokens,
                    vector=vector,
                    excluded=(single and len(text) <= _HEADING_MAX and not ends_sentence(text))
                    or (
                        (text[0] in _NOT_CONTENT_FIRST or text.endswith(("摄", "摄\n")))
                        and _NOT_CONTENT.match(text) is not None
                    ),
                    dependent=text.startswith(_DEPENDENT_OPENERS),
                    scene=opens_with_scene(text, sentence_tokens),
                    length=math.sqrt(sum(map(mul, values, values))),
                )
            )
        base += len(paragraph) + 1
    return out


def _bigrams(text: str, memo: dict[str, frozenset[str]]) -> frozenset[str]:
    # Each character joined to the next, in C: the same set as slicing every two characters.
    # Remembered for one digest: MMR compares a chosen sentence with every later candidate.
    found = memo.get(text)
    if found is None:
        found = memo[text] = frozenset(map(add, text, text[1:]))
    return found


def _near_duplicate(a: Candidate, b: Candidate, memo: dict[str, frozenset[str]]) -> bool:
    if a.text in b.text or b.text in a.text:
        return True
    # Sentences that share no weighted word cannot be near-duplicates; skip the bigram count.
    if not a.vector.keys() & b.vector.keys():
        return False
    x, y = _bigrams(a.text, memo), _bigrams(b.text, memo)
    return bool(x and y) and len(x & y) / len(x | y) >= NEAR_DUPLICATE


def choose(
    candidates: Sequence[Candidate],
    title: Vector,
    *,
    max_chars: int,
    max_sentences: int,
    tokenizer: Tokenizer = jieba_words,
    weights: ContentWeights | None = None,
) -> tuple[str, ...]:
    """The digest's sentences for pre-tokenized candidates, in document order."""
    if not candidates or max_chars < 1 or max_sentences < 1:
        return ()
    bigrams: dict[str, frozenset[str]] = {}
    scores = score_sentences(
        [c.vector for c in candidates], title, [c.length or norm(c.vector) for c in candidates]
    )
    scores = [s * SCENE_FACTOR if c.scene else s for s, c in zip(scores, candidates, strict=True)]
    # Best score first; the sort is stable, so ties keep document order.
    order = sorted(range(len(candidates)), key=scores.__getitem__, reverse=True)
    usable = [i for i in order if not candidates[i].excluded] or order
    chosen: list[int] = []
    used = 0
    while len(chosen) < max_sentences:
        best, best_value = -1, 0.0
        for i in usable:
            # ``usable`` is sorted by score and redundancy is never negative, so once the score
            # alone cannot beat the best value, no later sentence can either.
            if best >= 0 and MMR_LAMBDA * scores[i] <= best_value:
                break
            c = candidates[i]
            if i in chosen or used + len(c.text) > max_chars:
                continue
            if c.dependent and (i - 1) not in chosen:
                continue
            if any(_near_duplicate(c, candidates[j], bigrams) for j in chosen):
                continue
            redundancy = max(
                (
                    cosine(c.vector, d.vector, c.length or None, d.length or None)
                    for d in (candidates[j] for j in chosen)
                ),
                default=0,
            )
            value = MMR_LAMBDA * scores[i] - (1 - MMR_LAMBDA) * redundancy
            if best < 0 or value > best_value:
                best, best_value = i, value
        if best < 0 or (chosen and scores[best] < MIN_RELATIVE_SCORE * scores[chosen[0]]):
            break
        chosen.append(best)
        used += len(candidates[best].text)
    top = next((i for i in usable if not candidates[i].dependent), usable[0])
    if not chosen or (top not in chosen and scores[chosen[0]] < CUT_WHEN_BELOW * scores[top]):
        centroid: Counter[str] = Counter()
        for c in candidates:
            centroid.update(c.vector.keys())
        cut = clause_window(
            candidates[top].text,
            title,
            max_chars=max_chars,
            tokenizer=tokenizer,
            counts=centroid,
            weights=weights,
        )
        return (_never_mid_clause(cut),)
    return tuple(_never_mid_clause(candidates[i].text) for i in sorted(chosen))


def _never_mid_clause(sentence: str) -> str:
    """``sentence`` ending in "…" instead of a clause mark (a line the source cut at "；")."""
    if sentence.endswith(tuple(_CLAUSE_END)):
        return sentence.rstrip(_CLAUSE_END) + "…"
    return sentence


def clause_window(
    sentence: str,
    title: Vector,
    *,
    max_chars: int,
    tokenizer: Tokenizer = jieba_words,
    counts: Mapping[str, int] | None = None,
    weights: ContentWeights | None = None,
) -> str:
    """The run of whole clauses of ``sentence`` that fits ``max_chars`` and says the most.

    A run is worth the IDF of its content words, more for title words and for words found in
    many sentences of the article (``counts``), discounted by CLAUSE_DECAY per clause skipped
    at the start. The cut end gets an ellipsis.
    """
    if len(sentence) <= max_chars:
        return sentence
    if weights is None:
        weights = ContentWeights()
    clauses = [c for c in _CLAUSE.findall(sentence) if c]
    limit = max_chars - 1  # room for the ellipsis
    # A clause longer than the budget is never part of a run, so it is not tokenized at all.
    worth = [
        _clause_worth(tokenizer(c), title, counts, weights)
        if len(c.rstrip(_CLAUSE_END)) <= limit
        else 0.0
        for c in clauses
    ]
    best: tuple[float, int, int] | None = None
    for a in range(len(clauses)):
        size, value = 0, 0.0
        for b in range(a, len(clauses)):
            size += len(clauses[b].rstrip(_CLAUSE_END))
            if size > limit:
                break
            value += worth[b]
            size += len(clauses[b]) - len(clauses[b].rstrip(_CLAUSE_END))
            discounted = value * CLAUSE_DECAY**a
            if best is None or discounted > best[0]:
                best = (discounted, a, b + 1)
    if best is None:
        return cut_at_clause(sentence, max_chars)
    _, a, b = best
    text = "".join(clauses[a:b]).rstrip(_CLAUSE_END)
    return text if b == len(clauses) and a == 0 else text + "…"


def _clause_worth(
    tokens: Sequence[str],
    title: Vector,
    counts: Mapping[str, int] | None,
    weights: ContentWeights,
) -> float:
    table = weights.update(tokens)
    return sum(
        table[w]
        * (TITLE_FACTOR if w in title else 1.0)
        * (1.0 + SPREAD_FACTOR * math.log(counts.get(w, 1) if counts else 1))
        for w in tokens
        if w in table
    )


def select_digest(
    article: Article,
    *,
    max_chars: int = 150,
    max_sentences: int = 3,
    tokenizer: Tokenizer = jieba_words,
) -> tuple[str, ...]:
    """1 to ``max_sentences`` whole sentences within ``max_chars``, in document order."""
    weights = ContentWeights()
    candidates = candidates_for(article, tokenizer, weights)
    title = weights.vector(tokenizer(article.title)) if article.title else {}
    return choose(
        candidates,
        title,
        max_chars=max_chars,
        max_sentences=max_sentences,
        tokenizer=tokenizer,
        weights=weights,
    )
