"""Digest rules: budget, order, dependent openers, near-duplicates, clause cuts, determinism."""

from __future__ import annotations

import pytest

from summaries import Article, article_from_text, select_digest, split_sentences
from summaries.digest import candidates_for
from summaries.segmenter import Segmenter


def _article(text: str, title: str = "") -> Article:
    return article_from_text(text, title=title)


@pytest.mark.parametrize(("max_chars", "max_sentences"), [(150, 3), (80, 2), (60, 1), (300, 4)])
def test_budget_order_and_whole_sentences(
    seed_articles: list[Article], max_chars: int, max_sentences: int
) -> None:
    for article in seed_articles:
        digest = select_digest(article, max_chars=max_chars, max_sentences=max_sentences)
        assert 1 <= len(digest) <= max_sentences
        assert sum(len(s) for s in digest) <= max_chars
        sentences = [c.text for c in candidates_for(article)]
        if all(s in sentences for s in digest):
            positions = [sentences.index(s) for s in digest]
            assert positions == sorted(positions)
        else:  # a clause cut: one sentence, the head or a run of clauses of a real sentence
            assert len(digest) == 1
            assert any(digest[0].rstrip("…") in s for s in sentences)


def test_never_a_heading_title_or_byline(seed_articles: list[Article]) -> None:
    for article in seed_articles:
        for sentence in select_digest(article, max_chars=400, max_sentences=4):
            assert sentence not in article.headings
            assert sentence != article.title
            assert not any(name in sentence for name in article.authors) or article.kind == "photo"


def test_dependent_opener_needs_its_predecessor() -> None:
    text = (
        "市政府昨天发布了新的交通管理办法，明确了电动车上路的规则。"
        "但这一办法引起了部分市民的不满，交通管理办法被认为过于严格。"
        "交通管理办法将于下月起正式施行，电动车需要登记上牌。"
    )
    for budget in (40, 70, 150):
        digest = select_digest(_article(text), max_chars=budget, max_sentences=3)
        sentences = split_sentences(text)
        for s in digest:
            if s.startswith("但"):
                assert sentences[sentences.index(s) - 1] in digest


def test_no_near_duplicates() -> None:
    repeated = "全市共有三百名志愿者参加了义务植树活动，种下树苗两千棵。"
    text = (
        repeated
        + "活动由市文明办组织。"
        + repeated.replace("两千", "两千多")
        + "植树节当天天气晴好。"
    )
    digest = select_digest(_article(text), max_chars=200, max_sentences=4)
    assert sum(1 for s in digest if "三百名志愿者" in s) == 1


def test_clause_cut_when_no_sentence_fits() -> None:
    text = (
        "备受关注的湖南临武城管致瓜农死亡案二审今日在郴州市中级人民法院公开宣判，驳回上诉，维持原判。"
        "二〇一三年七月十七日，临武县城管执法人员在执法过程中与当地瓜农发生争执，冲突中瓜农倒地死亡。"
    )
    digest = select_digest(_article(text), max_chars=30, max_sentences=3)
    assert len(digest) == 1 and len(digest[0]) <= 30
    assert digest[0].endswith("…")
    body = digest[0].rstrip("…")
    assert body and body in text and body[-1] not in "，、；："


def test_deterministic(seed_articles: list[Article]) -> None:
    first = [select_digest(a, max_chars=100) for a in seed_articles]
    again = [select_digest(a, max_chars=100) for a in seed_articles]
    assert first == again


def test_injected_tokenizer_is_used() -> None:
    calls: list[str] = []

    def characters(text: str) -> list[str]:
        calls.append(text)
        return [text[i : i + 2] for i in range(0, len(text), 2)]

    text = "第一句话在这里。第二句话也在这里。"
    digest = select_digest(_article(text), max_chars=100, tokenizer=characters)
    assert digest and calls


def test_dateline_is_not_part_of_the_digest() -> None:
    text = (
        "新华社北京3月5日电（记者 张三）十四届全国人大一次会议今天上午在人民大会堂开幕。"
        "会议听取了政府工作报告。"
    )
    digest = select_digest(_article(text), max_chars=80)
    assert digest[0].startswith("十四届全国人大")


def test_body_tokenized_once_gives_each_sentence_its_own_tokens(
    seed_articles: list[Article], words: Segmenter
) -> None:
    # Sentences take slices of one pass over the body; each slice must be what tokenizing the
    # sentence alone gives, including cuts inside a run jieba keeps together (新版本.新 ...)
    # and a stripped dateline; with either segmenter.
    extra = _article(
        "新华社北京3月5日电（记者 张三）会议今天开幕。软件升级到新版本.新功能上线了！"
        "他说：“好。”随后离开。\n第二段没有句号"
    )
    for article in [*seed_articles, extra]:
        candidates = candidates_for(article, words.words)
        assert candidates
        for c in candidates:
            assert c.tokens == tuple(words.words(c.text)), c.text


def test_single_call_per_body_with_an_injected_tokenizer() -> None:
    calls: list[str] = []

    def characters(text: str) -> list[str]:
        calls.append(text)
        return list(text)

    article = _article("第一句话在这里。第二句话也在这里！第三句呢？")
    candidates = candidates_for(article, characters)
    assert calls == [article.body]
    assert [c.tokens for c in candidates] == [tuple(c.text) for c in candidates]


def test_content_vector_matches_tfidf_of_content_words(seed_articles: list[Article]) -> None:
    from summaries.rank import tfidf_vector
    from summaries.weights import ContentWeights, content_words
    from summaries.words import corpus_idf, default_idf, jieba_words

    weights = ContentWeights()
    for article in seed_articles:
        tokens = jieba_words(article.body)
        expected = tfidf_vector(content_words(tokens), corpus_idf(), default_idf())
        got = weights.vector(tokens)
        assert got == expected and list(got) == list(expected)


_CLAUSE_ENDS = ("；", "，", ";", ",", "、", "：")


def _reads_whole(sentence: str) -> bool:
    return sentence.rstrip('”’"」』）)】')[-1:] in "。！？!?…" or sentence[-1] in "。！？!?…"


@pytest.mark.parametrize("max_chars", [60, 100, 150])
def test_seed_digests_are_whole_sentences_not_clauses(
    seed_articles: list[Article], max_chars: int
) -> None:
    for article in seed_articles:
        for sentence in select_digest(article, max_chars=max_chars, max_sentences=3):
            assert not sentence.endswith(_CLAUSE_ENDS), sentence
    first, brief = seed_articles[0], seed_articles[3]
    for article in (first, brief):
        digest = select_digest(article, max_chars=150, max_sentences=3)
        assert digest and all(_reads_whole(s) for s in digest), digest
    # Scenery loses to what happened.
    assert not select_digest(first)[0].startswith("步入院内")
    assert not select_digest(brief)[0].startswith("在井下生产工作现场")
    assert any("双龙煤业" in s for s in select_digest(brief))


def test_a_cut_sentence_ends_with_an_ellipsis_never_a_semicolon() -> None:
    text = (
        "在新建的物流园区，货车进进出出，装卸工人忙个不停；仓库里货架整齐排列，分拣机器轰鸣；"
        "调度室里电话此起彼伏，屏幕上的订单数字不断跳动，一派繁忙景象。"
    )
    for budget in (20, 40, 60):
        digest = select_digest(_article(text), max_chars=budget)
        assert len(digest) == 1 and digest[0].endswith("…") and len(digest[0]) <= budget


def test_a_scene_setting_opener_loses_to_the_news() -> None:
    text = (
        "走进县城东关社区，街巷干净整洁，墙上的宣传画色彩鲜艳，老人们在树荫下聊天下棋。"
        "今年以来，该县投入三千二百万元改造老旧小区四十六个，惠及居民一万两千户。"
        "社区还新建了日间照料中心和便民服务站。"
    )
    digest = select_digest(_article(text, title="县里改造老旧小区"), max_chars=60)
    assert digest[0].startswith("今年以来")


def test_scene_detection_needs_a_cue_and_no_name_or_number_up_front() -> None:
    from summaries.scene import news_after_scene, opens_with_scene
    from summaries.words import jieba_words

    def scene(text: str) -> bool:
        return opens_with_scene(text, jieba_words(text))

    assert scene("步入院内，绿树成荫、花香洋溢；办公区环境整洁优美。")
    assert scene("清晨，薄雾笼罩着山谷，鸟鸣声此起彼伏。")
    assert not scene("步入2021年，全市经济稳中向好。")
    assert not scene("走进漯河市市场监督管理局，处处可见文明标语。")
    assert not scene("福建启动“单独两孩”新政。")  # news without a number is no scene
    tail = news_after_scene("在车间现场，机器轰鸣，工人忙碌——今年以来，该厂产值增长两成。")
    assert tail == "今年以来，该厂产值增长两成。"
    assert news_after_scene("他说——这是真的。") == "他说——这是真的。"


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        (
            "邻村一货车侧翻致两人受伤本报枣庄6月3日讯(记者 王晓峰 通讯员 李静)2日晚,"
            "一辆满载砂石的货车在峄城区一处弯道侧翻,司机和乘客受轻伤。",
            ("本报枣庄", "6月3日讯", "记者", "通讯员"),
            "2日晚,一辆满载砂石的货车在峄城区一处弯道侧翻,司机和乘客受轻伤。",
        ),
        (
            "摘要:市气象台今晨发布暴雨蓝色预警,预计未来六小时有大到暴雨。(责任编辑:周文)",
            ("摘要", "责任编辑", "周文"),
            "市气象台今晨发布暴雨蓝色预警,预计未来六小时有大到暴雨。",
        ),
        (
            "导语小区居民自发组织巡逻队,夜间安全有了保障。(完)",
            ("导语", "(完)"),
            "小区居民自发组织巡逻队,夜间安全有了保障。",
        ),
        (
            "【社会新闻】新华社南京4月9日电 江苏今年将新增城市公园一百座,方便市民就近休闲。",
            ("【", "社会新闻", "新华社", "4月9日电"),
            "江苏今年将新增城市公园一百座,方便市民就近休闲。",
        ),
    ],
)
def test_labels_and_datelines_never_reach_a_digest(
    text: str, gone: tuple[str, ...], kept: str
) -> None:
    digest = "".join(select_digest(_article(text), max_chars=150, max_sentences=3))
    assert kept in digest
    for label in gone:
        assert label not in digest, label
