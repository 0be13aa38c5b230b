"""The command line, run as a subprocess, and every bad input of issue 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from summaries import Summarizer, article_from_text, split_page

from .conftest import REPO, SEED


def _run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "summaries", *args],
        input=stdin,
        capture_output=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def test_json_mode_on_the_seed_and_bad_files(tmp_path: Path) -> None:
    gb = tmp_path / "gb.txt"
    gb.write_bytes(
        "标题一则\n\n今天，市里召开了志愿服务工作会议。会议表彰了优秀志愿者。".encode("gb18030")
    )
    binary = tmp_path / "binary.bin"
    binary.write_bytes(bytes(range(128, 256)) * 4)
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n", encoding="utf-8")
    result = _run("--json", "--max-chars", "80", str(SEED), str(gb), str(binary), str(empty),
                  str(tmp_path / "missing.txt"))  # fmt: skip
    assert result.returncode == 1
    records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert len(records) == 6
    assert [r["kind"] for r in records[:5]] == ["article", "article", "photo", "brief", "article"]
    for record in records:
        assert {"title", "subtitle", "authors", "kind", "body", "sections", "digest",
                "keywords", "topics", "category", "category_confidence"} <= set(record)  # fmt: skip
        assert sum(len(s) for s in record["digest"]) <= 80
    assert records[5]["title"] == "标题一则" and records[5]["digest"]
    errors = result.stderr.decode("utf-8").strip().splitlines()
    assert len(errors) == 3
    assert "binary.bin" in errors[0] and "GB18030" in errors[0]
    assert "empty.txt" in errors[1] and "missing.txt" in errors[2]
    assert b"Traceback" not in result.stderr


def test_text_mode_prints_digests() -> None:
    result = _run("--max-sentences", "1", str(SEED))
    out = result.stdout.decode("utf-8")
    assert result.returncode == 0
    assert "打造党建品牌 筑牢文明基石" in out and "keywords:" in out and "category: " in out
    assert result.stderr == b""


def test_jsonl_one_line_per_input_in_order() -> None:
    lines = [
        json.dumps(
            {"id": 1, "text": "市政府召开安全生产会议，部署煤矿隐患排查。会议要求各地压实责任。"}
        ),
        "{not json",
        json.dumps(
            {"id": "b", "title": "标题", "text": "<p>志愿者走进社区😀，开展义务理发活动。</p>"}
        ),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": 5, "text": 42}),
        "",
        json.dumps({"id": 7, "text": "。。。"}),
    ]
    stdin = ("\n".join(lines) + "\n").encode("utf-8") + '{"id": 8, "text": "今天下雨。"}\n'.encode(
        "gb18030"
    )
    result = _run("--jsonl", "--max-chars", "40", stdin=stdin)
    assert result.returncode == 1
    out = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert len(out) == 8
    assert [o.get("id") for o in out] == [1, None, "b", None, 5, None, 7, 8]
    assert out[0]["digest"] and set(out[0]) == {
        "id",
        "title",
        "digest",
        "keywords",
        "topics",
        "category",
        "category_confidence",
    }
    assert "safety" in out[0]["topics"]
    assert out[2]["title"] == "标题" and "<p>" not in "".join(out[2]["digest"])
    assert out[6]["digest"] == [] and "error" not in out[6]
    assert out[7]["digest"] == ["今天下雨。"]
    assert [("error" in o) for o in out] == [False, True, False, True, True, True, False, False]
    errors = result.stderr.decode("utf-8").strip().splitlines()
    assert [e.split(":")[1].strip() for e in errors] == ["line 2", "line 4", "line 5", "line 6"]


def test_usage_errors_are_one_line_not_tracebacks(tmp_path: Path) -> None:
    bad_topics = tmp_path / "topics.toml"
    bad_topics.write_text('[[topic]]\nslug = "x"\n', encoding="utf-8")
    result = _run("--topics", str(bad_topics), str(SEED))
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr and b"cannot read topics" in result.stderr
    result = _run("--max-chars", "0", str(SEED))
    assert result.returncode == 2 and b"Traceback" not in result.stderr


def test_bad_inputs_get_a_sensible_digest() -> None:
    inputs = {
        "empty": "",
        "whitespace": " \n\t\u3000 ",
        "punctuation": "，。！？……——“”",
        "html": "<html><body><h1>标题</h1><p>市民&nbsp;积极参加<b>义务</b>献血活动。</p>"
        "</body></html>",
        "emoji": "😀😀 社区志愿者👍为老人送去温暖❤️。大家都很开心🎉！",
        "widths": "ＧＤＰ同比增长６．５％，ABC公司营收1.2万亿元。",
        "control": "第一句\x00话\x1b[31m。\x07第二句话。",
        "no_punct": "没有任何标点的一段很长的话" * 40,
    }
    for name, text in inputs.items():
        article = article_from_text(text)
        summary = Summarizer(max_chars=60).summarize(article)
        assert sum(len(s) for s in summary.digest) <= 60, name
        if article.paragraphs:
            assert summary.digest, name
        for sentence in summary.digest:
            assert "<" not in sentence and "\x00" not in sentence and "\x1b" not in sentence
        assert split_page(text) == [] or split_page(text)[0].paragraphs
    assert Summarizer().summarize(article_from_text("")).digest == ()


def test_one_megabyte_paragraph() -> None:
    sentence = "全市各级党组织认真开展党史学习教育，推动为民办实事落地见效。"
    text = sentence * (1_000_000 // len(sentence))
    summary = Summarizer(max_chars=150).summarize(article_from_text(text))
    assert summary.digest == (sentence,)
    unbroken = "长" * 100_000  # one unbroken run: jieba alone needs seconds per megabyte
    digest = Summarizer(max_chars=50).summarize(article_from_text(unbroken)).digest
    assert digest == ("长" * 49 + "…",)
