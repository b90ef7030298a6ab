"""Analyzer: language routing of sentiment and emotion models, multilingual intent."""

from __future__ import annotations

import pytest

from mehvar.intelligence.analysis import Analyzer, TextAnalysis
from mehvar.intelligence.textmodels import TextClassifier

OPTIONS = {"min_df": 1, "n_features": 2**16}


def _constant(label: str, other: str, texts: list[str]) -> TextClassifier:
    """A model that tells `label` texts from a few `other` texts (so it predicts `label`
    for the texts it was trained on)."""
    return TextClassifier.train(
        [*texts, "zzz qqq", "xxx yyy"], [label] * len(texts) + [other, other], **OPTIONS
    )


EN = ["Thank you, great service!", "The delivery was fast, thanks"]
FA = ["خیلی ممنون، سفارش سریع رسید", "پشتیبانی عالی بود"]
EL = ["Ευχαριστώ πολύ για τη βοήθεια", "Τέλεια εξυπηρέτηση"]
AR = ["شكراً جزيلاً على الخدمة الممتازة", "وصل الطلب بسرعة، شكراً لكم"]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    intent = TextClassifier.train(
        [*EN, *FA, *EL, *AR, "Where is my parcel?", "سفارشم کجاست؟", "Πού είναι το δέμα;",
         "أين طلبي؟"],
        ["thanks"] * 8 + ["where_is_order"] * 4,
        **OPTIONS,
    )
    return Analyzer(
        sentiment={"en": _constant("en-positive", "x", EN), "fa": _constant("fa-positive", "x", FA),
                   "*": _constant("any-positive", "x", [*EL, *AR])},
        emotion={"el": _constant("el-joy", "x", EL)},
        intent=intent,
    )


def test_routes_each_language_to_its_model(analyzer: Analyzer) -> None:
    results = analyzer.analyze([EN[0], FA[0], EL[0], AR[0]])
    assert [r.language for r in results] == ["en", "fa", "el", "ar"]
    assert [r.sentiment for r in results] == [
        "en-positive", "fa-positive", "any-positive", "any-positive"
    ]
    assert [r.emotion for r in results] == ["", "", "el-joy", ""]
    assert [r.emotion_score for r in results][:2] == [0.0, 0.0]
    assert results[2].emotion_score > 0.5
    assert all(r.intent == "thanks" and r.intent_score > 0.5 for r in results)
    assert all(r.language_confidence > 0.5 for r in results)


def test_intent_runs_over_every_language(analyzer: Analyzer) -> None:
    results = analyzer.analyze(["Where is my parcel?", "سفارشم کجاست؟", "أين طلبي؟"])
    assert [r.intent for r in results] == ["where_is_order"] * 3


def test_empty_text_and_empty_batch(analyzer: Analyzer) -> None:
    assert analyzer.analyze([]) == []
    (result,) = analyzer.analyze([""])
    assert result.language == ""
    assert result.language_confidence == 0.0
    assert result.sentiment == "any-positive"  # the "*" model takes undecided texts too
    assert result.intent != ""


def test_without_models_only_language_is_filled() -> None:
    (result,) = Analyzer(sentiment={}, emotion={}, intent=None).analyze([EL[1]])
    assert result == TextAnalysis(language="el", language_confidence=result.language_confidence)
    assert result.language_confidence > 0.5


def test_texts_keep_their_order_in_mixed_batches(analyzer: Analyzer) -> None:
    texts = [FA[1], EN[1], FA[0], EL[1], EN[0]]
    results = analyzer.analyze(texts)
    assert [r.language for r in results] == ["fa", "en", "fa", "el", "en"]
    assert [r.sentiment[:2] for r in results] == ["fa", "en", "fa", "an", "en"]
