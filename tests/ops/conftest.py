"""Helpers for the operations tests: the bot as a subprocess, a seeded database, loopback ports."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bot.conftest import REPO, free_port  # noqa: F401  (re-exported for the tests)


def bot_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """The environment of a bot subprocess: no .env, a quiet schedule, these values on top."""
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_PROXY", "_proxy"))}
    env.update(
        PYTHONPATH=str(REPO),
        TOPICS_FILE=str(REPO / "seeds" / "topics.toml"),
        SEEDS_DIR=str(tmp_path / "no-seeds"),
        DEFAULT_TIMEZONE="UTC",
        DEFAULT_DIGEST_TIME="23:59",
        DIGEST_TICK_SECONDS="3600",
        FEED_POLL_MINUTES="600",
        CATALOGUE="none",
    )
    env.update(values)
    return env


class BotProcess:
    """``python -m bot ARGS`` in a subprocess, its stdout and stderr gathered as they come."""

    def __init__(self, env: dict[str, str], *args: str, cwd: Path) -> None:
        self.env, self.args, self.cwd = env, args, cwd
        self.output = ""
        self.process: asyncio.subprocess.Process | None = None
        self._readers: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> BotProcess:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *self.args,
            cwd=self.cwd,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout and self.process.stderr
        self._readers = [
            asyncio.create_task(self._gather(stream))
            for stream in (self.process.stdout, self.process.stderr)
        ]
        return self

    async def _gather(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            self.output += line.decode("utf-8", "replace")

    async def wait_for_text(self, text: str, seconds: float = 20) -> None:
        """Until ``text`` appears in the output; fails when the process ends first."""
        assert self.process is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while text not in self.output:
            if self.process.returncode is not None or loop.time() > deadline:
                await asyncio.sleep(0.2)  # the last lines
                raise AssertionError(f"{text!r} not in the output:\n{self.output}")
            await asyncio.sleep(0.05)

    async def stop(self) -> int:
        """SIGTERM (the bot stops as a service manager stops it); the exit status."""
        assert self.process is not None
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            code = await self.process.wait()
        await asyncio.gather(*self._readers)
        return code

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with the shipped seeds, loaded by ``python -m bot ingest`` once."""
    path = tmp_path_factory.mktemp("ops-seeded") / "seeded.db"
    env = bot_env(path.parent, DATABASE_URL=f"sqlite:///{path}")
    subprocess.run(
        [sys.executable, "-m", "bot", "ingest", str(REPO / "seeds")],
        cwd=path.parent,
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )
    return path


@pytest.fixture
def database_url(seeded_db: Path, tmp_path: Path) -> str:
    """This test's own copy of the seeded database."""
    path = tmp_path / "bot.db"
    shutil.copyfile(seeded_db, path)
    return f"sqlite:///{path}"
