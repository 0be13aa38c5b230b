"""Stories for a batch of JSON lines (``python -m summaries --jsonl --stories``).

The same ``StorySigner`` and ``StoryIndex`` as the bot; lines are taken in input order, and a
story is named by the id of its first article.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Any

from summaries.stories import StoryIndex
from summaries.story_signature import StorySigner


class StoryGrouper:
    """Assigns each JSON line to a story, in input order."""

    def __init__(self, signer: StorySigner | None = None, index: StoryIndex | None = None) -> None:
        self.signer = signer or StorySigner()
        self.index = index or StoryIndex()
        self._names: dict[Hashable, Any] = {}  # line number of a story's first article -> its id

    def story_of(self, number: int, record: dict[str, Any], item: dict[str, Any]) -> Any:
        """The story of line ``number`` (its output ``record`` and parsed input ``item``).

        Raises ValueError for a ``published`` that is not an ISO 8601 time.
        """
        published = item.get("published")
        when = None
        if published is not None:
            if not isinstance(published, str):
                raise ValueError("'published' must be an ISO 8601 time string")
            try:
                when = datetime.fromisoformat(published.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"'published' is not an ISO 8601 time: {published!r}") from None
        signature = self.signer.sign(record.get("title") or "", str(item.get("text", "")), when)
        assignment = self.index.assign(number, signature)
        if not assignment.joined:
            # An article without an id names its story by its line number.
            article_id = item.get("id")
            self._names[number] = number if article_id is None else article_id
        return self._names[assignment.story]
