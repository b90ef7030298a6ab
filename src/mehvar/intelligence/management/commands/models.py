"""`mehvar models evaluate|train|list|rollback`: the intelligence context's text models.

    mehvar models evaluate --data-dir ../shared/data [--dataset NAME ...] [--format table|json]

evaluate: train the default model type on each public data set's fixed train split and score
its test split (mehvar.intelligence.evaluation; data sets and splits in docs/intelligence.md).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mehvar.intelligence.evaluation import DATASETS, EvaluationRow, evaluate, format_table


class Output(Protocol):
    def write(self, text: str, /) -> Any: ...

    def flush(self) -> Any: ...


def run_evaluate(
    out: Output, *, data_dir: Path, datasets: list[str] | None, output_format: str
) -> None:
    """Write the evaluation of `datasets` (all by default) in `data_dir` to `out`: a Markdown
    table, or one JSON object per line (dataset, metric, value, texts_per_second) as each data
    set finishes."""
    if not data_dir.is_dir():
        raise CommandError(f"No data directory at {data_dir}.")
    try:
        rows = evaluate(data_dir, datasets=datasets)
        collected: list[EvaluationRow] = []
        for row in rows:
            if output_format == "json":
                out.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")
                out.flush()
            else:
                collected.append(row)
    except (ValueError, FileNotFoundError, KeyError) as error:
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
        # --- train: subparser added by the lead (trains a company's intent model) --------
        # --- list: subparser added by the lead (the stored models and their versions) -----
        # --- rollback: subparser added by the lead (make an earlier version active) -------

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "evaluate":
            run_evaluate(
                self.stdout, data_dir=options["data_dir"], datasets=options["dataset"],
                output_format=options["format"],
            )
        # --- train / list / rollback: dispatched here by the lead -------------------------
        else:
            raise CommandError(f"Unknown action {action!r}.")
