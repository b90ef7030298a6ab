"""Evaluate the default text models on the public data sets (`datasets.LOADERS`).

For each data set: train a `TextClassifier` with its default options on the fixed train
split, predict the test split, and report accuracy, macro-F1, weighted-F1 and F1 of each
class, with the texts per second of prediction (one process; features and model). The
data set "language-xed" scores `language.detect_languages` against XED's language column.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score

from mehvar.intelligence.datasets import LOADERS, load, xed_rows
from mehvar.intelligence.language import detect_languages
from mehvar.intelligence.textmodels import TextClassifier

LANGUAGE_DATASET = "language-xed"
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


def evaluate_dataset(data_dir: Path, name: str) -> list[EvaluationRow]:
    if name == LANGUAGE_DATASET:
        rows = xed_rows(data_dir)
        texts = [row.text for row in rows]
        started = time.perf_counter()
        detected = [code for code, _ in detect_languages(texts)]
        speed = len(texts) / max(time.perf_counter() - started, 1e-9)
        gold = [row.fields["language"] for row in rows]
        return score_rows(name, gold, detected, speed)
    split = load(data_dir, name)
    model = TextClassifier.train(split.train_texts, split.train_labels)
    started = time.perf_counter()
    predicted = [prediction.label for prediction in model.predict(split.test_texts)]
    speed = len(split.test_texts) / max(time.perf_counter() - started, 1e-9)
    return score_rows(name, split.test_labels, predicted, speed)


def evaluate(data_dir: Path, *, datasets: list[str] | None = None) -> Iterator[EvaluationRow]:
    """Rows for each named data set (all of DATASETS by default), one data set at a time.
    ValueError for an unknown name (before anything runs)."""
    names = list(datasets) if datasets else list(DATASETS)
    unknown = [name for name in names if name not in DATASETS]
    if unknown:
        raise ValueError(
            f"Unknown data set(s): {', '.join(unknown)}; known: {', '.join(DATASETS)}"
        )
    for name in names:
        yield from evaluate_dataset(data_dir, name)


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
