"""/ingest as a service: the one URL rule, and INGEST_ROOTS keeping secrets out of the store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.services.admin import AdminService
from bot.store import SqlStore
from summaries.topics import load_topics
from tests.ingest.conftest import REPO, SEED, make_settings

TOPICS = load_topics(REPO / "seeds" / "topics.toml")
OUTSIDE = "outside the folders /ingest may read (INGEST_ROOTS)"


def _admin(store: SqlStore, url: str, **changes: object) -> AdminService:
    settings = make_settings(url, **changes)
    return AdminService(store, settings=settings, topics=TOPICS)


@pytest.mark.parametrize("path", ["/proc/self/environ", "/dev/stdin", "/sys/kernel/notes"])
async def test_system_files_never_become_articles(
    store: SqlStore, database_url: str, path: str
) -> None:
    admin = _admin(store, database_url, ingest_roots=(Path("/"),))
    summary = await admin.ingest(path)
    assert summary.added == 0
    assert summary.refused == ((path, "files under /proc, /sys and /dev are never read"),)
    assert await store.count_articles() == 0


async def test_default_roots_are_the_seeds_and_the_working_folder(
    store: SqlStore,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(SEED, work / "page.txt")
    (work / ".env").write_text("TELEGRAM_BOT_TOKEN=123456:SECRET\n", encoding="utf-8")
    monkeypatch.chdir(work)
    admin = _admin(store, database_url, seeds_dir=tmp_path / "seeds")
    assert (await admin.ingest("/etc/passwd")).refused == (("/etc/passwd", OUTSIDE),)
    assert (await admin.ingest(" .env ")).refused == ((".env", "only .txt files are read"),)
    summary = await admin.ingest("page.txt")
    assert (summary.added, summary.refused) == (5, ())
    # The one URL rule: any scheme:// goes to the web source, which refuses what is not http(s).
    refused = (await admin.ingest("file:///etc/passwd")).refused
    assert refused[0][0] == "file:///etc/passwd" and "only http and https" in refused[0][1]
