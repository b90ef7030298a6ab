"""`mehvar models evaluate|train|list|rollback|enrich`: the intelligence context's models.

    mehvar models evaluate --data-dir ../shared/data [--dataset NAME ...] [--format table|json]
                           [--backend onnx:DIR|sentence-transformers:DIR]
    mehvar models train intent|sentiment|satisfaction [--language fa]
    mehvar models list [--task intent]
    mehvar models rollback ID          (make that version active; also forward again)
    mehvar models enrich               (enrich every message without an insight)

evaluate: train the default model type on each public data set's fixed train split and score
its test split (mehvar.intelligence.evaluation; data sets and splits in docs/intelligence.md).
The other actions run as the system (no acting agent) and are recorded in the audit log.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mehvar.core.errors import DomainError
from mehvar.intelligence.backends import BackendUnavailable
from mehvar.intelligence.enrichment import backfill
from mehvar.intelligence.evaluation import DATASETS, EvaluationRow, evaluate, format_table
from mehvar.intelligence.selectors import model_versions
from mehvar.intelligence.services import model_use
from mehvar.intelligence.training import model_train


class Output(Protocol):
    def write(self, text: str, /) -> Any: ...

    def flush(self) -> Any: ...


def run_evaluate(
    out: Output, *, data_dir: Path, datasets: list[str] | None, output_format: str,
    backend: str = "linear",
) -> None:
    """Write the evaluation of `datasets` (all by default) in `data_dir` to `out`: a Markdown
    table, or one JSON object per line (dataset, metric, value, texts_per_second) as each data
    set finishes."""
    if not data_dir.is_dir():
        raise CommandError(f"No data directory at {data_dir}.")
    try:
        rows = evaluate(data_dir, datasets=datasets, backend=backend)
        collected: list[EvaluationRow] = []
        for row in rows:
            if output_format == "json":
                out.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")
                out.flush()
            else:
                collected.append(row)
    except (ValueError, FileNotFoundError, KeyError, BackendUnavailable) as error:
        raise CommandError(str(error)) from error
    if output_format == "table":
        out.write(format_table(collected) + "\n")


class Command(BaseCommand):
    help = "The intelligence context's text models: evaluate (and train, list, rollback)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        evaluation = commands.add_parser(
            "evaluate", help="Train the default models on public data sets and score them."
        )
        evaluation.add_argument("--data-dir", type=Path, required=True,
                                help="The folder of the data sets (e.g. ../shared/data).")
        evaluation.add_argument("--dataset", action="append", choices=DATASETS,
                                metavar="NAME", help="Only this data set (repeatable); "
                                f"one of: {', '.join(DATASETS)}.")
        evaluation.add_argument("--format", choices=["table", "json"], default="table")
        evaluation.add_argument("--backend", default="linear",
                                help="linear (default), onnx:DIR or sentence-transformers:DIR")
        train = commands.add_parser("train", help="Train, evaluate, store and (when it "
                                    "scores no worse) activate a new version.")
        train.add_argument("task", choices=["intent", "sentiment", "satisfaction"])
        train.add_argument("--language", default="", help="For sentiment: en, ar, fa or el.")
        listing = commands.add_parser("list", help="Every stored version with its figures.")
        listing.add_argument("--task", default="")
        rollback = commands.add_parser("rollback", help="Make a stored version active.")
        rollback.add_argument("model_id", type=int)
        commands.add_parser("enrich", help="Enrich every message that has no insight yet.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "evaluate":
                run_evaluate(
                    self.stdout, data_dir=options["data_dir"], datasets=options["dataset"],
                    output_format=options["format"], backend=options["backend"],
                )
            elif action == "train":
                model = model_train(actor=None, task=options["task"],
                                    language=options["language"])
                state = "active" if model.is_active else "stored, not active (scored worse)"
                self.stdout.write(f"{model.label}: {state}; {model.train_size} examples; "
                                  f"{json.dumps(model.metrics, ensure_ascii=False)}")
            elif action == "list":
                for model in model_versions(task=options["task"]):
                    flag = "*" if model.is_active else " "
                    self.stdout.write(
                        f"{flag} {model.pk:>5} {model.label:<24} {model.backend:<12} "
                        f"{model.trained_at:%Y-%m-%d %H:%M} n={model.train_size} "
                        f"{json.dumps(_headline(model.metrics))}")
            elif action == "rollback":
                model = model_use(model_id=options["model_id"])
                self.stdout.write(f"{model.label} is active.")
            elif action == "enrich":
                self.stdout.write(f"{backfill()} messages enriched.")
            else:
                raise CommandError(f"Unknown action {action!r}.")
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.detail}") from error


def _headline(metrics: dict[str, Any]) -> dict[str, Any]:
    return {key: metrics[key] for key in ("accuracy", "macro_f1", "auc", "test_size")
            if key in metrics}
