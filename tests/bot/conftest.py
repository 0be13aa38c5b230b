"""End-to-end harness: the real application (bot.app) against the Bot API emulator.

The seeds are ingested once per session into a template SQLite file; each test runs on its own
copy. The bot runs exactly as ``python -m bot`` runs it (``run_application``: run_polling or
run_webhook), in a thread with its own event loop, while the emulator serves in the test's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest

from bot.app import BotApplication, build_application, run_application
from bot.config import Settings
from tests.botapi.fixtures import botapi  # noqa: F401  (the emulator fixture)
from tests.botapi.html import parse_html, utf16_len
from tests.botapi.server import BotApiEmulator

REPO = Path(__file__).resolve().parents[2]
ADMIN_ID = 4242
WEBHOOK_SECRET = "s3cret-Token_value"


def quiet_timezone() -> str:
    """A zone where it is now about 01:00, so no chat is due for its 23:59 push in a test."""
    offset = (1 - datetime.now(UTC).hour) % 24
    if offset > 12:
        offset -= 24
    # Etc/GMT signs are inverted: UTC+3 is Etc/GMT-3.
    return "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def eval_dir() -> Path | None:
    """The shared evaluation data (outside the repo), when present."""
    import os

    path = Path(os.environ.get("WENZHAI_EVAL_DIR") or REPO.parent / "shared" / "eval")
    return path if (path / "sohu_news_corpus.jsonl").is_file() else None


def _news_pages(folder: Path, count: int = 60) -> list[Path]:
    """A few real news articles from the eval corpus as text files, so searches have pages."""
    import json

    source = eval_dir()
    if source is None:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    with (source / "sohu_news_corpus.jsonl").open(encoding="utf-8") as lines:
        for number, line in zip(range(count), lines, strict=False):
            item = json.loads(line)
            text = f"{item['title']}\n\n{item['article']}\n"
            (folder / f"news_{number:03d}.txt").write_text(text, encoding="utf-8")
    return [folder]


async def _seed(database_url: str, news: list[Path]) -> None:
    from bot.ingest import Ingestor, open_store
    from summaries.topics import load_topics

    store = await open_store(database_url)
    try:
        topics = load_topics(REPO / "seeds" / "topics.toml")
        settings = Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]
        ingestor = Ingestor(store, settings=settings, topics=topics)
        report = await ingestor.files([REPO / "seeds", *news])
        assert report.added > 0, report
    finally:
        await store.close()


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file holding the ingested seeds (made once per session)."""
    path = tmp_path_factory.mktemp("seeded") / "template.db"
    news = _news_pages(tmp_path_factory.mktemp("news"))
    asyncio.run(_seed(f"sqlite:///{path}", news))
    return path


@pytest.fixture
def database_url(seeded_template: Path, tmp_path: Path) -> str:
    """This test's own copy of the seeded database."""
    path = tmp_path / "bot.db"
    shutil.copyfile(seeded_template, path)
    return f"sqlite:///{path}"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def bot_settings(emu: BotApiEmulator, database_url: str, *, mode: str, **extra: Any) -> Settings:
    """Settings pointing the bot at the emulator (and, in webhook mode, at a loopback port)."""
    values: dict[str, Any] = {
        "telegram_bot_token": emu.token,
        "telegram_base_url": emu.base_url,
        "database_url": database_url,
        "admin_ids": str(ADMIN_ID),
        "topics_file": REPO / "seeds" / "topics.toml",
        "seeds_dir": REPO / "seeds",
        "default_timezone": quiet_timezone(),
        "default_digest_time": time(23, 59),
        "digest_tick_seconds": 3600,
        "feed_poll_minutes": 600,
        # These tests type far faster than people do; flood control has its own tests.
        "flood_burst": 1000,
        # Never the shipped catalogue: no test polls the internet.
        "catalogue": "none",
    }
    if mode == "webhook":
        port = free_port()
        values |= {
            "webhook_url": f"http://127.0.0.1:{port}/telegram",
            "webhook_secret": WEBHOOK_SECRET,
            "webhook_listen": "127.0.0.1",
            "webhook_port": port,
        }
    values |= extra
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class RunningBot:
    """The application run by ``run_application`` in a thread; stopped on exit."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.application: BotApplication = build_application(settings)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="bot", daemon=True)
        self.failure: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            run_application(self.application, self.settings, stop_signals=None, close_loop=True)
        except BaseException as exc:  # surfaced by the test through .failure
            self.failure = exc

    async def start(self, emu: BotApiEmulator) -> None:
        """Start the bot and wait until it polls (or has set its webhook)."""
        self._thread.start()

        def up() -> bool:
            if not self._thread.is_alive():
                raise RuntimeError("the bot stopped while starting") from self.failure
            polling = emu.poller is not None and not emu.poller.done()
            # The menu is set at the end of post_init: the bot is fully up once it is there.
            return bool(emu.commands) and (polling or bool(emu.webhook.url))

        await emu.wait_for(up, timeout=20, what="the bot to start")

    async def stop(self) -> None:
        """Stop as a signal would, and wait for post_shutdown to finish."""
        if self._thread.is_alive():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self.application.stop_running)
            await asyncio.to_thread(self._thread.join, 30)
        assert not self._thread.is_alive(), "the bot did not stop"
        if self.failure is not None:
            raise self.failure


def assert_all_replies_valid(emu: BotApiEmulator) -> None:
    """No request refused, and every message HTML, within limits, without link previews."""
    # On stop PTB confirms its offset with a last getUpdates, which ends the pending long poll
    # with 409 (as Telegram does); that is not a refused reply.
    refused = [e for e in emu.rejections if e.method != "getUpdates"]
    assert refused == [], refused
    for message in emu.sent:
        assert message.parse_mode and message.parse_mode.lower() == "html", message
        assert message.link_preview_disabled, message
        visible, _ = parse_html(message.raw_text)
        assert 0 < utf16_len(visible) <= 4096


@pytest.fixture(params=["polling", "webhook"])
def mode(request: pytest.FixtureRequest) -> str:
    """Both run modes."""
    value: str = request.param
    return value


async def _running(emu: BotApiEmulator, settings: Settings) -> AsyncIterator[RunningBot]:
    running = RunningBot(settings)
    await running.start(emu)
    try:
        yield running
    finally:
        await running.stop()
    assert_all_replies_valid(emu)


@pytest.fixture
async def bot(botapi: BotApiEmulator, database_url: str) -> AsyncIterator[RunningBot]:  # noqa: F811
    """The bot by long polling against the emulator."""
    settings = bot_settings(botapi, database_url, mode="polling")
    async for running in _running(botapi, settings):
        yield running


@pytest.fixture
async def any_mode_bot(
    botapi: BotApiEmulator,  # noqa: F811
    database_url: str,
    mode: str,
) -> AsyncIterator[RunningBot]:
    """The bot in polling and in webhook mode."""
    settings = bot_settings(botapi, database_url, mode=mode)
    async for running in _running(botapi, settings):
        yield running


@pytest.fixture
def emu(botapi: BotApiEmulator) -> Iterator[BotApiEmulator]:  # noqa: F811
    """The emulator under a short name."""
    yield botapi
