"""Shared fixtures for the summaries tests: the seed page and the repository root."""

from __future__ import annotations

from pathlib import Path

import pytest

from summaries import Article, split_page
from summaries.segmenter import TOKENIZERS, Segmenter, segmenter

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "seeds" / "000_a9c33694dae72277.txt"


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_articles(seed_text: str) -> list[Article]:
    return split_page(seed_text)


@pytest.fixture(params=TOKENIZERS)
def words(request: pytest.FixtureRequest) -> Segmenter:
    """Each segmenter in turn (TOKENIZER=rjieba, then jieba): both must pass every test."""
    return segmenter(request.param)
