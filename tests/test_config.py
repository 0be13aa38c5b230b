"""Settings come from the environment through one object, with clear errors."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from bot.config import Settings

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A developer's .env must not leak into these tests.
    monkeypatch.chdir(tmp_path)
    for name in ("ADMIN_IDS", "FEEDS", "FEEDS_FILE", "TELEGRAM_BOT_TOKEN", "DEFAULT_DIGEST_TIME"):
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    settings = Settings()
    assert settings.token is None
    assert settings.default_timezone == "Asia/Shanghai"
    assert settings.default_digest_time == time(8, 0)
    assert settings.database_url.startswith("sqlite:///")
    assert settings.admin_ids == frozenset()


def test_lists_and_times_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "42, 7")
    monkeypatch.setenv("FEEDS", "https://a.example/rss,https://b.example/atom")
    monkeypatch.setenv("DEFAULT_DIGEST_TIME", "07:30")
    settings = Settings()
    assert settings.admin_ids == frozenset({42, 7})
    assert settings.feeds == ("https://a.example/rss", "https://b.example/atom")
    assert settings.default_digest_time == time(7, 30)


def test_empty_values_mean_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setenv("FEEDS_FILE", "")
    settings = Settings()
    assert settings.token is None and settings.feeds_file is None


def test_feeds_file_adds_urls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    listing = tmp_path / "feeds.txt"
    listing.write_text("# 新闻源\nhttps://a.example/rss\n\nhttps://c.example/feed\n", "utf-8")
    monkeypatch.setenv("FEEDS", "https://a.example/rss")
    monkeypatch.setenv("FEEDS_FILE", str(listing))
    assert Settings().feeds == ("https://a.example/rss", "https://c.example/feed")


def test_token_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-token")
    settings = Settings()
    assert settings.token == "123456:SECRET-token"
    assert "SECRET" not in repr(settings) and "SECRET" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DIGEST_TICK_SECONDS", "abc", "DIGEST_TICK_SECONDS"),
        ("FEEDS_FILE", "/no/such/feeds.txt", "FEEDS_FILE"),
    ],
)
def test_bad_setting_is_one_clear_line(
    tmp_path: Path, name: str, value: str, expected: str
) -> None:
    env = {"PATH": "", "HOME": str(tmp_path), name: value}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "search", "x"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_env_example_lists_every_setting_and_nothing_else() -> None:
    listed = re.findall(r"^([A-Z_]+)=", (REPO / ".env.example").read_text("utf-8"), re.M)
    assert sorted(listed) == sorted(name.upper() for name in Settings.model_fields)
