"""Queries too long for Telegram's 64-byte callback data, remembered under a short reference."""

from __future__ import annotations

from collections import OrderedDict

from bot.callbacks import fits, key_digest

_MEMO_SIZE = 10_000


class QueryMemo:
    """Search words for buttons that cannot carry them, the most recent ``size`` of them.

    Buttons carry ``~<digest>``; a restarted bot (or another webhook worker) no longer knows
    the reference, and the button then answers that the search expired.
    """

    def __init__(self, size: int = _MEMO_SIZE):
        self._size = size
        self._queries: OrderedDict[str, str] = OrderedDict()

    def reference(self, query: str, *fields: str) -> str:
        """The query itself when it fits next to ``fields`` in callback data, else ``~digest``."""
        if "|" not in query and not query.startswith("~") and fits(*fields, query):
            return query
        ref = "~" + key_digest(query)
        self._queries[ref] = query
        self._queries.move_to_end(ref)
        while len(self._queries) > self._size:
            self._queries.popitem(last=False)
        return ref

    def recall(self, ref: str) -> str | None:
        """The query a button refers to, None when it has been forgotten."""
        return self._queries.get(ref) if ref.startswith("~") else ref
