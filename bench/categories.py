"""News categories: the shipped model against two baselines, per dev corpus, and on Sohu.

    python bench/categories.py [--sohu N]

Reads ``cat_train.jsonl``, ``cat_dev.jsonl`` and ``sohu_news_corpus.jsonl`` from the shared
evaluation data (bench.common.eval_dir); exits 0 when they are absent. Prints accuracy and
macro-F1 on the dev headlines per source corpus for the shipped model, a character-bigram
multinomial Naive Bayes trained here on the same headlines, and the keyword topics of
``seeds/topics.toml`` mapped by hand to categories; the worst confusions; the time per article
beside the digest's; and on Sohu the share of each category and how far the inputs (title
alone, title and lead, title and digest) agree.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import eval_dir, seed_topics  # noqa: E402
from summaries import Summarizer, TopicTagger, article_from_text  # noqa: E402
from summaries.categories import LEAD_CHARS, CategoryModel  # noqa: E402
from summaries.segmenter import TOKENIZERS, rjieba_installed, segmenter  # noqa: E402
from summaries.taxonomy import CATEGORIES, category_by_name  # noqa: E402

# The repository in a line's `source` names its corpus.
CORPORA = {
    "moon-hotel/BertWithPretrained": "Toutiao",
    "RuoYe310/NLP_ML": "Toutiao",
    "649453932/Chinese-Text-Classification-Pytorch": "THUCNews",
}
# Today's keyword topics mapped to the category they fall in, where one clearly does.
TOPIC_CATEGORY = {
    "party": "politics",
    "civility": "society",
    "volunteer": "society",
    "services": "society",
    "safety": "society",
    "rural": "agriculture",
    "education": "education",
    "economy": "finance",
    "culture": "culture",
}
NONE = "-"


def corpus_of(source: str) -> str:
    """The corpus of a `source` field (owner/name/path@commit)."""
    repository = "/".join(source.split("/")[:2])
    return CORPORA.get(repository, repository)


def read_jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def slug_of(label: object) -> str:
    category = category_by_name(str(label))
    if category is None:
        raise ValueError(f"unknown label {label!r}")
    return category.slug


def bigrams(text: str) -> list[str]:
    chars = "".join(text.split())
    return [chars[i : i + 2] for i in range(len(chars) - 1)]


class BigramNaiveBayes:
    """Multinomial Naive Bayes over character bigrams, Laplace smoothing (the baseline)."""

    def __init__(self, examples: Iterable[tuple[str, str]]) -> None:
        counts: dict[str, Counter[str]] = {}
        docs: Counter[str] = Counter()
        for text, label in examples:
            counts.setdefault(label, Counter()).update(bigrams(text))
            docs[label] += 1
        vocabulary = {g for c in counts.values() for g in c}
        total = sum(docs.values())
        self.labels = sorted(counts)
        self.prior = {k: math.log(docs[k] / total) for k in self.labels}
        self.log_p: dict[str, dict[str, float]] = {}
        self.unseen: dict[str, float] = {}
        for k in self.labels:
            denominator = sum(counts[k].values()) + len(vocabulary)
            self.log_p[k] = {g: math.log((n + 1) / denominator) for g, n in counts[k].items()}
            self.unseen[k] = math.log(1 / denominator)
        self.vocabulary = vocabulary

    def predict(self, text: str) -> str:
        grams = [g for g in bigrams(text) if g in self.vocabulary]
        return max(
            self.labels,
            key=lambda k: self.prior[k] + sum(self.log_p[k].get(g, self.unseen[k]) for g in grams),
        )


def keyword_baseline() -> Callable[[str], str]:
    tagger = TopicTagger(seed_topics())

    def predict(title: str) -> str:
        for slug in tagger.tag(article_from_text("", title=title)):
            if slug in TOPIC_CATEGORY:
                return TOPIC_CATEGORY[slug]
        return NONE

    return predict


def scores(gold: Sequence[str], predicted: Sequence[str]) -> tuple[float, float]:
    """Accuracy and macro-F1 over the gold labels' classes."""
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
    f1s = []
    for label in sorted(set(gold)):
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, predicted, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return accuracy, sum(f1s) / len(f1s)


def zh(slug: str) -> str:
    category = category_by_name(slug)
    return category.name_zh if category else slug


def dev_table(train: list[dict[str, object]], dev: list[dict[str, object]], model: CategoryModel):
    started = time.perf_counter()
    nb = BigramNaiveBayes((str(r["title"]), slug_of(r["label"])) for r in train)
    print(f"char-bigram NB trained on {len(train):,} headlines in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    keywords = keyword_baseline()
    systems: dict[str, Callable[[str], str]] = {
        "ours": lambda t: model.classify(t).slug,
    }
    # The same model with the words cut by the other engine: what a process gets whose
    # segmenter is not the one the model was trained with.
    other = next(n for n in TOKENIZERS if n != model.tokenizer_name)
    if other != "rjieba" or rjieba_installed():
        swapped = CategoryModel(model.path, tokenizer=segmenter(other).words)
        systems[f"ours, {other} at run time"] = lambda t: swapped.classify(t).slug
    systems |= {
        "char-bigram NB": nb.predict,
        "keyword topics": keywords,
    }
    corpora = sorted({corpus_of(str(r["source"])) for r in dev}, reverse=True)
    predictions = {name: [f(str(r["title"])) for r in dev] for name, f in systems.items()}
    gold = [slug_of(r["label"]) for r in dev]
    print("\n| system | " + " | ".join(f"{c} acc / macro-F1" for c in corpora) + " |")
    print("|---|" + "---|" * len(corpora))
    for name, predicted in predictions.items():
        cells = []
        for corpus in corpora:
            idx = [i for i, r in enumerate(dev) if corpus_of(str(r["source"])) == corpus]
            acc, f1 = scores([gold[i] for i in idx], [predicted[i] for i in idx])
            cells.append(f"{acc:.3f} / {f1:.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    ours = predictions["ours"]
    for corpus in corpora:
        idx = [i for i, r in enumerate(dev) if corpus_of(str(r["source"])) == corpus]
        pairs = Counter((gold[i], ours[i]) for i in idx if gold[i] != ours[i])
        worst = ", ".join(f"{zh(g)}→{zh(p)} {n}" for (g, p), n in pairs.most_common(8))
        print(f"\nworst confusions of ours on {corpus} ({len(idx)} headlines): {worst}")
    results = [model.classify(str(r["title"])) for r in dev]
    with_second = [(g, r) for g, r in zip(gold, results, strict=True) if r.second]
    rescued = sum(1 for g, r in with_second if r.slug != g and r.second and r.second[0] == g)
    print(f"second category given on {len(with_second) / len(dev):.1%} of dev headlines; "
          f"of those, the second is right on {rescued} (primary wrong)")  # fmt: skip


def sohu_table(sohu: list[dict[str, object]], model: CategoryModel) -> None:
    summarizer = Summarizer()
    articles = [article_from_text(str(r["article"]), title=str(r["title"])) for r in sohu]
    digests = [" ".join(summarizer.summarize(a).digest) for a in articles]
    inputs: dict[str, tuple[Callable[[int], tuple[str, str]], int]] = {
        "title": (lambda i: (articles[i].title, ""), 0),
        "title + lead 30": (lambda i: (articles[i].title, articles[i].body), 30),
        f"title + lead {LEAD_CHARS}": (lambda i: (articles[i].title, articles[i].body), LEAD_CHARS),
        "title + lead 150": (lambda i: (articles[i].title, articles[i].body), 150),
        "title + lead 300": (lambda i: (articles[i].title, articles[i].body), 300),
        "title + digest": (lambda i: (articles[i].title, digests[i]), 300),
        f"lead {LEAD_CHARS} alone": (lambda i: ("", articles[i].body), LEAD_CHARS),
    }
    results = {
        name: [model.classify(*make(i), lead_chars=lead) for i in range(len(articles))]
        for name, (make, lead) in inputs.items()
    }
    base = results["title"]
    print(f"\nSohu, {len(articles)} articles: agreement with title alone, mean confidence")
    for name, rs in results.items():
        agree = sum(a.slug == b.slug for a, b in zip(rs, base, strict=True)) / len(rs)
        mean = sum(r.confidence for r in rs) / len(rs)
        print(f"  {name:18} agreement {agree:.1%}  mean confidence {mean:.2f}")
    chosen = results[f"title + lead {LEAD_CHARS}"]
    shares = Counter(r.slug for r in chosen)
    print(f"\nshare per category (title + lead {LEAD_CHARS}): " + ", ".join(
        f"{c.name_zh} {shares[c.slug] / len(chosen):.1%}" for c in CATEGORIES
    ))  # fmt: skip
    empty = [c.name_zh for c in CATEGORIES if not shares[c.slug]]
    print(f"empty categories: {', '.join(empty) or 'none'}; articles without one: "
          f"{len(articles) - sum(shares.values())}")  # fmt: skip
    timing(articles, summarizer, model)


def timing(articles: list, summarizer: Summarizer, model: CategoryModel) -> None:
    sample = articles[:500]
    rounds: dict[str, float] = {"classify title": 0.0, "classify title + lead": 0.0, "digest": 0.0}
    for start in range(0, len(sample), 50):
        chunk = sample[start : start + 50]
        t0 = time.perf_counter()
        for a in chunk:
            model.classify(a.title)
        t1 = time.perf_counter()
        for a in chunk:
            model.classify(a.title, a.body)
        t2 = time.perf_counter()
        for a in chunk:
            summarizer.summarize(a)
        t3 = time.perf_counter()
        rounds["classify title"] += t1 - t0
        rounds["classify title + lead"] += t2 - t1
        rounds["digest"] += t3 - t2
    print(
        f"\ntime per article over {len(sample)} Sohu articles (alternating chunks of 50): "
        + ", ".join(f"{k} {v / len(sample) * 1000:.3f} ms" for k, v in rounds.items())
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sohu", type=int, default=4504, help="Sohu articles to classify")
    args = parser.parse_args(argv)
    import jieba

    jieba.setLogLevel(logging.WARNING)
    data = eval_dir()
    paths = [data / n for n in ("cat_train.jsonl", "cat_dev.jsonl", "sohu_news_corpus.jsonl")]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        print(f"skipped: {', '.join(missing)} not found in {data}")
        return 0
    model = CategoryModel().load()
    size = model.path.stat().st_size
    print(f"model {model.path.name}: {size:,} bytes, version {model.version}, "
          f"{len(model.categories)} categories, words by {model.tokenizer_name}")  # fmt: skip
    train, dev, sohu = (read_jsonl(p) for p in paths)
    dev_table(train, dev, model)
    sohu_table(sohu[: args.sohu], model)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
