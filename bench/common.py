"""What the benchmark scripts share: where the evaluation data is, the seed topics, and
third-party shims."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from summaries.model import Topic
from summaries.topics import parse_topics

REPO = Path(__file__).resolve().parents[1]
T = TypeVar("T")


def eval_dir() -> Path:
    """The shared evaluation data: $WENZHAI_EVAL_DIR, else <repo>/../shared/eval."""
    return Path(os.environ.get("WENZHAI_EVAL_DIR") or REPO.parent / "shared" / "eval")


def seed_topics() -> tuple[Topic, ...]:
    """The topics the bot ships with (seeds/topics.toml), as the benchmarks tag articles."""
    with (REPO / "seeds" / "topics.toml").open("rb") as handle:
        return tuple(parse_topics(tomllib.load(handle)["topic"]))


def networkx_shim() -> None:
    """textrank4zh calls networkx.from_numpy_matrix, which networkx 3 renamed; alias it."""
    try:
        import networkx
    except ImportError:
        return
    if not hasattr(networkx, "from_numpy_matrix"):
        networkx.from_numpy_matrix = networkx.from_numpy_array


def profiled(work: Callable[[], T], *, top: int = 25) -> T:
    """Run ``work`` under cProfile and print where the time went (own time, then cumulative).

    ``asyncio.to_thread`` runs its function inline meanwhile: cProfile sees only the thread it
    was started in, and the in-process ingest prepares documents in worker threads.
    """
    import asyncio
    import cProfile
    import pstats

    async def inline(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    real = asyncio.to_thread
    asyncio.to_thread = inline  # type: ignore[assignment]
    profile = cProfile.Profile()
    try:
        result = profile.runcall(work)
    finally:
        asyncio.to_thread = real
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return result
