"""``python -m bot ingest`` and ``search``: what an operator sees, and the exit status."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.cli import ProgressBar, ingest_main, search_main
from bot.config import Settings
from bot.ingest import Ingestor, IngestReport
from summaries import split_page

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_a9c33694dae72277.txt"


def _settings(tmp_path: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'data' / 'cli.db'}",
        "topics_file": REPO / "seeds" / "topics.toml",
        "catalogue": "none",
        **changes,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def test_ingest_twice_then_search(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = _settings(tmp_path)
    assert await ingest_main([str(SEED)], settings) == 0
    out, err = capsys.readouterr()
    assert "added: 5\nduplicate: 0\nrefused: 0\n" in out
    assert err == ""  # no progress bar when stderr is not a terminal
    assert (tmp_path / "data" / "cli.db").exists()  # the data folder is made on first use
    assert await ingest_main([str(SEED)], settings) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("nothing new") and "added: 0\nduplicate: 5\n" in out
    assert await search_main("格尔木", settings, limit=3) == 0
    out, _ = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].endswith("result(s) for: 格尔木")
    assert lines[1].startswith("1. 青海省格尔木市：绽放文明花 结出富裕果  [")
    assert re.search(r"\[\d{4}-\d\d-\d\d · [a-z]+\]", lines[1])  # the news category
    assert "格尔木" in lines[2]


async def test_refused_sources_exit_1_with_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEED, folder / "page.txt")
    (folder / "binary.txt").write_bytes(b"\xff\xfe\xff")
    code = await ingest_main([str(folder), str(tmp_path / "missing")], _settings(tmp_path))
    out, _ = capsys.readouterr()
    assert code == 1
    assert "added: 5" in out and "refused: 2" in out
    assert f"refused {folder / 'binary.txt'}: not UTF-8 or GB18030 text" in out
    assert f"refused {tmp_path / 'missing'}: no such file or folder" in out


async def test_urls_go_to_web_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Sequence[str]] = []

    async def fake_urls(self: Ingestor, urls: Sequence[str], **kwargs: Any) -> IngestReport:
        seen.append(list(urls))
        return IngestReport(added=2, duplicates=1)

    monkeypatch.setattr(Ingestor, "urls", fake_urls)
    urls = ["https://example.org/a", "HTTP://example.org/feed.xml"]
    assert await ingest_main([*urls, str(SEED)], _settings(tmp_path)) == 0
    out, _ = capsys.readouterr()
    assert seen == [urls]
    assert "added: 7\nduplicate: 1\n" in out


async def test_exit_status_follows_the_sources_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    feed, broken = "https://example.org/feed.xml", "https://example.org/gone"
    page_of_feed = "https://example.org/story-1.html"

    async def fake_urls(self: Ingestor, urls: list[str], **kwargs: object) -> IngestReport:
        refused = [(page_of_feed, "HTTP 404 Not Found")]
        if broken in urls:
            refused.append((broken, "HTTP 404 Not Found"))
        return IngestReport(added=1, refused=refused)

    monkeypatch.setattr(Ingestor, "urls", fake_urls)
    # The feed was read; one page it links to was not: the run still succeeds.
    assert await ingest_main([feed], _settings(tmp_path)) == 0
    out, _ = capsys.readouterr()
    assert f"refused {page_of_feed}: HTTP 404 Not Found" in out
    # A source named on the command line that cannot be read fails the run.
    assert await ingest_main([feed, broken], _settings(tmp_path)) == 1
    out, _ = capsys.readouterr()
    assert f"refused {broken}: HTTP 404 Not Found" in out


async def test_setup_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing_topics = _settings(tmp_path, topics_file=tmp_path / "none.toml")
    assert await ingest_main([str(SEED)], missing_topics) == 2
    assert capsys.readouterr().err.startswith("error: topics file")
    bad_db = _settings(tmp_path, database_url="mysql://localhost/x")
    assert await ingest_main([str(SEED)], bad_db) == 2
    assert await search_main("志愿", bad_db) == 2
    err = capsys.readouterr().err
    assert err.count("error: cannot open the database") == 2 and "Traceback" not in err


async def test_search_reasons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = _settings(tmp_path)
    assert await search_main("   ", settings) == 0
    assert await search_main("😀 ？", settings) == 0
    assert await search_main("格尔木 OR \"'; DROP TABLE articles", settings) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "no results: the query is empty",
        "no results: the query has no searchable words",
        "no results for: 格尔木 or drop table articles",
    ]


def test_progress_bar_only_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    bar = ProgressBar(terminal, "ingest")
    bar(1, 4)
    bar(4, 4)
    bar.close()
    assert terminal.getvalue().endswith("4/4\n") and "\r" in terminal.getvalue()
    pipe = io.StringIO()
    quiet = ProgressBar(pipe, "ingest")
    quiet(1, 4)
    quiet.close()
    assert pipe.getvalue() == ""


async def test_other_schemes_are_refused_as_urls_not_missing_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await ingest_main(["ftp://example.com/a.txt", "file:///etc/passwd"], _settings(tmp_path))
    out, _ = capsys.readouterr()
    assert code == 1
    assert "refused ftp://example.com/a.txt: only http and https URLs are fetched" in out
    assert "refused file:///etc/passwd: only http and https URLs are fetched" in out


@pytest.mark.parametrize("url", ["sqlite:///", "sqlite:///:memory:"])
async def test_in_memory_database_is_refused(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Whatever an ingest stored there would vanish with the process.
    assert await ingest_main([str(SEED)], _settings(tmp_path, database_url=url)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot open the database: DatabaseUrlError:")
    assert "needs a file path" in err and err.count("\n") == 1


async def test_a_near_duplicate_file_is_refused_in_the_words_of_every_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The done-when of issue 9: same body, new headline (SimHash distance 0), through the CLI.
    body = split_page(SEED.read_text(encoding="utf-8"))[1].body
    first = tmp_path / "first.txt"
    first.write_text(body, encoding="utf-8")
    second = tmp_path / "second.txt"
    second.write_text("格尔木又有新进展\n\n" + body, encoding="utf-8")
    settings = _settings(tmp_path)
    assert await ingest_main([str(first)], settings) == 0
    capsys.readouterr()
    assert await ingest_main([str(second)], settings) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines() == [
        "nothing new: 1 duplicate(s) already stored",
        "added: 0",
        "duplicate: 1",
        "refused: 0",
        f"duplicate {second}: near-duplicate of article #1 (SimHash distance 0)",
    ]


def test_search_into_a_closed_pipe_is_no_traceback(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'pipe.db'}"}
    subprocess.run(
        [sys.executable, "-m", "bot", "ingest", str(SEED)],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    # As `python -m bot search 文明 | head -0`: the reader is gone before the first line.
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "search", "文明"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert "Traceback" not in err and "BrokenPipeError" not in err
