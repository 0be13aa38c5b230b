"""The one rule that tells a URL from a file path, for the command line and /ingest alike."""

from __future__ import annotations

import re

# Anything shaped scheme://... is a URL: ftp:// or file:// go to the web source, which refuses
# them with "only http and https", rather than being looked up as a missing file.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(source: str) -> bool:
    """Whether ``source`` (as typed, surrounding spaces allowed) names a URL, not a path."""
    return _URL.match(source.strip()) is not None
