"""Story grouping: the same event across outlets is one story, different events stay apart."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import unicodedata
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from summaries import StoryIndex, StorySignature, StorySigner, story_signature
from summaries.story_signature import is_story_word

from .conftest import REPO

DAY = datetime(2024, 11, 20, 9, 0, tzinfo=UTC)

# One event told by two outlets in two styles (written for these tests).
BRIDGE_OFFICIAL = (
    "南京长江大桥今起实施夜间货车限行",
    "记者从南京市交通运输局获悉，自11月20日起，南京长江大桥每晚22时至次日6时对货车实施限行，"
    "客车和公交车辆不受影响。交通部门表示，限行是为了配合桥面维修养护工程，预计持续三个月。"
    "过江货车可绕行长江隧道和长江五桥。",
)
BRIDGE_CHATTY = (
    "注意！南京长江大桥晚上不让货车走了，要持续三个月",
    "开货车过江的师傅们注意了：从20日晚上开始，晚上10点到第二天早上6点，货车不能再走南京长江大桥了。"
    "南京交通部门说，大桥要做桥面维修，大概要三个月。小汽车和公交照常通行，货车可以改走长江隧道或者五桥。",
)
# Same day, same city, a different event.
CHRYSANTHEMUMS = (
    "南京玄武湖菊花展开幕",
    "11月20日，第十届玄武湖菊花展在南京玄武湖公园开幕，展出菊花品种一千余个，展期至12月5日。"
    "公园管理处提醒游客错峰出行，周末可乘地铁前往。",
)
MARATHON = (
    "南京马拉松周日鸣枪 沿线道路临时管制",
    "南京马拉松将于本周日7时30分在奥体中心鸣枪开跑，两万名跑者参赛。"
    "比赛期间，江东中路、汉中门大街等沿线道路将分段实施临时交通管制，请市民提前规划出行路线。",
)


@pytest.fixture(scope="module")
def signer() -> StorySigner:
    return StorySigner()


def _sign(signer: StorySigner, article: tuple[str, str], when: datetime = DAY) -> StorySignature:
    return signer.sign(article[0], article[1], when)


def test_two_outlets_one_story_and_other_events_apart(signer: StorySigner) -> None:
    index = StoryIndex()
    first = index.assign("official", _sign(signer, BRIDGE_OFFICIAL))
    second = index.assign("chatty", _sign(signer, BRIDGE_CHATTY, DAY + timedelta(hours=2)))
    flowers = index.assign("flowers", _sign(signer, CHRYSANTHEMUMS, DAY + timedelta(hours=3)))
    marathon = index.assign("marathon", _sign(signer, MARATHON, DAY + timedelta(hours=4)))
    assert (first.story, first.joined) == ("official", False)
    assert (second.story, second.joined) == ("official", True)
    assert second.score >= index.threshold
    assert flowers.story == "flowers" and not flowers.joined
    assert marathon.story == "marathon" and not marathon.joined
    story = index.story("official")
    assert story is not None and story.size == 2 and story.members == ["official", "chatty"]
    # The representative is the fullest version.
    fuller = max(
        ("official", BRIDGE_OFFICIAL), ("chatty", BRIDGE_CHATTY), key=lambda a: len(a[1][1])
    )
    assert story.representative == fuller[0]


def test_a_story_closes_after_the_window(signer: StorySigner) -> None:
    index = StoryIndex(window=timedelta(days=3))
    index.assign("official", _sign(signer, BRIDGE_OFFICIAL))
    late = index.assign("late", _sign(signer, BRIDGE_CHATTY, DAY + timedelta(days=4)))
    assert late.story == "late" and not late.joined
    assert index.story("official") is None and len(index) == 1


def test_candidates_come_from_shared_terms_only(signer: StorySigner) -> None:
    index = StoryIndex()
    index.assign("official", _sign(signer, BRIDGE_OFFICIAL))
    index.assign("flowers", _sign(signer, CHRYSANTHEMUMS))
    found = [s.id for s in index.candidates(_sign(signer, BRIDGE_CHATTY))]
    assert found[0] == "official"
    unrelated = signer.sign("某乡举办丰收节", "乡亲们载歌载舞庆祝丰收，现场展销特色农产品。", DAY)
    assert index.candidates(unrelated) == []


def test_signature_round_trips_through_json(signer: StorySigner) -> None:
    signature = _sign(signer, BRIDGE_OFFICIAL)
    stored = json.loads(json.dumps(signature.to_json(), ensure_ascii=False))
    assert StorySignature.from_json(stored) == signature
    assert signature.length == len(BRIDGE_OFFICIAL[1]) and len(signature.terms) <= 40
    with pytest.raises(ValueError, match="not a story signature"):
        StorySignature.from_json({"terms": "nope"})


def test_replaying_stored_assignments_rebuilds_the_same_index(signer: StorySigner) -> None:
    articles = [("official", BRIDGE_OFFICIAL), ("flowers", CHRYSANTHEMUMS),
                ("chatty", BRIDGE_CHATTY), ("marathon", MARATHON)]  # fmt: skip
    live = StoryIndex()
    stored = []
    for n, (article_id, article) in enumerate(articles):
        signature = _sign(signer, article, DAY + timedelta(minutes=n))
        stored.append((article_id, signature.to_json(), live.assign(article_id, signature).story))
    restarted = StoryIndex()
    for article_id, data, story_id in stored:
        restarted.add(article_id, StorySignature.from_json(data), story_id)
    newcomer = signer.sign(
        "南京长江大桥夜间限行首日 货车有序绕行",
        "限行首日，货车按指引绕行长江隧道。",
        DAY + timedelta(hours=8),
    )
    assert live.assign("n", newcomer) == restarted.assign("n", newcomer)
    assert {s.id: s.members for s in live} == {s.id: s.members for s in restarted}


def test_every_article_has_exactly_one_story_in_any_order(signer: StorySigner) -> None:
    articles = {"official": BRIDGE_OFFICIAL, "chatty": BRIDGE_CHATTY,
                "flowers": CHRYSANTHEMUMS, "marathon": MARATHON}  # fmt: skip
    for order in (list(articles), list(reversed(articles))):
        index = StoryIndex()
        story = {a: index.assign(a, _sign(signer, articles[a])).story for a in order}
        members = [m for s in index for m in s.members]
        assert sorted(members) == sorted(articles)
        assert story["official"] == story["chatty"] and len(set(story.values())) == 3


def _run(stdin: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "summaries", "--jsonl", "--stories", *args],
        input=stdin.encode("utf-8"), capture_output=True, cwd=REPO, timeout=120, check=False,
    )  # fmt: skip


def test_cli_adds_the_story_of_each_line() -> None:
    lines = [
        {"id": 7, "title": BRIDGE_OFFICIAL[0], "text": BRIDGE_OFFICIAL[1],
         "published": "2024-11-20T08:00:00+08:00"},
        {"id": 8, "title": CHRYSANTHEMUMS[0], "text": CHRYSANTHEMUMS[1]},
        {"id": 9, "title": BRIDGE_CHATTY[0], "text": BRIDGE_CHATTY[1],
         "published": "2024-11-20T10:00:00Z"},
        {"id": 10, "text": "没有时间", "published": "昨天"},
    ]  # fmt: skip
    result = _run("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    out = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert result.returncode == 1
    assert [o.get("story") for o in out] == [7, 8, 7, None]
    assert "published" in out[3]["error"]
    assert b"Traceback" not in result.stderr


def test_cli_refuses_stories_without_jsonl() -> None:
    result = subprocess.run([sys.executable, "-m", "summaries", "--stories", "x.txt"],
                            capture_output=True, cwd=REPO, timeout=60, check=False)  # fmt: skip
    assert result.returncode == 2 and b"--stories works with --jsonl" in result.stderr


def _reference_terms(signer: StorySigner, title: str, text: str) -> list[tuple[str, float]]:
    """A signature's terms computed the obvious way: filter, count, weigh, rank."""

    def words(part: str) -> list[str]:
        cut = signer.tokenizer(unicodedata.normalize("NFKC", part).lower())
        return [w for w in cut if is_story_word(w)]

    counts: dict[str, float] = dict(Counter(words(text[: signer.lead_chars])))
    for word in words(title):
        counts[word] = counts.get(word, 0.0) + signer.title_weight
    weights = {w: n * signer.idf.get(w, signer.unknown_idf) for w, n in counts.items()}
    top = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[: signer.max_terms]
    length = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return [(w, round(v / length, 4)) for w, v in top]


def test_signatures_do_not_depend_on_what_the_signer_saw_before(
    signer: StorySigner, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = [BRIDGE_OFFICIAL, BRIDGE_CHATTY, CHRYSANTHEMUMS, MARATHON]
    expected = [_reference_terms(signer, *a) for a in articles]
    fresh = StorySigner(tokenizer=signer.tokenizer)
    assert [list(_sign(fresh, a).terms) for a in articles] == expected
    assert [list(_sign(fresh, a).terms) for a in reversed(articles)] == expected[::-1]
    # A memory that starts afresh before every signature gives the same terms.
    monkeypatch.setattr(story_signature, "MEMORY_LIMIT", 1)
    assert [list(_sign(fresh, a).terms) for a in articles] == expected


def test_the_signer_memory_gives_a_story_word_its_idf_before_marking_it() -> None:
    """Signers are shared between threads (the feed poll prepares entries in several): a
    thread that finds a word marked as a story word reads its IDF next, so the IDF must be
    there before the mark is."""
    marked_before_idf: list[str] = []

    class Table(dict[str, float]):
        def get(self, word: str, default: float | None = None) -> float | None:  # type: ignore[override]
            if word in memory:
                marked_before_idf.append(word)
            return super().get(word, default)

    memory = story_signature._Memory(Table({"春耕": 7.5}), 11.0)
    assert memory["春耕"] is True and memory.idf["春耕"] == 7.5
    assert memory["备耕"] is True and memory.idf["备耕"] == 11.0
    assert marked_before_idf == []
