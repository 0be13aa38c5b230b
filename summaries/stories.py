"""Stories: articles that report the same event, grouped incrementally as they arrive.

Each article joins the open story it matches best, or starts a new one; every article gets
exactly one story, so stories are transitive by construction (unlike pairwise duplicate tests).
The comparison is with the story's centroid, as in single-pass clustering for topic detection
and tracking (Allan, Papka and Lavrenko, "On-line new event detection and tracking", SIGIR
1998): the mean of its members' term vectors and their summed title bigrams. Against members
one by one (single link) a story would chain from one event to the next through its loosest
member; a centroid drifts only as far as the bulk of its members.

Cost per article stays flat as the store grows: only stories whose latest article falls within
``window`` of the newest one are open, and candidates come from an inverted index over a few
heaviest terms of each story's centroid; only the best ``max_candidates`` by shared index
weight are scored in full. Departure from Allan et al.: the time window closes stories instead
of decaying their scores, so that old stories cost nothing.

The index keeps no text, only signatures: the bot stores each article's signature and story id,
and after a restart replays the articles of the last window with ``add``.
"""

from __future__ import annotations

import heapq
import math
import operator
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import repeat
from typing import NamedTuple

from summaries.story_signature import (
    TERM_SHARE,
    StorySignature,
    bigram_cosine,
    cosine,
    timestamp,
)

# Tuned on story_dev.jsonl, see bench/stories.py and docs/benchmarks.md.
THRESHOLD = 0.24
WINDOW = timedelta(days=3)
INDEX_TERMS = 8  # heaviest centroid terms under which a story is found
QUERY_TERMS = 10  # heaviest article terms looked up
MAX_CANDIDATES = 30  # stories scored in full per article
CENTROID_TERMS = 120  # a centroid keeps its heaviest terms only, so it stays small
# A term or title bigram carried by this share of the open articles (and by at least
# COMMON_MIN of them) is boilerplate, such as a site's "中新网-视频-" before every title, and is
# left out of the comparison: otherwise one story swallows every article that carries it.
COMMON_SHARE = 0.02
COMMON_MIN = 20

ArticleId = Hashable


@dataclass(slots=True)
class Story:
    """An open story: its members, its representative and its centroid."""

    id: ArticleId  # the id of its first article
    members: list[ArticleId]
    representative: ArticleId  # the fullest member (longest body; the earliest on a tie)
    first_seen: float  # publication times, seconds since the epoch
    last_seen: float
    centroid: dict[str, float] = field(default_factory=dict)  # sum of member term vectors
    terms: dict[str, int] = field(default_factory=dict)  # members carrying each term
    bigrams: dict[str, float] = field(default_factory=dict)  # summed title bigrams
    keys: tuple[str, ...] = ()
    _longest: int = 0
    _centroid_norm: float = 0.0
    _bigram_norm: float = 0.0

    @property
    def size(self) -> int:
        """How many articles the story holds."""
        return len(self.members)


class _Probe(NamedTuple):
    terms: dict[str, float]  # unit length, boilerplate left out
    bigrams: tuple[str, ...]
    common_terms: set[str]
    common_bigrams: set[str]


@dataclass(frozen=True, slots=True)
class Assignment:
    """The story an article was put in."""

    story: ArticleId
    joined: bool  # False when the article started the story
    score: float  # similarity to the story it joined (1.0 for a new story)


class StoryIndex:
    """Open stories and the inverted index that finds them; ``assign`` one article at a time."""

    def __init__(
        self,
        *,
        threshold: float = THRESHOLD,
        window: timedelta = WINDOW,
        term_share: float = TERM_SHARE,
        max_candidates: int = MAX_CANDIDATES,
    ) -> None:
        self.threshold = threshold
        self.window = window.total_seconds()
        self.term_share = term_share
        self.max_candidates = max_candidates
        self._stories: dict[ArticleId, Story] = {}
        self._order: dict[ArticleId, int] = {}  # story -> creation number, for stable ties
        self._created = 0
        self._postings: dict[str, set[ArticleId]] = {}
        # Open articles carrying each term, and each title bigram, to spot boilerplate.
        self._carried: dict[str, int] = {}
        self._carried_bigrams: dict[str, int] = {}
        self._open_articles = 0
        self._closing: list[tuple[float, int, ArticleId]] = []  # (last_seen, number, story)
        self._clock = -math.inf  # the newest publication time seen

    def __len__(self) -> int:
        return len(self._stories)

    def __iter__(self) -> Iterator[Story]:
        return iter(self._stories.values())

    def story(self, story_id: ArticleId) -> Story | None:
        """The open story with that id, if it is still open."""
        return self._stories.get(story_id)

    def assign(self, article_id: ArticleId, signature: StorySignature) -> Assignment:
        """Put the article in the best matching open story, or start one with its id."""
        when = self._advance(signature)
        probe = self._probe(signature)
        best: Story | None = None
        best_score = self.threshold
        for story in self._candidates(probe, when):
            score = self._score(probe, story)
            if score >= best_score and (best is None or score > best_score):
                best, best_score = story, score
        if best is None:
            self._start(article_id, signature, when)
            return Assignment(article_id, False, 1.0)
        self._join(best, article_id, signature, when)
        return Assignment(best.id, True, best_score)

    def add(self, article_id: ArticleId, signature: StorySignature, story_id: ArticleId) -> None:
        """Replay a stored assignment (after a restart) without deciding it again."""
        when = self._advance(signature)
        story = self._stories.get(story_id)
        if story is None:
            self._start(article_id, signature, when, story_id=story_id)
        else:
            self._join(story, article_id, signature, when)

    def candidates(self, signature: StorySignature) -> list[Story]:
        """Open stories within the window sharing an index term, most shared weight first."""
        return self._candidates(self._probe(signature), self._when(signature))

    def _candidates(self, probe: _Probe, when: float) -> list[Story]:
        shared: dict[ArticleId, float] = {}
        terms = probe.terms
        for term in _heaviest_first(terms)[:QUERY_TERMS]:
            weight = terms[term]
            for story_id in self._postings.get(term, ()):
                shared[story_id] = shared.get(story_id, 0.0) + weight
        # Most shared weight first, the older story first among equals.
        ranked = sorted(shared, key=self._order.__getitem__)
        ranked.sort(key=shared.__getitem__, reverse=True)
        out = []
        for story_id in ranked:
            story = self._stories[story_id]
            if story.first_seen - self.window <= when <= story.last_seen + self.window:
                out.append(story)
                if len(out) == self.max_candidates:
                    break
        return out

    def similarity(self, signature: StorySignature, story: Story) -> float:
        """How well an article matches a story's centroid, in [0, 1]."""
        return self._score(self._probe(signature), story)

    def _probe(self, signature: StorySignature) -> _Probe:
        """The article without its boilerplate: terms and title bigrams common in the window."""
        limit = max(COMMON_MIN, COMMON_SHARE * self._open_articles)
        carried = self._carried
        terms = {t for t, _ in signature.terms if carried.get(t, 0) >= limit}
        in_bigrams = self._carried_bigrams.get
        bigrams = {b for b in signature.title_bigrams if in_bigrams(b, 0) >= limit}
        vector = _unit({t: w for t, w in signature.terms if t not in terms})
        kept = tuple(b for b in signature.title_bigrams if b not in bigrams)
        return _Probe(vector, kept, terms, bigrams)

    def _score(self, probe: _Probe, story: Story) -> float:
        # The article's boilerplate is left out of the story's norms too.
        centroid_norm, bigram_norm = story._centroid_norm, story._bigram_norm
        if probe.common_terms:
            centroid_norm = _without(story.centroid, centroid_norm, probe.common_terms)
        if probe.common_bigrams:
            bigram_norm = _without(story.bigrams, bigram_norm, probe.common_bigrams)
        terms = cosine(probe.terms, story.centroid, centroid_norm)
        title = bigram_cosine(probe.bigrams, story.bigrams, bigram_norm)
        return self.term_share * terms + (1.0 - self.term_share) * title

    def _when(self, signature: StorySignature) -> float:
        # An article without a time is taken as published with the newest one seen.
        if signature.published is not None:
            return timestamp(signature.published)
        return self._clock if self._clock > -math.inf else 0.0

    def _advance(self, signature: StorySignature) -> float:
        when = self._when(signature)
        if when > self._clock:
            self._clock = when
            self._close_before(when - self.window)
        return when

    def _close_before(self, limit: float) -> None:
        while self._closing and self._closing[0][0] < limit:
            last_seen, _, story_id = heapq.heappop(self._closing)
            story = self._stories.get(story_id)
            if story is None or story.last_seen != last_seen:
                continue  # a stale entry: the story grew since, and has a newer one
            self._set_keys(story, ())
            self._open_articles -= story.size
            _forget(self._carried, story.terms.items())
            _forget(self._carried_bigrams, ((b, int(n)) for b, n in story.bigrams.items()))
            del self._stories[story_id]
            del self._order[story_id]

    def _start(
        self,
        article_id: ArticleId,
        signature: StorySignature,
        when: float,
        *,
        story_id: ArticleId | None = None,
    ) -> None:
        sid = article_id if story_id is None else story_id
        story = Story(sid, [], article_id, when, when)
        self._stories[sid] = story
        self._order[sid] = self._created
        self._created += 1
        self._join(story, article_id, signature, when)

    def _join(
        self, story: Story, article_id: ArticleId, signature: StorySignature, when: float
    ) -> None:
        story.members.append(article_id)
        if signature.length > story._longest:
            story.representative, story._longest = article_id, signature.length
        story.first_seen = min(story.first_seen, when)
        if when >= story.last_seen:
            story.last_seen = when
        heapq.heappush(self._closing, (story.last_seen, self._order[story.id], story.id))
        centroid = story.centroid
        fresh = dict(signature.terms) if not centroid else None  # the story's first article
        if fresh is not None and len(fresh) == len(signature.terms) and 0.0 not in fresh.values():
            # Each term once, each weight added to 0.0: the weights themselves (no weight is
            # 0.0, so none is -0.0, the one float that adding 0.0 changes), in order.
            story.centroid = centroid = fresh
        else:
            fresh = None
            in_centroid = centroid.get
            for term, weight in signature.terms:
                centroid[term] = in_centroid(term, 0.0) + weight
        heaviest = _heaviest_first(centroid)
        if len(centroid) > CENTROID_TERMS:
            # Kept heaviest first: the order the norm below is summed in.
            story.centroid = centroid = {t: centroid[t] for t in heaviest[:CENTROID_TERMS]}
        carried, members_with = self._carried, story.terms
        in_carried, in_members = carried.get, members_with.get
        self._open_articles += 1
        if fresh is not None:
            story.terms = dict.fromkeys(fresh, 1)
            for term in fresh:
                carried[term] = in_carried(term, 0) + 1
        else:
            for term, _ in signature.terms:
                members_with[term] = in_members(term, 0) + 1
                carried[term] = in_carried(term, 0) + 1
        bigrams = story.bigrams
        carried_bigrams = self._carried_bigrams
        in_carried_bigrams = carried_bigrams.get
        for bigram in signature.title_bigrams:
            bigrams[bigram] = bigrams.get(bigram, 0.0) + 1.0
            carried_bigrams[bigram] = in_carried_bigrams(bigram, 0) + 1
        story._centroid_norm = _norm(centroid)
        story._bigram_norm = _norm(bigrams)
        self._set_keys(story, tuple(heaviest[:INDEX_TERMS]))

    def _set_keys(self, story: Story, keys: tuple[str, ...]) -> None:
        for term in set(story.keys) - set(keys):
            posting = self._postings[term]
            posting.discard(story.id)
            if not posting:
                del self._postings[term]
        for term in set(keys) - set(story.keys):
            self._postings.setdefault(term, set()).add(story.id)
        story.keys = keys


def _forget(carried: dict[str, int], counts: Iterable[tuple[str, int]]) -> None:
    for key, n in counts:
        left = carried[key] - n
        if left:
            carried[key] = left
        else:
            del carried[key]


def _norm(vector: dict[str, float]) -> float:
    values = list(vector.values())
    return math.sqrt(sum(map(operator.mul, values, values)))


def _heaviest_first(weights: dict[str, float]) -> list[str]:
    """The keys, heaviest first, in string order among equal weights: the order of sorting
    by (-weight, key), from two sorts that call no Python function per key."""
    keys = sorted(weights)
    keys.sort(key=weights.__getitem__, reverse=True)  # stable: equal weights keep key order
    return keys


def _without(vector: dict[str, float], norm: float, left_out: set[str]) -> float:
    """The norm of ``vector`` without the entries in ``left_out``."""
    # The entries of left_out that vector holds, squared, in C (a missing or zero entry,
    # dropped by the filter, adds nothing to the sum).
    square = norm * norm - sum(map(pow, filter(None, map(vector.get, left_out)), repeat(2)))
    return math.sqrt(square) if square > 1e-12 else 0.0


def _unit(vector: dict[str, float]) -> dict[str, float]:
    length = _norm(vector)
    return {t: w / length for t, w in vector.items()} if length else vector
