"""``python -m summaries``: see summaries.cli."""

from summaries.cli import main

raise SystemExit(main())
