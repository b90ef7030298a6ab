"""Evaluate the default text models on the public data sets (`datasets.LOADERS`).

For each data set: train a `TextClassifier` on the fixed train split (regularisation, class
weights and, for two classes, NB weighting chosen by cross-validation on that split alone
by the data set's metric, `JUDGED_BY`: `TextClassifier.train_tuned`), predict the test
split, and report accuracy, macro-F1, weighted-F1 and F1 of each class, with the texts
per second of prediction (one process; features and model). The
data set "language-xed" scores `language.detect_languages` against XED's language column.

`backend` scores a company's own model on the same splits (backends.py): an ONNX sentiment
model as it is (zero-shot; its labels and the data set's mapped to negative / neutral /
positive, sentiment data sets only), or a linear head trained over a sentence-transformers
model's embeddings on each train split.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.metrics import accuracy_score, f1_score

from mehvar.intelligence.backends import (
    EmbeddingClassifier,
    OnnxClassifier,
    SentenceEmbedder,
    parse_spec,
    sentiment_label,
)
from mehvar.intelligence.datasets import LOADERS, Split, load, xed_rows
from mehvar.intelligence.language import detect_languages
from mehvar.intelligence.textmodels import TextClassifier
from mehvar.intelligence.training import TUNED_TASKS

LANGUAGE_DATASET = "language-xed"
# The metric a data set is judged by where it is not accuracy; its options are tuned by it
# (cross-validation on the train split only, `TextClassifier.train_tuned`).
JUDGED_BY = {"astd-4class": "weighted_f1", "arabic-souq-binary": "macro_f1",
             "airline": "macro_f1"}
DATASETS = (*LOADERS, LANGUAGE_DATASET)


@dataclass(frozen=True)
class EvaluationRow:
    dataset: str
    metric: str
    value: float
    texts_per_second: float


def score_rows(
    dataset: str, gold: Sequence[str], predicted: Sequence[str], texts_per_second: float
) -> list[EvaluationRow]:
    """accuracy, macro_f1, weighted_f1 and f1:<class> rows for one data set."""
    classes = sorted(set(gold))
    rows = [
        ("accuracy", accuracy_score(gold, predicted)),
        ("macro_f1", f1_score(gold, predicted, average="macro", labels=classes)),
        ("weighted_f1", f1_score(gold, predicted, average="weighted", labels=classes)),
    ]
    per_class = f1_score(gold, predicted, average=None, labels=classes, zero_division=0)
    rows.extend((f"f1:{name}", value) for name, value in zip(classes, per_class, strict=True))
    return [
        EvaluationRow(dataset, metric, round(float(value), 4), round(texts_per_second, 1))
        for metric, value in rows
    ]


# A data set's own sentiment labels in Mehvar's three (for a model trained elsewhere).
GOLD_SENTIMENT = {"pos": "positive", "neg": "negative", "neutral": "neutral",
                  "happy": "positive", "sad": "negative", "obj": "neutral", "mixed": "",
                  "very_positive": "positive", "very_negative": "negative"}


def evaluate_dataset(data_dir: Path, name: str, backend: str = "linear") -> list[EvaluationRow]:
    if name == LANGUAGE_DATASET:
        rows = xed_rows(data_dir)
        texts = [row.text for row in rows]
        started = time.perf_counter()
        detected = [code for code, _ in detect_languages(texts)]
        speed = len(texts) / max(time.perf_counter() - started, 1e-9)
        gold = [row.fields["language"] for row in rows]
        return score_rows(name, gold, detected, speed)
    split = load(data_dir, name)
    if backend != "linear":
        return _evaluate_backend(split, backend)
    if split.task in TUNED_TASKS:  # as the product trains them (training.TUNED_TASKS)
        model = TextClassifier.train_tuned(split.train_texts, split.train_labels,
                                           metric=JUDGED_BY.get(name, "accuracy"))
    else:
        model = TextClassifier.train(split.train_texts, split.train_labels)
    started = time.perf_counter()
    predicted = [prediction.label for prediction in model.predict(split.test_texts)]
    speed = len(split.test_texts) / max(time.perf_counter() - started, 1e-9)
    return score_rows(name, split.test_labels, predicted, speed)


def _evaluate_backend(split: Split, backend: str) -> list[EvaluationRow]:
    kind, folder = parse_spec(backend)
    if kind == "sentence-transformers":
        model: Any = EmbeddingClassifier.train(SentenceEmbedder(folder), split.train_texts,
                                               split.train_labels)
        gold = list(split.test_labels)
        texts = list(split.test_texts)
    else:
        if split.task != "sentiment":
            return []
        model = OnnxClassifier(folder, task="sentiment")
        pairs = [(text, _gold_sentiment(label))
                 for text, label in zip(split.test_texts, split.test_labels, strict=True)]
        pairs = [(text, label) for text, label in pairs if label in model.classes]
        texts, gold = [text for text, _label in pairs], [label for _text, label in pairs]
        if not texts:
            return []
    started = time.perf_counter()
    probabilities = model.probabilities(texts)
    if kind == "onnx":  # choose among the data set's own classes only
        allowed = [index for index, label in enumerate(model.classes) if label in set(gold)]
        predicted = [model.classes[allowed[int(row[allowed].argmax())]]
                     for row in probabilities]
    else:
        predicted = [model.classes[int(row.argmax())] for row in probabilities]
    speed = len(texts) / max(time.perf_counter() - started, 1e-9)
    return score_rows(split.name, gold, predicted, speed)


def _gold_sentiment(label: str) -> str:
    key = label.strip().lower()
    return GOLD_SENTIMENT.get(key, sentiment_label(label))


def evaluate(data_dir: Path, *, datasets: list[str] | None = None,
             backend: str = "linear") -> Iterator[EvaluationRow]:
    """Rows for each named data set (all of DATASETS by default), one data set at a time.
    ValueError for an unknown name (before anything runs)."""
    names = list(datasets) if datasets else list(DATASETS)
    unknown = [name for name in names if name not in DATASETS]
    if unknown:
        raise ValueError(
            f"Unknown data set(s): {', '.join(unknown)}; known: {', '.join(DATASETS)}"
        )
    if backend != "linear":
        parse_spec(backend)  # a wrong spec fails before any data set runs
    for name in names:
        if backend != "linear" and name == LANGUAGE_DATASET:
            continue
        yield from evaluate_dataset(data_dir, name, backend)


def format_table(rows: Iterable[EvaluationRow]) -> str:
    """A Markdown table: one line per data set with accuracy, macro-F1, weighted-F1, texts/s
    and the F1 of each class."""
    by_dataset: dict[str, dict[str, float]] = {}
    speeds: dict[str, float] = {}
    for row in rows:
        by_dataset.setdefault(row.dataset, {})[row.metric] = row.value
        speeds[row.dataset] = row.texts_per_second
    lines = [
        "| data set | accuracy | macro-F1 | weighted-F1 | texts/s | F1 per class |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for dataset, metrics in by_dataset.items():
        per_class = ", ".join(
            f"{metric[3:]} {value:.3f}" for metric, value in metrics.items()
            if metric.startswith("f1:")
        )
        lines.append(
            f"| {dataset} | {metrics.get('accuracy', 0):.3f} | {metrics.get('macro_f1', 0):.3f}"
            f" | {metrics.get('weighted_f1', 0):.3f} | {speeds[dataset]:,.0f} | {per_class} |"
        )
    return "\n".join(lines)
