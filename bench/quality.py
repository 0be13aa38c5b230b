"""Digest quality: character-level ROUGE of our digests beside Lead, textrank4zh and snownlp.

Run: python bench/quality.py [--quick]. Reads the dev sets from <repo>/../shared/eval or from
WENZHAI_EVAL_DIR and skips cleanly when they are absent. ROUGE-1/2/L F1 over characters with
punctuation and whitespace removed, repeated n-grams counted (clipped), as ROUGE-1.5.5 does.
Ours is scored with both segmenters (TOKENIZER=rjieba and jieba) in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import eval_dir, networkx_shim  # noqa: E402
from summaries import article_from_text, select_digest, split_sentences  # noqa: E402
from summaries.segmenter import segmenter  # noqa: E402
from summaries.text import cut_at_clause  # noqa: E402

DATASETS = (("nlpcc2017_dev", 60), ("lcsts_dev", 30), ("clts_samples", 80))
# Third-party summarizers are slow; each gets this many seconds per dataset, then stops.
THIRD_PARTY_SECONDS = 60.0

Summarizer = Callable[[str, int], str]
LAST_CRASH = ""


def _chars(text: str) -> list[str]:
    return [c for c in text if not c.isspace() and unicodedata.category(c)[0] not in "PZ"]


def _f1(overlap: int, hyp: int, ref: int) -> float:
    if not overlap or not hyp or not ref:
        return 0.0
    p, r = overlap / hyp, overlap / ref
    return 2 * p * r / (p + r)


def _ngrams(chars: Sequence[str], n: int) -> Counter[str]:
    return Counter("".join(chars[i : i + n]) for i in range(len(chars) - n + 1))


def _lcs(a: Sequence[str], b: Sequence[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def rouge(hyp: str, ref: str) -> tuple[float, float, float]:
    """Character ROUGE-1, ROUGE-2 and ROUGE-L F1 of ``hyp`` against ``ref``."""
    h, r = _chars(hyp), _chars(ref)
    out = []
    for n in (1, 2):
        hn, rn = _ngrams(h, n), _ngrams(r, n)
        out.append(_f1(sum((hn & rn).values()), sum(hn.values()), sum(rn.values())))
    out.append(_f1(_lcs(h, r), len(h), len(r)))
    return out[0], out[1], out[2]


def ours_with(name: str) -> Summarizer:
    """Our digest with the segmenter TOKENIZER=``name`` (rjieba or jieba)."""
    words = segmenter(name).words

    def run(text: str, budget: int) -> str:
        return "".join(select_digest(article_from_text(text), max_chars=budget, tokenizer=words))

    return run


ours = ours_with("rjieba")


def lead_sentences(text: str, budget: int) -> str:
    sentences = split_sentences(text)
    out, used = [], 0
    for s in sentences:
        if used + len(s) > budget:
            break
        out.append(s)
        used += len(s)
    if not out and sentences:
        out.append(cut_at_clause(sentences[0], budget))
    return "".join(out)


def lead_chars(text: str, budget: int) -> str:
    return "".join(text.split())[:budget]


def _fit(sentences: Sequence[tuple[int, str]], budget: int) -> str:
    """Best-first (index, sentence) pairs that fit the budget, put back in document order."""
    chosen, used = [], 0
    for index, s in sentences:
        if used + len(s) <= budget:
            chosen.append((index, s))
            used += len(s)
    if not chosen and sentences:
        return cut_at_clause(sentences[0][1], budget)
    return "".join(s for _, s in sorted(chosen))


def textrank4zh_summarizer() -> Summarizer | None:
    try:
        networkx_shim()
        with contextlib.redirect_stderr(io.StringIO()):
            from textrank4zh import TextRank4Sentence
    except Exception:  # any import failure means the baseline is not available
        return None

    def run(text: str, budget: int) -> str:
        tr = TextRank4Sentence()
        tr.analyze(text=text, lower=True, source="all_filters")
        items = tr.get_key_sentences(num=10)
        return _fit([(it.index, it.sentence) for it in items], budget)

    return run


def snownlp_summarizer() -> Summarizer | None:
    try:
        from snownlp import SnowNLP
    except Exception:  # any import failure means the baseline is not available
        return None

    def run(text: str, budget: int) -> str:
        doc = SnowNLP(text)
        picked = doc.summary(10)
        order = {s: i for i, s in enumerate(doc.sentences)}
        return _fit([(order.get(s, 0), s) for s in picked], budget)

    return run


def score(
    fn: Summarizer, rows: Sequence[dict[str, str]], budget: int, seconds: float | None
) -> tuple[tuple[float, float, float] | None, int]:
    """Mean ROUGE over rows (stopping after ``seconds`` when given) and how many were scored."""
    totals = [0.0, 0.0, 0.0]
    n = 0
    global LAST_CRASH
    LAST_CRASH = ""
    start = time.perf_counter()
    for row in rows:
        if seconds is not None and time.perf_counter() - start > seconds:
            break
        try:
            hyp = fn(row["article"], budget)
        except Exception as exc:  # a crashing baseline is reported as n/a, not a failure
            LAST_CRASH = f"crashed: {type(exc).__name__}: {exc}"[:80]
            return None, n
        for i, v in enumerate(rouge(hyp, row["reference"])):
            totals[i] += v
        n += 1
    if not n:
        return None, 0
    return (totals[0] / n * 100, totals[1] / n * 100, totals[2] / n * 100), n


def _row(name: str, result: tuple[float, float, float] | None, note: str = "") -> str:
    cells = " | ".join(f"{v:5.1f}" for v in result) if result else "  n/a |   n/a |   n/a"
    return f"| {name:<28} | {cells} | {note}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="ours and Lead only")
    args = parser.parse_args()
    base = eval_dir()
    if not base.is_dir():
        print(f"skipped: no evaluation data at {base} (set WENZHAI_EVAL_DIR)")
        return 0
    third = (
        []
        if args.quick
        else [
            ("textrank4zh", textrank4zh_summarizer()),
            ("snownlp", snownlp_summarizer()),
        ]
    )
    for name, budget in DATASETS:
        path = base / f"{name}.jsonl"
        if not path.is_file():
            print(f"\n{name}: skipped (no {path.name})")
            continue
        rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
        print(f"\n{name} @ {budget} characters, {len(rows)} articles (R-1 / R-2 / R-L F1 x100)")
        print(f"| {'system':<28} |   R-1 |   R-2 |   R-L |")
        print(f"|{'-' * 30}|-------|-------|-------|")
        for label, fn in (
            ("ours (rjieba)", ours),
            ("ours (jieba)", ours_with("jieba")),
            ("Lead (whole sentences)", lead_sentences),
            (f"Lead (first {budget} chars)", lead_chars),
        ):
            print(_row(label, score(fn, rows, budget, None)[0]))
        for label, maybe in third:
            if maybe is None:
                print(_row(label, None, "not importable"))
                continue
            result, n = score(maybe, rows, budget, THIRD_PARTY_SECONDS)
            if LAST_CRASH:
                note = LAST_CRASH
            elif n < len(rows):
                note = f"first {n} of {len(rows)} (time limit)"
            else:
                note = ""
            print(_row(label, result, note))
            if result is not None and n < len(rows):
                print(_row(f"ours on the same {n}", score(ours, rows[:n], budget, None)[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
