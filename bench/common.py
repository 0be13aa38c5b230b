"""What the benchmark scripts share: where the evaluation data is, and third-party shims."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def eval_dir() -> Path:
    """The shared evaluation data: $WENZHAI_EVAL_DIR, else <repo>/../shared/eval."""
    return Path(os.environ.get("WENZHAI_EVAL_DIR") or REPO.parent / "shared" / "eval")


def networkx_shim() -> None:
    """textrank4zh calls networkx.from_numpy_matrix, which networkx 3 renamed; alias it."""
    try:
        import networkx
    except ImportError:
        return
    if not hasattr(networkx, "from_numpy_matrix"):
        networkx.from_numpy_matrix = networkx.from_numpy_array
