"""Character classes shared by cleaning, tokenizing and ranking, defined once.

``WORD_CHARS`` says what makes text hold words rather than only punctuation: ASCII letters and
digits and the CJK ideographs (extension A, the unified block, the compatibility block).
Full-width letters and digits are left out on purpose: search text is NFKC-normalized first
(they become ASCII), and in digests and keywords a token of full-width digits alone is a number,
which says little about an article.

``JIEBA_BLOCK_CHARS`` is jieba's own class (its ``re_han_default``): jieba cuts text into runs
of these characters and tokenizes each run on its own, so a run is the unit whose length sets
its cost.
"""

from __future__ import annotations

import re

WORD_CHARS = "0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORD_CHAR = re.compile(f"[{WORD_CHARS}]")

JIEBA_BLOCK_CHARS = "\u4e00-\u9fd5a-zA-Z0-9+#&._%\\-"
JIEBA_BLOCK_CHAR = re.compile(f"[{JIEBA_BLOCK_CHARS}]")


def has_words(text: str) -> bool:
    """True when ``text`` holds a letter, a digit or an ideograph (not only punctuation)."""
    return WORD_CHAR.search(text) is not None
