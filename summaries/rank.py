"""Sentence scoring: position-biased centroid centrality with title overlap.

The features follow MEAD (Radev, Jing, Styś and Tam, "Centroid-based summarization of multiple
documents", IP&M 2004): similarity to the document's TF-IDF centroid, sentence position, and
overlap with the title (MEAD's first-sentence overlap stands in when there is no title). We
depart from MEAD in the position curve: a reciprocal decay over the sentence index, because the
lead of Chinese news carries most of its content and a linear decay undervalues it. Centrality
is taken against the centroid rather than over a sentence graph (TextRank, Mihalcea and Tarau
2004): it ranks about the same on news and costs one pass instead of a quadratic one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import repeat
from operator import mul

from summaries.weights import Vector

# Feature weights, tuned on the NLPCC/LCSTS/CLTS dev sets (see bench/quality.py).
CENTRALITY_WEIGHT = 1.0
POSITION_WEIGHT = 1.5
TITLE_WEIGHT = 0.5
POSITION_DECAY = 1.0


def tfidf_vector(words: Sequence[str], idf: Mapping[str, float], unknown: float) -> Vector:
    """Term frequency times inverse document frequency for the words of one text."""
    return {w: n * idf.get(w, unknown) for w, n in Counter(words).items()}


def norm(vector: Vector) -> float:
    """Euclidean length of a sparse vector."""
    values = vector.values()
    return math.sqrt(sum(map(mul, values, values)))


def cosine(a: Vector, b: Vector, a_norm: float | None = None, b_norm: float | None = None) -> float:
    """Cosine similarity of two sparse vectors (0.0 when either is empty); norms may be given."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    # Missing keys add v * 0.0 == 0.0, which leaves a float sum unchanged: the same dot product
    # as summing only the shared keys, with the loop in C.
    dot = sum(map(mul, small.values(), map(large.get, small, repeat(0.0))))
    if not dot:
        return 0.0
    return dot / ((a_norm or norm(a)) * (b_norm or norm(b)))


def position_score(index: int) -> float:
    """Reciprocal decay over the sentence index: 1, 1/2, 1/3 ... with POSITION_DECAY = 1."""
    return 1.0 / (1.0 + index) ** POSITION_DECAY


def score_sentences(
    vectors: Sequence[Vector], title: Vector, norms: Sequence[float] | None = None
) -> list[float]:
    """A score per sentence from centrality, position and title overlap (higher is better).

    ``norms`` (the vectors' lengths) may be given when the caller already has them.
    """
    if not vectors:
        return []
    centroid: Vector = {}
    for vector in vectors:
        for k, v in vector.items():
            centroid[k] = centroid.get(k, 0.0) + v
    centroid_norm = norm(centroid)
    if norms is None:
        norms = [norm(v) for v in vectors]
    centrality = [
        cosine(v, centroid, n, centroid_norm) if n else 0.0
        for v, n in zip(vectors, norms, strict=True)
    ]
    top = max(centrality) or 1.0
    pseudo_title = title or vectors[0]
    title_total = sum(pseudo_title.values())
    return [
        CENTRALITY_WEIGHT * c / top
        + POSITION_WEIGHT * position_score(i)
        + TITLE_WEIGHT * _title_share(v, pseudo_title, title_total)
        for i, (c, v) in enumerate(zip(centrality, vectors, strict=True))
    ]


def _title_share(vector: Vector, title: Vector, total: float) -> float:
    # title_overlap with the title's total mass computed once per article, not per sentence;
    # w * False adds 0.0, so this sums exactly the weights of the title words the vector has.
    if not total:
        return 0.0
    return sum(map(mul, title.values(), map(vector.__contains__, title))) / total
