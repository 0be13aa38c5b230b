"""Index tokens joined into one text (what an ingest worker sends back) index exactly as the
tokens themselves, on both backends' index texts."""

from __future__ import annotations

import pickle

from bot.store.fulltext import (
    JoinedTokens,
    document_text,
    joined_tokens,
    tsvector_text,
)

TITLE = ["全国", "春耕", "备耕"]
BODY = ["记者", "从", "农业", "农业农村部", "获悉", "c++", "3.5", "o'neil", "back\\slash"]


def test_joined_tokens_are_the_tokens() -> None:
    joined = joined_tokens(BODY)
    assert isinstance(joined, JoinedTokens)
    assert list(joined) == BODY
    assert len(joined) == len(BODY)
    assert joined[1] == "从" and joined[-2:] == ("o'neil", "back\\slash")
    assert joined == tuple(BODY) and tuple(BODY) == joined
    assert hash(joined) == hash(tuple(BODY))
    assert pickle.loads(pickle.dumps(joined)) == joined


def test_empty_and_blank_tokens_survive() -> None:
    assert list(joined_tokens([])) == []
    assert list(joined_tokens([""])) == [""]
    assert list(joined_tokens(["", "a", ""])) == ["", "a", ""]


def test_a_token_with_a_space_keeps_the_tokens_as_they_are() -> None:
    tokens = ["new york", "时报"]
    assert joined_tokens(tokens) is tokens


def test_index_texts_are_the_same_as_from_the_tokens() -> None:
    long_token = "长" * 260  # filtered by SQLite's document text only when over 1000 bytes
    huge_token = "x" * 1200
    for body in (BODY, [*BODY, long_token], [*BODY, huge_token], []):
        assert document_text(joined_tokens(body)) == document_text(body)
        assert tsvector_text(joined_tokens(TITLE), joined_tokens(body)) == tsvector_text(
            TITLE, body
        )
