"""Train the starter models shipped in src/mehvar/intelligence/starter/ and write MODELS.md.

    .venv/bin/python scripts/train_starter_models.py [--data-dir ../shared/data]

Training data, and nothing else (licences: docs/intelligence.md):
- XED (Öhman et al., COLING 2020; CC BY 4.0): movie-subtitle lines with Plutchik emotions,
  English human-annotated, Greek/Arabic/Persian projected;
- starter/sentiment_examples.csv: short customer-service messages the Mehvar team wrote.

Sentiment from XED emotions (`SENTIMENT_OF`): a line whose labels are all joy/trust is
positive, all anger/disgust/fear/sadness negative; lines with only anticipation and/or
surprise, or with labels of both sides, are dropped (they are not clearly either, and XED has
no neutral lines). Neutral examples come from the team's examples, which are repeated
EXAMPLE_WEIGHT times so that the customer-service register weighs against the subtitles.
Emotion: XED's first label of each line, 8 classes, for languages with enough lines.

Each model is evaluated on a seeded 20% held-out part of its own training data, then
zero-shot on the public evaluation sets of its language (evaluation only, never trained on),
and trained again on all of its data for shipping.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from mehvar.intelligence.datasets import Row, _seeded, load, read_rows, xed_rows
from mehvar.intelligence.textmodels import TextClassifier

REPO = Path(__file__).resolve().parent.parent
STARTER = REPO / "src" / "mehvar" / "intelligence" / "starter"
LANGUAGES = ("en", "ar", "fa", "el")
EMOTION_LANGUAGES = ("en", "ar", "el")  # Persian has 548 XED lines: too few for 8 classes
EXAMPLE_WEIGHT = 5
POSITIVE = {"joy", "trust"}
NEGATIVE = {"anger", "disgust", "fear", "sadness"}

# Public evaluation sets per language and how their labels read as sentiment.
ZERO_SHOT: dict[str, list[tuple[str, dict[str, str]]]] = {
    "en": [
        ("airline", {"positive": "positive", "neutral": "neutral", "negative": "negative"}),
        ("sentimp21-en", {"positive": "positive", "neutral": "neutral", "negative": "negative"}),
    ],
    "ar": [
        ("astd-binary", {"POS": "positive", "NEG": "negative"}),
        ("arabic-souq-binary", {"positive": "positive", "negative": "negative"}),
    ],
    "fa": [
        ("snappfood", {"HAPPY": "positive", "SAD": "negative"}),
        ("sentipers-binary", {"positive": "positive", "negative": "negative"}),
    ],
    "el": [
        ("skroutz", {"positive": "positive", "negative": "negative"}),
        ("sentimp21-el", {"positive": "positive", "neutral": "neutral", "negative": "negative"}),
    ],
}


def sentiment_of(labels: str) -> str | None:
    names = set(labels.split(","))
    if names <= POSITIVE:
        return "positive"
    if names <= NEGATIVE:
        return "negative"
    return None


def sentiment_rows(data_dir: Path, language: str) -> tuple[list[Row], list[Row]]:
    """(XED rows, example rows) labelled positive/neutral/negative."""
    xed = [
        Row(row.text, label, row.fields)
        for row in xed_rows(data_dir, language)
        if (label := sentiment_of(row.label))
    ]
    examples = [
        row for row in read_rows(STARTER / "sentiment_examples.csv")
        if row.fields["language"] == language
    ]
    return xed, examples


def scores(model: TextClassifier, texts: Sequence[str], labels: Sequence[str]) -> str:
    """Accuracy and macro-F1; on a set without neutral, the better of the two polar classes."""
    probabilities = model.probabilities(texts)
    classes = list(model.classes)
    present = set(labels)
    if "neutral" in classes and "neutral" not in present:
        probabilities[:, classes.index("neutral")] = -1
    predicted = [classes[index] for index in np.argmax(probabilities, axis=1)]
    accuracy = accuracy_score(labels, predicted)
    macro = f1_score(labels, predicted, average="macro", labels=sorted(present))
    return f"accuracy {accuracy:.3f}, macro-F1 {macro:.3f} (n={len(labels)})"


def train_sentiment(data_dir: Path, language: str, report: list[str]) -> None:
    xed, examples = sentiment_rows(data_dir, language)
    xed_train, xed_test = _seeded(xed)
    example_train, example_test = _seeded(examples)
    train = xed_train + example_train * EXAMPLE_WEIGHT
    model = TextClassifier.train([row.text for row in train], [row.label for row in train])
    report.append(f"### sentiment-{language}.npz\n")
    report.append(
        f"- trained on: XED {language} ({len(xed)} lines mapped to positive/negative) + "
        f"{len(examples)} team-written examples (×{EXAMPLE_WEIGHT})"
    )
    report.append(
        "- held-out 20% of XED lines: "
        + scores(model, [r.text for r in xed_test], [r.label for r in xed_test])
    )
    report.append(
        "- held-out 20% of the team's examples: "
        + scores(model, [r.text for r in example_test], [r.label for r in example_test])
    )
    for name, mapping in ZERO_SHOT[language]:
        split = load(data_dir, name)
        pairs = [
            (text, mapping[label])
            for text, label in zip(split.test_texts, split.test_labels, strict=True)
            if label in mapping
        ]
        report.append(
            f"- zero-shot on {name} test split ({split.licence}, evaluation only): "
            + scores(model, [text for text, _ in pairs], [label for _, label in pairs])
        )
    final_rows = xed + examples * EXAMPLE_WEIGHT
    final = TextClassifier.train([r.text for r in final_rows], [r.label for r in final_rows])
    write(final, f"sentiment-{language}.npz", report)


def train_emotion(data_dir: Path, language: str, report: list[str]) -> None:
    split = load(data_dir, f"xed-{language}")
    model = TextClassifier.train(split.train_texts, split.train_labels)
    report.append(f"### emotion-{language}.npz\n")
    report.append(
        f"- trained on: XED {language}, first emotion of each line, 8 classes "
        f"({len(split.train_texts) + len(split.test_texts)} lines)"
    )
    report.append(
        "- held-out 20% (chance is about 0.2): "
        + scores(model, split.test_texts, split.test_labels)
    )
    final = TextClassifier.train(
        split.train_texts + split.test_texts, split.train_labels + split.test_labels
    )
    write(final, f"emotion-{language}.npz", report)


def write(model: TextClassifier, name: str, report: list[str]) -> None:
    data = model.to_bytes()
    (STARTER / name).write_bytes(data)
    report.append(f"- classes: {', '.join(model.classes)}; size {len(data) / 1e6:.2f} MB\n")
    sys.stdout.write(f"wrote {name} ({len(data) / 1e6:.2f} MB)\n")


HEADER = """# Starter models

Shipped with Mehvar so that sentiment and emotion work before a company trains anything.
Written by `scripts/train_starter_models.py` on {date}; do not edit by hand.

## Licence and attribution

Trained only on:

- **XED** — Emily Öhman, Marc Pàmies, Kaisla Kajava and Jörg Tiedemann, "XED: A
  Multilingual Dataset for Sentiment Analysis and Emotion Detection", COLING 2020;
  <https://github.com/Helsinki-NLP/XED>, licensed under CC BY 4.0
  (<https://creativecommons.org/licenses/by/4.0/>). The models are derived from it (weights
  learnt from its lines and labels; no text is stored in them); the emotion labels were
  mapped to sentiment as described below.
- `sentiment_examples.csv` — short customer-service messages the Mehvar team wrote itself
  (English, Arabic, Persian, Greek), under Mehvar's own licence.

Nothing licensed for evaluation only (non-commercial, share-alike, GPL, unknown) was used
for training; those sets appear below only as zero-shot test sets.

## How

`TextClassifier` defaults (hashed character 1–5-grams and word 1–2-grams of `model_text`,
TF-IDF, logistic regression). Sentiment: XED lines whose emotions are all joy/trust →
positive; all anger/disgust/fear/sadness → negative; anticipation/surprise-only and mixed
lines dropped; neutral comes from the team's examples (XED has no neutral lines), which are
repeated {weight} times. Emotion: the first of XED's labels, 8 Plutchik classes (anger,
anticipation, disgust, fear, joy, sadness, surprise, trust); none for Persian (548 lines).

Figures: held-out = a seeded 20% of the model's own training data, with a model trained on
the other 80%; zero-shot = the test split of a public set (docs/intelligence.md) that the
model never saw; on two-class sets the neutral class is left out of the argmax. Movie
subtitles are far from customer service, so expect modest zero-shot figures: the starter
models are a start; companies train their own.

## Models
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args(argv)
    report = [HEADER.format(date=dt.datetime.now(dt.UTC).date().isoformat(), weight=EXAMPLE_WEIGHT)]
    for language in LANGUAGES:
        train_sentiment(args.data_dir, language, report)
    for language in EMOTION_LANGUAGES:
        train_emotion(args.data_dir, language, report)
    (STARTER / "MODELS.md").write_text("\n".join(report).rstrip() + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
