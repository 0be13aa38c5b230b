"""Traditional and simplified Chinese folded to one script, for the search index and queries.

An article in traditional characters (臺灣經濟) must be found by a simplified query (台湾经济)
and the reverse. Index tokens and query tokens are both made from text converted to
simplified Chinese by OpenCC (its ``t2s`` conversion: characters and common phrases), so the
two always meet; the article itself keeps its own script for display. The converter is made on
first use, not at import.
"""

from __future__ import annotations

from typing import Any


class ScriptFolder:
    """Converts text to simplified Chinese (OpenCC ``t2s``); other text passes unchanged."""

    def __init__(self, config: str = "t2s") -> None:
        self._config = config
        self._converter: Any = None

    def __call__(self, text: str) -> str:
        """``text`` in simplified characters."""
        if not text:
            return text
        if self._converter is None:
            import opencc

            # Two threads may both make one at first use: harmless, both are the same.
            self._converter = opencc.OpenCC(self._config)
        converted: str = self._converter.convert(text)
        return converted
