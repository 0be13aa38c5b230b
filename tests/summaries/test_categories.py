"""News categories: the shipped model on plain headlines, bad input, bad model files, laziness."""

from __future__ import annotations

import gzip
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import pytest

from summaries import CATEGORIES, CategoryModel, CategoryModelError, category_by_name
from summaries.categories import (
    CHAR_NGRAMS,
    MODEL_PATH,
    SECOND_RATIO,
    category_features,
    classifier_input,
    model_tokenizer,
)
from summaries.segmenter import Segmenter, segmenter

from .conftest import REPO

SLUGS = {c.slug for c in CATEGORIES}


@pytest.fixture(scope="module")
def model() -> CategoryModel:
    return CategoryModel().load()


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("中超第12轮：山东泰山客场2比1逆转上海申花，克雷桑梅开二度", "sports"),
        ("沪深两市震荡走低，沪指跌0.8%，券商板块领跌，北向资金净流出", "finance"),
        ("海军某驱逐舰支队开展远海实兵对抗演练，检验部队实战能力", "military"),
        ("教育部：今年高考报名人数再创新高，各地加强考场安全保障", "education"),
        ("新款纯电SUV正式上市，续航里程达到600公里，售价20万元起", "auto"),
        ("一线城市二手房成交量回升，多地下调首套房贷利率", "realestate"),
        ("主演新剧收视夺冠，导演透露电影版正在筹备中", "entertainment"),
        ("手机厂商发布新一代芯片，人工智能大模型装进智能手机", "tech"),
    ],
)
def test_plain_headlines_get_the_obvious_category(
    model: CategoryModel, words: Segmenter, title: str, slug: str
) -> None:
    result = model.classify(title)
    assert result.slug == slug, (title, result)
    # Either engine may cut the words at run time (TOKENIZER); the category stays.
    assert CategoryModel(tokenizer=words.words).classify(title).slug == slug
    category = category_by_name(slug)
    assert category is not None
    assert (result.name_zh, result.name_en) == (category.name_zh, category.name_en)
    assert 0.0 < result.confidence <= 1.0


def test_the_model_cuts_words_with_the_segmenter_it_was_trained_with(
    model: CategoryModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert model.tokenizer_name in {"rjieba", "jieba"}
    words = segmenter("jieba").words("中国女排夺冠")
    features = category_features("中国女排夺冠", model_tokenizer("jieba"))
    assert features[: len(words)] == ["w" + w for w in words] and len(words) >= 2
    assert {"1中", "2女排"} <= set(features) and len(features) == len(set(features))
    grams = [f for f in features if not f.startswith("w")]
    assert max(len(f) - 1 for f in grams) == int(max(f[0] for f in grams)) == CHAR_NGRAMS
    # Where rjieba cannot be installed, jieba (same dictionary) cuts instead.
    monkeypatch.setattr("summaries.categories.rjieba_installed", lambda: False)
    fallback = model_tokenizer("rjieba")
    assert getattr(fallback, "__self__", None) is not None and fallback.__self__.name == "jieba"
    assert CategoryModel().classify("中超联赛第12轮：山东泰山2比1战胜上海申花").slug == "sports"


def test_a_body_lead_helps_an_empty_title(model: CategoryModel) -> None:
    body = "北京时间昨晚，中国女排在世界联赛中以3比1战胜巴西队，朱婷拿下全场最高的25分。"
    assert model.classify("", body).slug == "sports"
    assert model.classify("赛后", body).slug == "sports"


def test_probabilities_and_the_second_category(model: CategoryModel) -> None:
    ranked = model.probabilities("国产大飞机C919完成首次商业载客飞行，航空股集体上涨")
    assert [c.slug for c, _ in ranked] and {c.slug for c, _ in ranked} <= SLUGS
    assert sum(p for _, p in ranked) == pytest.approx(1.0)
    assert [p for _, p in ranked] == sorted((p for _, p in ranked), reverse=True)
    for title in ("国产大飞机C919完成首次商业载客飞行，航空股集体上涨", "中超第12轮比赛结果"):
        (first, p1), (second, p2) = model.probabilities(title)[:2]
        result = model.classify(title)
        assert result.slug == first.slug
        if p2 >= SECOND_RATIO * p1:
            assert result.second == (second.slug, round(p2, 4))
        else:
            assert result.second is None


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("", ""),
        (" \n\t\u3000 ", "  "),
        ("😀😀👍", "……——“”！！"),
        ("", "1234567890 %%% ### ***"),
        ("Apple reports record quarterly revenue", "The company said on Thursday that sales rose."),
        ("\x00\x1b[31m", "<html><body></body></html>"),
    ],
)
def test_no_chinese_text_still_gets_a_category_with_low_confidence(
    model: CategoryModel, title: str, text: str
) -> None:
    result = model.classify(title, text)
    assert result.slug in SLUGS
    assert result.confidence < 0.5


def test_a_huge_body_is_cut_to_its_lead(model: CategoryModel) -> None:
    body = "本届奥运会上，中国游泳队再夺一枚金牌。" + "观众为运动员加油喝彩。" * 10_000
    assert len(body) > 100_000
    started = time.perf_counter()
    result = model.classify("", body)
    assert time.perf_counter() - started < 1.0
    assert result.slug == "sports"
    assert model.classify("", "长" * 100_000).slug in SLUGS


def test_the_same_input_gives_the_same_result(model: CategoryModel) -> None:
    title = "央行宣布下调存款准备金率0.5个百分点，释放长期资金约1万亿元"
    again = CategoryModel().classify(title, "")
    assert model.classify(title) == again == model.classify(title)
    assert model.version == CategoryModel().version and len(model.version) == 12


def test_a_missing_model_file_is_one_clear_error(tmp_path: Path) -> None:
    model = CategoryModel(tmp_path / "absent.txt.gz")  # nothing is read yet
    assert not model.loaded
    with pytest.raises(CategoryModelError) as caught:
        model.classify("中超联赛")
    message = str(caught.value)
    assert "absent.txt.gz" in message and "\n" not in message


def _corrupt_files(tmp_path: Path) -> dict[str, Path]:
    good = MODEL_PATH.read_bytes()
    text = gzip.decompress(good).decode("utf-8")
    lines = text.split("\n")
    variants = {
        "random bytes": bytes(range(256)) * 8,
        "truncated gzip": good[: len(good) // 2],
        "empty": b"",
        "not a model": gzip.compress(b"hello\nworld\n"),
        "missing features": gzip.compress("\n".join(lines[: len(lines) // 2]).encode()),
        "bad weight": gzip.compress(text.replace("\t", "\tx", 1).encode()),
        "unknown category": gzip.compress(text.replace("sports", "golf", 1).encode()),
        "unknown tokenizer": gzip.compress(
            text.replace(f"tokenizer {lines[2].split()[1]}", "tokenizer spacy", 1).encode()
        ),
        "old format": gzip.compress(text.replace(" 2\n", " 1\n", 1).encode()),
    }
    paths = {}
    for name, data in variants.items():
        path = tmp_path / (name.replace(" ", "_") + ".gz")
        path.write_bytes(data)
        paths[name] = path
    return paths


def test_a_corrupt_model_file_is_one_clear_error(tmp_path: Path) -> None:
    for name, path in _corrupt_files(tmp_path).items():
        with pytest.raises(CategoryModelError) as caught:
            CategoryModel(path).load()
        message = str(caught.value)
        assert path.name in message and "corrupt" in message and "\n" not in message, name


def test_importing_summaries_does_not_read_the_model() -> None:
    code = (
        "import sys\n"
        "opened = []\n"
        "sys.addaudithook(lambda e, a: opened.append(str(a[0])) if e == 'open' else None)\n"
        "import summaries\n"
        "model = summaries.CategoryModel()\n"
        "before = [p for p in opened if 'categories.txt' in p]\n"
        "model.classify('中超联赛')\n"
        "after = [p for p in opened if 'categories.txt' in p]\n"
        "print(len(before), len(after), model.loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, cwd=REPO, timeout=120, check=True
    )
    assert result.stdout.split() == [b"0", b"1", b"True"]


def test_training_rebuilds_the_same_bytes(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from summaries.train import main, read_examples, train_model

    headlines = {
        "体育": [
            "女排三比零战胜对手晋级决赛",
            "男篮主场大胜卫冕冠军",
            "足球联赛冠军争夺进入白热化",
        ],
        "财经": [
            "股市收盘上涨银行股领涨",
            "央行公布最新货币供应数据",
            "上市公司发布年度财报利润增长",
        ],
        "军事": ["海军舰艇编队远海训练", "空军战机开展实战化演练", "陆军部队组织跨区机动演习"],
    }
    data = tmp_path / "tiny.jsonl"
    data.write_text(
        "".join(
            json.dumps({"title": t, "label": label}, ensure_ascii=False) + "\n"
            for label, titles in headlines.items()
            for t in titles * 2
        ),
        encoding="utf-8",
    )
    examples = read_examples(data)
    first = train_model(examples, max_features=40)
    assert train_model(examples, max_features=40) == first
    out = tmp_path / "model.txt.gz"
    assert main([str(data), "-o", str(out), "--features", "40"]) == 0
    assert out.read_bytes() == first
    tiny = CategoryModel(out)
    assert tiny.classify("女排决赛").slug == "sports"
    assert {c.slug for c in tiny.categories} == {"sports", "finance", "military"}
    assert tiny.tokenizer_name == "rjieba"  # the pipeline's default segmenter
    # The engine is recorded, so the runtime cuts words as training did.
    other = tmp_path / "jieba.txt.gz"
    assert main([str(data), "-o", str(other), "--features", "40", "--tokenizer", "jieba"]) == 0
    assert CategoryModel(other).tokenizer_name == "jieba"
    assert CategoryModel(other).classify("海军舰艇演练").slug == "military"


def test_jsonl_lines_carry_the_category_and_a_bare_title_is_not_an_error() -> None:
    lines = [
        {"id": 1, "title": "中超第12轮：山东泰山客场2比1逆转上海申花", "text": ""},
        {"id": 2, "title": "沪深两市震荡走低，券商板块领跌"},
        {"id": 3, "text": "本届奥运会上，中国游泳队再夺一枚金牌。观众为运动员加油喝彩。"},
        {"id": 4, "text": ""},
    ]
    stdin = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode("utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "summaries", "--jsonl"],
        input=stdin, capture_output=True, cwd=REPO, timeout=120, check=False,
    )  # fmt: skip
    out = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert result.returncode == 0 and len(out) == 4, result.stderr
    assert [o["category"] for o in out[:3]] == ["体育", "财经", "体育"]
    assert out[0]["digest"] == [] and "error" not in out[0] and "error" not in out[1]
    for record in out:
        assert record["category"] in {c.name_zh for c in CATEGORIES}
        assert 0.0 < record["category_confidence"] <= 1.0


def test_the_cli_stops_with_one_line_when_the_model_is_unreadable(tmp_path: Path) -> None:
    code = (
        "import sys, summaries.categories as c\n"
        f"c.MODEL_PATH = c.Path({str(tmp_path / 'gone.txt.gz')!r})\n"
        "from summaries.cli import main\n"
        "sys.exit(main(['--jsonl']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], input=b"", capture_output=True, cwd=REPO, timeout=120,
        check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count(b"\n") == 1 and b"gone.txt.gz" in result.stderr


def _reference_probabilities(title: str, text: str) -> list[tuple[str, float]]:
    """The model file read the obvious way: per-category weight sums in a Python loop."""
    lines = gzip.decompress(MODEL_PATH.read_bytes()).decode("utf-8").split("\n")
    at = lines.index("features")
    header = dict(line.partition(" ")[::2] for line in lines[1:at])
    slugs = header["categories"].split()
    bias = [float(v) for v in header["bias"].split()]
    table = {}
    for line in lines[at + 1 :]:
        if line:
            name, idf, values = line.split("\t")
            table[name] = (float(idf) ** 2, [int(v) for v in values.split(" ")])
    feats = category_features(classifier_input(title, text), model_tokenizer(header["tokenizer"]))
    known = [table[f] for f in feats if f in table]
    sums = [0] * len(bias)
    for _, weights in known:
        for c, w in enumerate(weights):
            sums[c] += w
    norm = sum(idf_squared for idf_squared, _ in known)
    factor = float(header["scale"]) / math.sqrt(norm) if norm else 0.0
    temperature = float(header["temperature"])
    logits = [temperature * (b + s * factor) for b, s in zip(bias, sums, strict=True)]
    exps = [math.exp(v - max(logits)) for v in logits]
    ranked = sorted(range(len(exps)), key=lambda i: (-exps[i], i))
    return [(slugs[i], exps[i] / sum(exps)) for i in ranked]


def test_probabilities_are_the_model_files_weights_summed(model: CategoryModel) -> None:
    # The packed sums must give every category exactly its own sum, negative weights included.
    cases = [
        ("中超第12轮：山东泰山客场2比1逆转上海申花", ""),
        ("沪深两市震荡走低", "券商板块领跌，北向资金净流出，创业板指跌1.2%。" * 3),
        ("", "教育部：今年高考报名人数再创新高，各地加强考场安全保障。"),
        ("新款纯电SUV正式上市 续航600公里 " * 6, "售价20万元起。"),
    ]
    for title, text in cases:
        found = [(c.slug, p) for c, p in model.probabilities(title, text)]
        assert found == _reference_probabilities(title, text)
