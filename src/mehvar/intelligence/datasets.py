"""Loaders for the public evaluation data sets (the folders of `../shared/data`), each with a
fixed train/test split.

Every loader reads the folder's normalised `data.csv` (`text,label,language,...`) and returns a
`Split`. The split is the data set's own where it publishes one, otherwise a seeded
stratified 80/20 split (`SEED`, scikit-learn's `train_test_split`). Texts of the test part are
removed from the training part (several sets repeat texts), and empty texts are dropped.

- `astd-4class`: sentiment POS/NEG/NEUTRAL/OBJ; the authors' 4class-unbalanced
  train+validation / test index files.
- `astd-binary`: the same split, POS and NEG rows only.
- `arabic-souq`: sentiment positive/neutral/negative; seeded 80/20.
- `arabic-souq-binary`: the same split, neutral rows dropped.
- `sentipers-binary`: original.csv / test.csv (deduplicated); very_negative and negative →
  negative, positive and very_positive → positive, neutral dropped.
- `snappfood`: HAPPY/SAD; dev / test (the mirror has no train file).
- `parsinlu-food`: positive/negative as SentiPers (neutral and mixed dropped); seeded 80/20.
- `pars-absa`: aspect sentiment, 3 classes; seeded 80/20 (only the official test file exists).
- `skroutz`: positive/negative; seeded 80/20.
- `sentimp21-el`, `sentimp21-en`: 3 classes; seeded 80/20.
- `airline`: negative/neutral/positive; seeded 80/20.
- `bitext`: 27 intents; train+dev / test.
- `banking77`: 77 intents; train / test.
- `xed-en`, `xed-el`, `xed-ar`, `xed-fa`: 8 emotions (the first of a line's labels); seeded
  80/20.
- `twcs`: author customer/company; seeded 80/20.

Licences: only XED (CC BY 4.0) and BANKING77 (CC BY 4.0) allow shipping models trained on
them; everything else is for evaluation only (`Split.shippable`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sklearn.model_selection import train_test_split

SEED = 20_240_601
TEST_SHARE = 0.2


@dataclass(frozen=True)
class Split:
    name: str
    task: str
    language: str
    licence: str
    shippable: bool
    train_texts: list[str]
    train_labels: list[str]
    test_texts: list[str]
    test_labels: list[str]


@dataclass(frozen=True)
class Row:
    text: str
    label: str
    fields: dict[str, str]


def read_rows(path: Path) -> list[Row]:
    """The rows of a normalised data.csv with non-empty text."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Row(text=record["text"].strip(), label=record["label"].strip(), fields=record)
            for record in csv.DictReader(handle)
            if record.get("text", "").strip()
        ]


def _split(
    name: str, task: str, language: str, licence: str, train: Sequence[Row], test: Sequence[Row],
    *, shippable: bool = False,
) -> Split:
    seen = {row.text for row in test}
    kept = [row for row in train if row.text not in seen]
    return Split(
        name=name, task=task, language=language, licence=licence, shippable=shippable,
        train_texts=[row.text for row in kept], train_labels=[row.label for row in kept],
        test_texts=[row.text for row in test], test_labels=[row.label for row in test],
    )


def _seeded(rows: Sequence[Row]) -> tuple[list[Row], list[Row]]:
    """A stratified 80/20 split of distinct texts, seeded (SEED)."""
    distinct = list({row.text: row for row in rows}.values())
    labels = [row.label for row in distinct]
    train, test = train_test_split(
        distinct, test_size=TEST_SHARE, random_state=SEED, stratify=labels
    )
    return list(train), list(test)


def _relabel(rows: Sequence[Row], mapping: dict[str, str]) -> list[Row]:
    """Rows whose label is in `mapping`, relabelled; the others dropped."""
    return [Row(row.text, mapping[row.label], row.fields) for row in rows if row.label in mapping]


def _astd(data_dir: Path, *, binary: bool) -> Split:
    rows = read_rows(data_dir / "astd-arabic-sentiment-tweets" / "data.csv")
    if binary:
        rows = _relabel(rows, {"POS": "POS", "NEG": "NEG"})
    part = "split_4class_unbalanced"
    train = [row for row in rows if row.fields[part] in {"train", "validation"}]
    test = [row for row in rows if row.fields[part] == "test"]
    name = "astd-binary" if binary else "astd-4class"
    return _split(name, "sentiment", "ar", "GPL-2.0", train, test)


def load_astd_4class(data_dir: Path) -> Split:
    return _astd(data_dir, binary=False)


def load_astd_binary(data_dir: Path) -> Split:
    return _astd(data_dir, binary=True)


def load_arabic_souq(data_dir: Path) -> Split:
    train, test = _seeded(read_rows(data_dir / "arabic-souq-product-reviews" / "data.csv"))
    return _split("arabic-souq", "sentiment", "ar", "not stated", train, test)


_BINARY = {
    "very_negative": "negative", "negative": "negative",
    "positive": "positive", "very_positive": "positive",
}


def load_arabic_souq_binary(data_dir: Path) -> Split:
    train, test = _seeded(read_rows(data_dir / "arabic-souq-product-reviews" / "data.csv"))
    keep = {"positive": "positive", "negative": "negative"}
    return _split(
        "arabic-souq-binary", "sentiment", "ar", "not stated",
        _relabel(train, keep), _relabel(test, keep),
    )


def load_sentipers_binary(data_dir: Path) -> Split:
    rows = _relabel(read_rows(data_dir / "sentipers-digikala" / "data.csv"), _BINARY)
    test = list({row.text: row for row in rows if row.fields["source_file"] == "test"}.values())
    train = list({row.text: row for row in rows if row.fields["source_file"] != "test"}.values())
    return _split("sentipers-binary", "sentiment", "fa", "not stated", train, test)


def load_snappfood(data_dir: Path) -> Split:
    rows = read_rows(data_dir / "snappfood-sentiment" / "data.csv")
    train = [row for row in rows if row.fields["split"] != "test"]
    test = [row for row in rows if row.fields["split"] == "test"]
    return _split("snappfood", "sentiment", "fa", "not stated", train, test)


def load_parsinlu_food(data_dir: Path) -> Split:
    rows = _relabel(read_rows(data_dir / "parsinlu-digikala-food-sentiment" / "data.csv"), _BINARY)
    train, test = _seeded(rows)
    return _split("parsinlu-food", "sentiment", "fa", "CC BY-NC-SA 4.0", train, test)


def load_pars_absa(data_dir: Path) -> Split:
    train, test = _seeded(read_rows(data_dir / "pars-absa" / "data.csv"))
    return _split("pars-absa", "sentiment", "fa", "not stated", train, test)


def load_skroutz(data_dir: Path) -> Split:
    train, test = _seeded(read_rows(data_dir / "skroutz-greek-shop-reviews" / "data.csv"))
    return _split("skroutz", "sentiment", "el", "not stated", train, test)


def _sentimp21(data_dir: Path, language: str) -> Split:
    rows = read_rows(data_dir / "sentimp21-greek-uk-tweets" / "data.csv")
    train, test = _seeded([row for row in rows if row.fields["language"] == language])
    return _split(f"sentimp21-{language}", "sentiment", language, "CC BY-SA 4.0", train, test)


def load_sentimp21_el(data_dir: Path) -> Split:
    return _sentimp21(data_dir, "el")


def load_sentimp21_en(data_dir: Path) -> Split:
    return _sentimp21(data_dir, "en")


def load_airline(data_dir: Path) -> Split:
    train, test = _seeded(read_rows(data_dir / "twitter-us-airline-sentiment" / "data.csv"))
    return _split(
        "airline", "sentiment", "en", "none stated (upstream believed CC BY-NC-SA 4.0)",
        train, test,
    )


def load_bitext(data_dir: Path) -> Split:
    rows = read_rows(data_dir / "bitext-customer-service-intent" / "data.csv")
    train = [row for row in rows if row.fields["split"] != "test"]
    test = [row for row in rows if row.fields["split"] == "test"]
    return _split("bitext", "intent", "en", "CDLA-Sharing-1.0", train, test)


def load_banking77(data_dir: Path) -> Split:
    rows = read_rows(data_dir / "banking77" / "data.csv")
    train = [row for row in rows if row.fields["split"] == "train"]
    test = [row for row in rows if row.fields["split"] == "test"]
    return _split("banking77", "intent", "en", "CC BY 4.0", train, test, shippable=True)


XED_LANGUAGES = ("en", "el", "ar", "fa")


def xed_rows(data_dir: Path, language: str | None = None) -> list[Row]:
    """XED rows (of one language), multi-label as in the source (`label` is comma-separated)."""
    rows = read_rows(data_dir / "xed-multilingual-emotion" / "data.csv")
    return [row for row in rows if language is None or row.fields["language"] == language]


def _xed(data_dir: Path, language: str) -> Split:
    rows = [
        Row(row.text, row.label.split(",")[0], row.fields) for row in xed_rows(data_dir, language)
    ]
    train, test = _seeded(rows)
    return _split(f"xed-{language}", "emotion", language, "CC BY 4.0", train, test, shippable=True)


def load_twcs(data_dir: Path) -> Split:
    train, test = _seeded(read_rows(data_dir / "twcs-customer-support-twitter-sample" / "data.csv"))
    return _split(
        "twcs", "author", "en", "none stated (upstream believed CC BY-NC-SA 4.0)", train, test
    )


LOADERS: dict[str, Callable[[Path], Split]] = {
    "astd-4class": load_astd_4class,
    "astd-binary": load_astd_binary,
    "arabic-souq": load_arabic_souq,
    "arabic-souq-binary": load_arabic_souq_binary,
    "sentipers-binary": load_sentipers_binary,
    "snappfood": load_snappfood,
    "parsinlu-food": load_parsinlu_food,
    "pars-absa": load_pars_absa,
    "skroutz": load_skroutz,
    "sentimp21-el": load_sentimp21_el,
    "sentimp21-en": load_sentimp21_en,
    "airline": load_airline,
    "bitext": load_bitext,
    "banking77": load_banking77,
    **{f"xed-{language}": partial(_xed, language=language) for language in XED_LANGUAGES},
    "twcs": load_twcs,
}


def load(data_dir: Path, name: str) -> Split:
    """The named data set's split; ValueError for an unknown name."""
    try:
        loader = LOADERS[name]
    except KeyError:
        raise ValueError(f"Unknown data set {name!r}; known: {', '.join(LOADERS)}") from None
    return loader(data_dir)
