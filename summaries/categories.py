"""The news category of an article, from a small linear model shipped with the package.

The model (``summaries/data/categories.txt.gz``, built by ``python -m summaries.train``) is a
linear classifier over binary features: words and character 1- to ``CHAR_NGRAMS``-grams of the
title and the lead, each weighted by its IDF, the vector normalised to unit length. The words
are cut by the segmenter the model was trained with (the file names it: rjieba or jieba,
``summaries.segmenter``), the same engine the rest of the pipeline uses by default; where that
engine is not installed the other one cuts, and the two disagree on too few words to matter
(docs/benchmarks.md). Scores are sums of quantized weights, turned into a confidence by a
softmax whose temperature was fitted on held-out headlines. Pure Python: the file is read on the
first classification, not at import time, and one article costs well under a millisecond.

The model learnt from headlines; measured on Sohu (bench/categories.py), the title plus the
first ``LEAD_CHARS`` characters of the body transfers best to whole articles (see
docs/benchmarks.md).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import math
import re
import sys
import zlib
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from pathlib import Path

from summaries.segmenter import TOKENIZERS, rjieba_installed, segmenter
from summaries.taxonomy import Category, category_by_slug

MODEL_PATH = Path(__file__).resolve().parent / "data" / "categories.txt.gz"
MODEL_FORMAT = "wenzhai-categories 2"
# Character n-grams up to this length join the words.
CHAR_NGRAMS = 2
# How much of the body joins the title: a lead carries the subject, a long body dilutes it.
LEAD_CHARS = 60
TITLE_CHARS = 200
# A second category is named when its confidence is at least this share of the first one's.
SECOND_RATIO = 0.5

log = logging.getLogger(__name__)

_SPACE = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

Tokenizer = Callable[[str], Sequence[str]]


class CategoryModelError(Exception):
    """The category model file is missing or unreadable; the message is one line."""


@dataclass(frozen=True)
class CategoryResult:
    """The category of one article: the primary one, its confidence, and a close second."""

    slug: str
    name_zh: str
    name_en: str
    confidence: float
    second: tuple[str, float] | None = None


def classifier_input(title: str, text: str = "", *, lead_chars: int | None = None) -> str:
    """The text the model reads: the title and the first ``lead_chars`` characters of the body."""
    if lead_chars is None:
        lead_chars = LEAD_CHARS
    title = _SPACE.sub(" ", title[:TITLE_CHARS]).strip()
    lead = _SPACE.sub(" ", text[: lead_chars * 2]).strip()[:lead_chars] if lead_chars else ""
    return f"{title} {lead}".strip()


def category_features(text: str, tokenizer: Tokenizer) -> list[str]:
    """Distinct features of ``text``, first seen first: ``w`` words, then character n-grams
    of 1 to CHAR_NGRAMS characters. ``tokenizer`` cuts the words: the one the model was trained
    with (``model_tokenizer``), never the process's default."""
    lowered = text.lower()
    features = ["w" + w for w in tokenizer(lowered) if w.strip()]
    chars = _SPACE.sub("", lowered)
    for n in range(1, CHAR_NGRAMS + 1):
        # The n-grams in order, as zips of the text shifted by 0 to n-1 characters: C-level.
        shifted = (chars[k:] for k in range(n))
        grams = map("".join, zip(*shifted, strict=False)) if n > 1 else chars
        features.extend(map(str(n).__add__, grams))
    return list(dict.fromkeys(features))


def model_tokenizer(name: str) -> Tokenizer:
    """The words of the engine a model was trained with; jieba where rjieba is missing."""
    if name == "rjieba" and not rjieba_installed():
        log.warning("rjieba is not installed: the category model's words are cut by jieba")
        name = "jieba"
    return segmenter(name).words


@dataclass(frozen=True)
class _Weights:
    categories: tuple[Category, ...]
    tokenizer: str  # the segmenter the model was trained with
    temperature: float
    scale: float
    bias: tuple[float, ...]
    # feature -> (its IDF squared, for the norm; its quantized weights, packed: see _pack)
    features: dict[str, tuple[float, int]]
    # The packing: bits per category, and the offset that makes every packed weight positive.
    field_bits: int
    offset: int
    version: str


class CategoryModel:
    """The shipped category classifier; the file is read on first use (or by ``load``)."""

    def __init__(self, path: Path | str | None = None, *, tokenizer: Tokenizer | None = None):
        """``tokenizer`` overrides the segmenter the model file names (to measure another)."""
        self.path = Path(path) if path is not None else MODEL_PATH
        self._tokenizer = tokenizer
        self._weights: _Weights | None = None

    def load(self) -> CategoryModel:
        """Read the model file now; raises CategoryModelError when it is missing or corrupt."""
        self._load()
        return self

    @property
    def loaded(self) -> bool:
        """Whether the model file has been read."""
        return self._weights is not None

    @property
    def version(self) -> str:
        """A short hash of the model file: it changes whenever the model does."""
        return self._load().version

    @property
    def tokenizer_name(self) -> str:
        """The segmenter the model was trained with (``rjieba`` or ``jieba``)."""
        return self._load().tokenizer

    @property
    def categories(self) -> tuple[Category, ...]:
        """The categories the model knows, in the model's order."""
        return self._load().categories

    def _load(self) -> _Weights:
        if self._weights is None:
            self._weights = _read_model(self.path)
        if self._tokenizer is None:
            self._tokenizer = model_tokenizer(self._weights.tokenizer)
        return self._weights

    def probabilities(
        self, title: str, text: str = "", *, lead_chars: int | None = None
    ) -> list[tuple[Category, float]]:
        """Every category with its confidence, most likely first (ties in taxonomy order)."""
        weights = self._load()
        text = classifier_input(title, text, lead_chars=lead_chars)
        # The model learnt from Chinese: text without any Chinese character is no evidence,
        # and gets the a-priori category with a low confidence.
        assert self._tokenizer is not None  # _load sets it
        feats = category_features(text, self._tokenizer) if _CJK.search(text) else []
        known = list(filter(None, map(weights.features.get, feats)))
        sums = _unpack_sums(sum(map(_PACKED, known)), len(known), weights)
        norm = sum(map(_IDF_SQUARED, known))
        factor = weights.scale / math.sqrt(norm) if norm else 0.0
        pairs = zip(weights.bias, sums, strict=True)
        logits = [weights.temperature * (b + s * factor) for b, s in pairs]
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        ranked = sorted(range(len(exps)), key=lambda i: (-exps[i], i))
        return [(weights.categories[i], exps[i] / total) for i in ranked]

    def classify(
        self, title: str, text: str = "", *, lead_chars: int | None = None
    ) -> CategoryResult:
        """The article's category and confidence; a second one when it is nearly as likely.

        ``text`` is the body; only its first ``lead_chars`` characters are read (LEAD_CHARS).
        """
        (first, p1), (second, p2) = self.probabilities(title, text, lead_chars=lead_chars)[:2]
        return CategoryResult(
            slug=first.slug,
            name_zh=first.name_zh,
            name_en=first.name_en,
            confidence=round(p1, 4),
            second=(second.slug, round(p2, 4)) if p2 >= SECOND_RATIO * p1 else None,
        )


_IDF_SQUARED = itemgetter(0)
_PACKED = itemgetter(1)


def _packer(offset: int, count: int) -> tuple[str, int]:
    """The array type code of the packing's fields, and their width in bits: room for the sum
    of ``count`` weights each between 0 and ``2 * offset``."""
    needed = (2 * offset * max(count, 1)).bit_length()
    for code in "HILQ":
        bits = array(code).itemsize * 8
        if bits >= needed:
            return code, bits
    raise ValueError("quantized weights too large")


def _pack(rows: Sequence[Sequence[int]], code: str, offset: int) -> list[int]:
    """Each feature's quantized weights as one integer: category ``c``'s weight plus ``offset``
    in the ``c``-th field of the array type ``code``. Summing packed features sums every
    category's weights at once, in C; ``_unpack_sums`` reads the sums back exactly."""
    if not rows:
        return []
    fields = array(code, map(offset.__add__, chain.from_iterable(rows)))
    if sys.byteorder == "big":
        fields.byteswap()  # read below as little-endian: category 0 in the lowest field
    data = fields.tobytes()
    step = len(data) // len(rows)
    return [int.from_bytes(data[i : i + step], "little") for i in range(0, len(data), step)]


def _unpack_sums(total: int, count: int, weights: _Weights) -> list[int]:
    """Each category's sum of the weights of ``count`` features whose packed values sum to
    ``total``."""
    bits, field = weights.field_bits, (1 << weights.field_bits) - 1
    less = count * weights.offset
    return [((total >> (c * bits)) & field) - less for c in range(len(weights.bias))]


def _read_model(path: Path) -> _Weights:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CategoryModelError(
            f"category model {path}: cannot read ({exc.strerror or exc})"
        ) from None
    try:
        return _parse_model(gzip.decompress(raw).decode("utf-8"), raw)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError, KeyError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CategoryModelError(f"category model {path}: corrupt ({reason})") from None


def _parse_model(text: str, raw: bytes) -> _Weights:
    lines = text.split("\n")
    header: dict[str, str] = {}
    if not lines or lines[0] != MODEL_FORMAT:
        raise ValueError(f"not a '{MODEL_FORMAT}' file")
    n = 1
    while n < len(lines) and lines[n] != "features":
        key, _, value = lines[n].partition(" ")
        header[key] = value
        n += 1
    categories = tuple(category_by_slug(s) for s in header["categories"].split())
    if header["tokenizer"] not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {header['tokenizer']!r}")
    size = len(categories)
    bias = tuple(float(v) for v in header["bias"].split())
    if size < 2 or len(bias) != size:
        raise ValueError("categories and bias do not match")
    table: dict[str, tuple[float, tuple[int, ...]]] = {}
    for line in lines[n + 1 :]:
        if not line:
            continue
        name, idf, values = line.split("\t")
        weights = tuple(map(int, values.split(" ")))
        if len(weights) != size:
            raise ValueError(f"feature {name!r} has {len(weights)} weights, not {size}")
        table[name] = (float(idf) ** 2, weights)
    if len(table) != int(header["count"]):
        raise ValueError("truncated feature table")
    # An article has at most one of each feature, so no field's sum can reach past its bits:
    # each packed weight is in [0, 2 * offset], and at most len(table) of them add up.
    rows = [row for _, row in table.values()]
    offset = max(max(map(max, rows), default=0), -min(map(min, rows), default=0))
    code, field_bits = _packer(offset, len(table))
    packed = _pack(rows, code, offset)
    pairs = zip(table.items(), packed, strict=True)
    features = {name: (idf_sq, p) for (name, (idf_sq, _)), p in pairs}
    return _Weights(
        categories=categories,
        tokenizer=header["tokenizer"],
        temperature=float(header["temperature"]),
        scale=float(header["scale"]),
        bias=bias,
        features=features,
        field_bits=field_bits,
        offset=offset,
        version=hashlib.sha256(raw).hexdigest()[:12],
    )
