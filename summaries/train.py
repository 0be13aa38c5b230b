"""Train the shipped category model from labelled headlines (needs the ``[train]`` extra).

    python -m summaries.train ../shared/eval/cat_train.jsonl -o summaries/data/categories.txt.gz

Input: JSON lines with ``title``, ``label`` (a category name, slug or corpus alias such as 民生)
and optionally ``text``. The model is a linear SVM (scikit-learn's LinearSVC, one against the
rest, classes weighted to balance them) over IDF-weighted binary features of
``summaries.categories`` (words cut by ``--tokenizer``, which the file records so that the
runtime cuts the same way, and character n-grams). The features that matter least are pruned and
the model refitted on the rest, so that the file stays small and the pure-Python runtime
computes exactly what was trained, up to 8-bit weights. A softmax temperature is fitted on every
tenth headline held out. The output depends only on the input and the options: sorted features,
a fixed seed, no timestamp, so a rerun rebuilds the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import logging
import math
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from summaries.categories import MODEL_FORMAT, category_features, classifier_input
from summaries.segmenter import TOKENIZERS, segmenter
from summaries.taxonomy import CATEGORIES, category_by_name

DEFAULT_FEATURES = 60_000
# The pipeline's default segmenter (TOKENIZER): the model cuts words as digests and search do.
DEFAULT_TOKENIZER = "rjieba"
DEFAULT_C = 0.5
MIN_COUNT = 2
HOLD_OUT_EVERY = 10
_LEVELS = 127


def read_examples(path: Path) -> list[tuple[str, str]]:
    """(model input, category slug) of every labelled line; ValueError names a bad line."""
    examples: list[tuple[str, str]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            item = json.loads(line)
            category = category_by_name(str(item.get("label", "")))
            if category is None:
                raise ValueError(f"{path}:{number}: unknown label {item.get('label')!r}")
            text = classifier_input(str(item.get("title") or ""), str(item.get("text") or ""))
            examples.append((text, category.slug))
    return examples


def train_model(
    examples: Sequence[tuple[str, str]],
    *,
    max_features: int = DEFAULT_FEATURES,
    c: float = DEFAULT_C,
    seed: int = 0,
    tokenizer: str = DEFAULT_TOKENIZER,
) -> bytes:
    """The gzipped model file trained on (input text, slug) pairs; deterministic."""
    import numpy as np
    from scipy import sparse
    from sklearn.preprocessing import normalize
    from sklearn.svm import LinearSVC

    present = {slug for _, slug in examples}
    slugs = [c.slug for c in CATEGORIES if c.slug in present]
    if len(slugs) < 3:
        raise ValueError("training needs headlines of at least three categories")
    labels = np.array([slugs.index(s) for _, s in examples])
    words = segmenter(tokenizer).words
    docs = [category_features(text, words) for text, _ in examples]
    counts: dict[str, int] = {}
    for doc in docs:
        for feature in doc:
            counts[feature] = counts.get(feature, 0) + 1
    vocabulary = sorted(f for f, n in counts.items() if n >= MIN_COUNT)
    index = {f: i for i, f in enumerate(vocabulary)}
    n_docs = len(docs)
    idf = np.array([math.log((1 + n_docs) / (1 + counts[f])) + 1 for f in vocabulary])
    rows, cols = [], []
    for r, doc in enumerate(docs):
        for feature in doc:
            if feature in index:
                rows.append(r)
                cols.append(index[feature])
    matrix = sparse.csr_matrix(
        (idf[cols], (rows, cols)), shape=(n_docs, len(vocabulary)), dtype=np.float64
    )

    def fit(x: Any, y: Any) -> Any:
        model = LinearSVC(C=c, class_weight="balanced", random_state=seed, max_iter=5000)
        return model.fit(normalize(x), y)

    full = fit(matrix, labels)
    importance = np.abs(full.coef_).max(axis=0)
    order = np.lexsort((np.arange(len(vocabulary)), -importance))
    keep = np.sort(order[:max_features])
    pruned = matrix[:, keep]
    held = np.arange(n_docs) % HOLD_OUT_EVERY == HOLD_OUT_EVERY - 1
    probe = fit(pruned[~held], labels[~held])
    temperature = _fit_temperature(
        probe.decision_function(normalize(pruned[held])), labels[held], len(slugs)
    )
    final = fit(pruned, labels)
    coef = final.coef_ * idf[keep]  # IDF folded into the weights: the runtime sums them
    scale = float(np.abs(coef).max()) / _LEVELS
    quantized = np.rint(coef / scale).astype(int)
    return _model_bytes(
        slugs=slugs,
        tokenizer=tokenizer,
        temperature=temperature,
        scale=scale,
        bias=[float(b) for b in final.intercept_],
        features=[vocabulary[i] for i in keep],
        idf=[float(v) for v in idf[keep]],
        weights=quantized.T.tolist(),
    )


def _fit_temperature(scores: Any, labels: Any, classes: int) -> float:
    """The softmax temperature with the least log loss on held-out scores (a grid search)."""
    import numpy as np

    if classes == 2 and scores.ndim == 1:
        scores = np.stack([-scores, scores], axis=1)
    best, best_loss = 1.0, math.inf
    for step in range(1, 401):
        t = step / 20
        logits = scores * t
        logits -= logits.max(axis=1, keepdims=True)
        log_z = np.log(np.exp(logits).sum(axis=1))
        loss = float(np.mean(log_z - logits[np.arange(len(labels)), labels]))
        if loss < best_loss - 1e-12:
            best, best_loss = t, loss
    return best


def _model_bytes(
    *,
    slugs: Sequence[str],
    tokenizer: str,
    temperature: float,
    scale: float,
    bias: Sequence[float],
    features: Sequence[str],
    idf: Sequence[float],
    weights: Iterable[Sequence[int]],
) -> bytes:
    lines = [
        MODEL_FORMAT,
        "categories " + " ".join(slugs),
        f"tokenizer {tokenizer}",
        f"temperature {temperature:.4f}",
        f"scale {scale:.9g}",
        "bias " + " ".join(f"{b:.6f}" for b in bias),
        f"count {len(features)}",
        "features",
    ]
    for name, value, row in zip(features, idf, weights, strict=True):
        lines.append(f"{name}\t{value:.4f}\t{' '.join(str(q) for q in row)}")
    text = "\n".join(lines) + "\n"
    buffer = io.BytesIO()
    # mtime=0 and no file name: the same model gives the same bytes.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as out:
        out.write(text.encode("utf-8"))
    return buffer.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m summaries.train``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m summaries.train", description="Train the news category model."
    )
    parser.add_argument("data", type=Path, help="labelled JSON lines (title, label, text?)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="model file to write")
    parser.add_argument("--features", type=int, default=DEFAULT_FEATURES, help="features kept")
    parser.add_argument("--c", type=float, default=DEFAULT_C, help="SVM regularisation C")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--tokenizer",
        choices=TOKENIZERS,
        default=DEFAULT_TOKENIZER,
        help="word segmenter, recorded in the model (default %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.tokenizer == "jieba":
        import jieba

        jieba.setLogLevel(logging.WARNING)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        sys.stderr.write("summaries.train: needs scikit-learn: pip install -e '.[train]'\n")
        return 2
    try:
        examples = read_examples(args.data)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"summaries.train: {exc}\n")
        return 2
    data = train_model(
        examples, max_features=args.features, c=args.c, seed=args.seed, tokenizer=args.tokenizer
    )
    args.output.write_bytes(data)
    print(f"{args.output}: {len(examples)} headlines, {len(data):,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
