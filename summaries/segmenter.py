"""The word segmenter: the one object that cuts Chinese text into words, for digests and search.

Two engines share jieba's dictionary and algorithm (prefix-dictionary DAG, the most probable
route, an HMM for words the dictionary lacks): ``rjieba``, a binding of jieba-rs compiled from
Rust, about 20 times faster, and ``jieba`` itself, pure Python, the fallback where the compiled
one cannot be installed. They agree on nearly every word of real news (``docs/benchmarks.md``:
the main difference is that jieba-rs keeps ``F-22`` or ``MS-05`` whole where jieba cuts at the
hyphen).

A ``Segmenter`` gives two cuts: ``words`` (jieba's accurate mode: digests, keywords, topics)
and ``search_words`` (jieba's search mode, which also emits the dictionary 2- and 3-grams inside
long words, so 志愿服务队 is found by 志愿 and by 服务). Both cut long runs into pieces first
(``summaries.words.bounded_runs``), so their cost stays linear in the text. The engine loads on
first use, never at import time; ``identity`` names the engine, its version and its dictionary,
which is what a search index records to know whether it was built by the same cut.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
from collections.abc import Callable
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Literal, get_args

from summaries.words import bounded_runs

log = logging.getLogger(__name__)

TokenizerName = Literal["rjieba", "jieba"]
TOKENIZERS: tuple[str, ...] = get_args(TokenizerName)

_Cut = Callable[[str], list[str]]


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


class Segmenter:
    """Words of text by one engine (``rjieba`` or ``jieba``), long runs cut into pieces first.

    Safe to share between threads; both engines load their dictionary once per process.
    """

    def __init__(self, name: TokenizerName) -> None:
        if name not in TOKENIZERS:
            raise ValueError(f"unknown tokenizer {name!r} (one of {', '.join(TOKENIZERS)})")
        self.name: TokenizerName = name
        self._cuts: tuple[_Cut, _Cut] | None = None

    def __repr__(self) -> str:
        return f"Segmenter({self.name!r})"

    def _load(self) -> tuple[_Cut, _Cut]:
        if self._cuts is None:
            if self.name == "rjieba":
                import rjieba  # builds its dictionary on import, so only on first use

                self._cuts = (rjieba.cut, rjieba.cut_for_search)
            else:
                import jieba

                self._cuts = (jieba.lcut, jieba.lcut_for_search)
        return self._cuts

    def words(self, text: str) -> list[str]:
        """Words of ``text`` in accurate mode (HMM on), in order; together they spell the text."""
        cut = self._cuts[0] if self._cuts is not None else self._load()[0]
        pieces = bounded_runs(text)
        if len(pieces) == 1:
            return cut(text)
        return [word for piece in pieces for word in cut(piece)]

    def search_words(self, text: str) -> list[str]:
        """Words of ``text`` in search mode: each long word preceded by its dictionary 2- and
        3-grams, as ``jieba.cut_for_search`` gives them."""
        cut = self._cuts[1] if self._cuts is not None else self._load()[1]
        return [word for piece in bounded_runs(text) for word in cut(piece)]

    @property
    def identity(self) -> dict[str, str]:
        """The engine with its version, and its dictionary: what built a search index."""
        return {"tokenizer": f"{self.name} {_package_version(self.name)}", **_dictionary(self.name)}


@cache
def _dictionary(name: str) -> dict[str, str]:
    if name == "rjieba":
        # jieba-rs compiles jieba's dictionary into the binary: the version names it.
        return {"dictionary": "built in"}
    spec = importlib.util.find_spec("jieba")
    path = Path(spec.origin).parent / "dict.txt" if spec and spec.origin else None
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path else "none"
    except OSError:
        digest = "unreadable"
    return {"dictionary": f"dict.txt sha256:{digest}"}


def rjieba_installed() -> bool:
    """Whether the compiled engine can be imported here."""
    return importlib.util.find_spec("rjieba") is not None


@cache
def segmenter(name: str | None = None) -> Segmenter:
    """The process's segmenter for TOKENIZER ``name``, one object per engine.

    ``None`` (or empty) picks rjieba when it is installed, else jieba, saying so in one log
    line. An unknown name raises ``ValueError``.
    """
    if not name:
        if rjieba_installed():
            return segmenter("rjieba")
        log.warning("rjieba is not installed: tokenizing with jieba (slower, same dictionary)")
        return segmenter("jieba")
    if name not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {name!r} (one of {', '.join(TOKENIZERS)})")
    return Segmenter(name)  # type: ignore[arg-type]  # checked just above
