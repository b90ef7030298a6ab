"""evaluate() and `mehvar models evaluate` on a tiny data directory written by the test."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from mehvar.intelligence.evaluation import EvaluationRow, evaluate, format_table

POSITIVE = ["ممتاز جداً", "خدمة رائعة", "شكراً لكم", "منتج جميل", "أنصح به", "سريع وممتاز"]
NEGATIVE = ["سيء جداً", "خدمة سيئة", "متأخر جداً", "منتج مكسور", "لا أنصح به", "بطيء وسيء"]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    with (path / "data.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    rows = []
    for index, (good, bad) in enumerate(zip(POSITIVE * 5, NEGATIVE * 5, strict=True)):
        rows.append([f"{good} {index}", "positive", "ar", "1"])
        rows.append([f"{bad} {index}", "negative", "ar", "-1"])
    _write(tmp_path / "arabic-souq-product-reviews", ["text", "label", "language", "polarity"],
           rows)
    intents = [
        ("Where is my order {n}?", "track_order"), ("Track parcel {n} please", "track_order"),
        ("I want a refund for {n}", "get_refund"), ("Refund order {n} now", "get_refund"),
    ]
    _write(
        tmp_path / "bitext-customer-service-intent", ["text", "label", "language", "split"],
        [[text.format(n=n), label, "en", "test" if n % 4 == 0 else "train"]
         for n in range(20) for text, label in intents],
    )
    _write(
        tmp_path / "xed-multilingual-emotion", ["text", "label", "language"],
        [["Hello there, my friend", "joy", "en"], ["Γεια σου φίλε μου", "joy", "el"],
         ["سلام دوست من، خوبی؟", "joy", "fa"], ["مرحباً يا صديقي", "joy", "ar"]],
    )
    return tmp_path


def test_evaluate_scores_each_dataset(data_dir: Path) -> None:
    rows = list(evaluate(data_dir, datasets=["arabic-souq", "bitext", "language-xed"]))
    metrics = {(row.dataset, row.metric): row.value for row in rows}
    assert metrics[("arabic-souq", "accuracy")] >= 0.8
    assert metrics[("bitext", "accuracy")] == 1.0
    assert metrics[("bitext", "macro_f1")] == 1.0
    assert ("bitext", "f1:get_refund") in metrics
    assert ("bitext", "weighted_f1") in metrics
    assert metrics[("language-xed", "accuracy")] == 1.0
    assert all(row.texts_per_second > 0 for row in rows)
    table = format_table(rows)
    assert "| bitext | 1.000 | 1.000 | 1.000 |" in table
    assert table.count("\n") == 4


def test_unknown_dataset_is_refused(data_dir: Path) -> None:
    with pytest.raises(ValueError, match="Unknown data set"):
        list(evaluate(data_dir, datasets=["no-such-set"]))


def test_command_writes_json_lines(data_dir: Path) -> None:
    out = io.StringIO()
    call_command("models", "evaluate", "--data-dir", str(data_dir), "--dataset", "bitext",
                 "--format", "json", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {"dataset", "metric", "value", "texts_per_second"} == set(lines[0])
    assert {line["metric"] for line in lines} >= {"accuracy", "macro_f1", "weighted_f1"}
    assert EvaluationRow(**lines[0]).dataset == "bitext"


def test_command_writes_a_table(data_dir: Path) -> None:
    out = io.StringIO()
    call_command("models", "evaluate", "--data-dir", str(data_dir), "--dataset", "language-xed",
                 stdout=out)
    assert out.getvalue().startswith("| data set | accuracy |")


def test_command_refuses_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No data directory"):
        call_command("models", "evaluate", "--data-dir", str(tmp_path / "absent"))
