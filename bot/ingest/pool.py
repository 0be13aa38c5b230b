"""Preparation in worker processes: extraction and the pipeline on every core.

Preparing an article (extracting a page's main text, the digest, category, hashes, index tokens
and SimHash) is pure CPU work that depends on nothing prepared before it, so a bulk run hands it
to ``INGEST_WORKERS`` processes while the main process reads, fetches and writes batches. The
results equal what the in-process pipeline gives (the workers run the very pipeline object,
inherited at fork; an article's index tokens come back joined in one string,
``bot.store.fulltext.JoinedTokens``, which indexes the same), so what is stored does not depend
on the number of workers. A fetched page is extracted in the same call that prepares it, so it
crosses to a worker once.

- Workers are forked from the main process once its pipeline is warm (dictionaries, IDF table,
  category model loaded), so they start in milliseconds and share those pages copy-on-write.
  Elsewhere than on Linux (no fork on Windows; fork unsafe on macOS), ingest runs in-process.
- A document that fails in a worker fails alone: the exception comes back for that document.
- A worker that dies (killed, out of memory, a crash in native code) breaks the pool: a new
  pool takes new work, and each document that was in the broken pool is prepared again, one at
  a time in a pool of its own, so the one that kills its worker again is refused alone and the
  others are prepared once. Results only ever reach the writer from a finished call, so nothing
  is lost or stored twice.
- Workers ignore SIGINT: Ctrl-C reaches the main process, which cancels the run and terminates
  the workers (``close(kill=True)``) instead of waiting for a long document to finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import multiprocessing
import os
import pickle
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from bot.ingest.prepare import ArticlePipeline
from bot.ingest.run import Job, Prepared, prepare_each
from bot.sources.documents import Document, describe_error
from bot.store.fulltext import joined_tokens
from bot.store.records import NewArticle

log = logging.getLogger(__name__)


# Documents (or pages) per call to a worker: one call costs about a millisecond of pickling and
# queueing whatever it carries, as much as preparing a short article, and the main process's
# pool threads wake for each call and its result (32 rather than 16: a sixth less CPU outside
# the writer per bulk article).
CHUNK = 32
# Documents handed to the pool ahead of the writer, per worker: enough to keep every worker busy
# while the main process writes a batch, few enough that memory stays flat in the input size.
IN_FLIGHT_PER_WORKER = 4 * CHUNK

# A short real article: preparing it loads every lazy table before the workers are forked.
_WARM_UP = Document(
    source="warm-up",
    origin="warm-up",
    title="全国春耕备耕工作有序推进",
    text=(
        "记者从农业农村部获悉，当前全国春耕备耕工作有序推进，化肥、种子等农资供应总体充足。"
        "各地抓住有利天气，加快整地育秧，确保不误农时。"
    ),
)

# The worker's pipeline: set once per worker process, by the pool's initializer.
_pipeline: ArticlePipeline | None = None


class WorkerDied(Exception):
    """The process preparing a document died twice while preparing it (once with others, once
    alone): the document is refused so the rest of the run goes on."""


WORKER_DIED = "the worker process preparing it stopped (killed or crashed)"


def fork_available() -> bool:
    """Whether worker processes are forked here (they inherit the warm pipeline): on Linux."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def worker_count(setting: int | None) -> int:
    """Workers for INGEST_WORKERS: the setting, else the CPU count; 1 where fork is missing."""
    if not fork_available():
        return 1
    return setting if setting is not None else (os.cpu_count() or 1)


def _start_worker(pipeline: ArticlePipeline) -> None:
    global _pipeline
    # Ctrl-C is the main process's to handle; it terminates the workers when it stops, and the
    # bot's own handlers (its event loop's, for SIGTERM) must not keep a worker from ending.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Inherited from the parent's event loop: a signal here must not wake the parent.
    with contextlib.suppress(ValueError):  # ValueError: not the main thread
        signal.set_wakeup_fd(-1)
    _pipeline = pipeline


def _ready() -> None:
    """Nothing: the call that forks the workers."""


def _prepare(jobs: list[Job]) -> list[Prepared]:
    assert _pipeline is not None, "worker started without its pipeline"
    return [_sendable(outcome) for outcome in prepare_each(_pipeline, jobs)]


def _compact(article: NewArticle) -> NewArticle:
    """The article with its index tokens joined: unpickling a string per token was most of what
    the main process spent on a worker's results."""
    return replace(
        article,
        title_tokens=joined_tokens(article.title_tokens),
        body_tokens=joined_tokens(article.body_tokens),
    )


def _sendable(outcome: Prepared) -> Prepared:
    """The outcome, or for an exception that would not survive the trip back (one whose
    constructor takes other arguments than it keeps) a plain one with the same words."""
    if not isinstance(outcome, Exception):
        return [_compact(article) for article in outcome]
    try:
        pickle.loads(pickle.dumps(outcome))
    except Exception:
        return RuntimeError(describe_error(outcome))
    return outcome


class PreparePool:
    """``workers`` forked processes running one pipeline; ``prepare`` awaits their results.
    Started on first use; ``close`` ends it."""

    def __init__(self, pipeline: ArticlePipeline, workers: int) -> None:
        self.pipeline = pipeline
        self.workers = max(1, workers)
        self._executor: ProcessPoolExecutor | None = None
        self._generation = 0
        # A document retried after a break runs alone, in a pool of one worker of its own.
        self._quarantine: ProcessPoolExecutor | None = None
        self._quarantine_lock = asyncio.Lock()
        self._starting = asyncio.Lock()
        self._warm = False

    @property
    def in_flight(self) -> int:
        """How many documents a run may have in the pool at once."""
        return self.workers * IN_FLIGHT_PER_WORKER

    async def _warm_up(self) -> None:
        if not self._warm:
            self._warm = True
            # In a thread: loading the dictionaries takes a second or two.
            try:
                await asyncio.to_thread(self.pipeline.prepare, _WARM_UP)
            except Exception as exc:  # each worker then loads what it needs itself
                log.warning("warming the pipeline up failed: %s", describe_error(exc))

    def _fork(self, workers: int) -> ProcessPoolExecutor:
        executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(self.pipeline,),
        )
        # With fork, the first call forks every worker. The loaded tables (dictionaries, the
        # category model) are frozen out of the collector meanwhile: a worker's collections
        # would otherwise walk them all and copy every page they sit on.
        gc.freeze()
        try:
            executor.submit(_ready)
        finally:
            gc.unfreeze()
        return executor

    async def _current(self) -> tuple[ProcessPoolExecutor, int]:
        if self._executor is None:
            async with self._starting:
                if self._executor is None:
                    await self._warm_up()
                    self._executor = self._fork(self.workers)
                    self._generation += 1
        return self._executor, self._generation

    def _replace(self, generation: int) -> None:
        """A new pool for new work, once per break (many calls see the same break)."""
        if generation == self._generation and self._executor is not None:
            log.warning("an ingest worker process stopped; starting a new pool")
            _shutdown(self._executor, kill=True)
            self._executor = None

    async def prepare(self, jobs: list[Job]) -> list[Prepared]:
        """The pipeline's ``prepare`` of each document in a worker (a page extracted first, in
        the same call), an outcome each (its articles or its exception):
        ``bot.ingest.run.PrepareMany``."""
        loop = asyncio.get_running_loop()
        executor, generation = await self._current()
        try:
            return await loop.run_in_executor(executor, _prepare, jobs)
        except BrokenProcessPool:
            self._replace(generation)
        # Broken by one of these jobs or by another call: each one alone finds out which.
        out: list[Prepared] = []
        for job in jobs:
            try:
                out.extend(await self._alone([job]))
            except WorkerDied as exc:
                out.append(exc)
        return out

    async def _alone(self, jobs: list[Job]) -> list[Prepared]:
        """``jobs`` prepared in a pool of their own: WorkerDied when they kill that one too."""
        loop = asyncio.get_running_loop()
        async with self._quarantine_lock:
            if self._quarantine is None:
                await self._warm_up()
                self._quarantine = self._fork(1)
            try:
                return await loop.run_in_executor(self._quarantine, _prepare, jobs)
            except BrokenProcessPool:
                _shutdown(self._quarantine, kill=True)
                self._quarantine = None
                raise WorkerDied(WORKER_DIED) from None

    def close(self, *, kill: bool = False) -> None:
        """Stop the workers: let them finish (``kill``: terminate them, for a cancelled run)."""
        for executor in (self._executor, self._quarantine):
            if executor is not None:
                _shutdown(executor, kill=kill)
        self._executor = self._quarantine = None


def _shutdown(executor: ProcessPoolExecutor, *, kill: bool) -> None:
    if kill:
        # The executor's queue feeds the workers through a pipe from a thread of its own; once
        # they are gone that thread may wait forever on a full pipe, and exit would wait for it.
        queue = getattr(executor, "_call_queue", None)
        if queue is not None:
            queue.cancel_join_thread()
    # The executor keeps its processes in a private map; terminating them is the only way not
    # to wait for a long document when the run is cancelled.
    processes = list((getattr(executor, "_processes", None) or {}).values()) if kill else []
    executor.shutdown(wait=not kill, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
