"""Batch enrichment of messages: language, sentiment, emotion and intent, in plain Python.

`Analyzer.analyze` detects each text's language, runs that language's sentiment and emotion
classifier (or the multilingual one under the key "*", or none) on the texts of that
language, and the company's intent classifier on every text. Classifiers that hash texts the
same way (`TextClassifier.hashing_key`) share one hashing pass per batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import scipy.sparse as sp

from mehvar.intelligence.language import DEFAULT_LANGUAGES, detect_languages
from mehvar.intelligence.textmodels import Prediction, TextClassifier

ANY_LANGUAGE = "*"


@dataclass(frozen=True)
class TextAnalysis:
    language: str = ""
    language_confidence: float = 0.0
    sentiment: str = ""
    sentiment_score: float = 0.0
    emotion: str = ""
    emotion_score: float = 0.0
    intent: str = ""
    intent_score: float = 0.0


class _HashCache:
    """Hashed counts of a batch's texts, once per hashing key."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = texts
        self._counts: dict[tuple[int, ...], sp.csr_matrix] = {}

    def counts(self, model: TextClassifier, rows: Sequence[int]) -> sp.csr_matrix:
        key = model.hashing_key
        if key not in self._counts:
            self._counts[key] = model.hashed(self.texts)
        return self._counts[key][list(rows)]


class Analyzer:
    def __init__(
        self,
        sentiment: Mapping[str, TextClassifier],
        emotion: Mapping[str, TextClassifier],
        intent: TextClassifier | None = None,
        languages: Sequence[str] = DEFAULT_LANGUAGES,
    ) -> None:
        self.sentiment = dict(sentiment)
        self.emotion = dict(emotion)
        self.intent = intent
        self.languages = tuple(languages)

    def _model(self, models: Mapping[str, TextClassifier], language: str) -> TextClassifier | None:
        return models.get(language) or models.get(ANY_LANGUAGE)

    def analyze(self, texts: Sequence[str]) -> list[TextAnalysis]:
        """One TextAnalysis per text, in order; fields of missing models stay empty."""
        detected = detect_languages(texts, languages=self.languages)
        results = [
            TextAnalysis(language=code, language_confidence=confidence)
            for code, confidence in detected
        ]
        if not texts:
            return results
        cache = _HashCache(texts)
        by_language: dict[str, list[int]] = {}
        for index, (code, _) in enumerate(detected):
            by_language.setdefault(code, []).append(index)
        for language, rows in by_language.items():
            for field, models in (("sentiment", self.sentiment), ("emotion", self.emotion)):
                model = self._model(models, language)
                if model is None:
                    continue
                predictions = _predict(model, cache, texts, rows)
                for row, prediction in zip(rows, predictions, strict=True):
                    if field == "sentiment":
                        results[row] = replace(
                            results[row], sentiment=prediction.label,
                            sentiment_score=prediction.score,
                        )
                    else:
                        results[row] = replace(
                            results[row], emotion=prediction.label, emotion_score=prediction.score
                        )
        if self.intent is not None:
            everything = range(len(texts))
            predictions = _predict(self.intent, cache, texts, everything)
            results = [
                replace(result, intent=prediction.label, intent_score=prediction.score)
                for result, prediction in zip(results, predictions, strict=True)
            ]
        return results


def _predict(model: Any, cache: _HashCache, texts: Sequence[str],
             rows: Sequence[int]) -> list[Prediction]:
    """A linear model reads the batch's shared hashed counts; a company's own backend
    (backends.py: ONNX, embeddings) reads the texts."""
    if isinstance(model, TextClassifier):
        return model.predictions_of(model.probabilities_of_hashed(cache.counts(model, rows)))
    predictions: list[Prediction] = model.predict([texts[row] for row in rows])
    return predictions
