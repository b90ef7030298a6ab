"""The models in use: each task and language's active trained version, else the shipped
starter model. Loaded once per process and kept while the set of active versions is the same
(one small query tells), so a rollback or a new version reaches every worker on its next
batch."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from mehvar.intelligence.analysis import Analyzer
from mehvar.intelligence.backends import EmbeddingClassifier, load_backend
from mehvar.intelligence.models import ModelTask, TrainedModel
from mehvar.intelligence.starter import starter_model
from mehvar.intelligence.textmodels import TextClassifier

TEXT_TASKS = (ModelTask.SENTIMENT, ModelTask.EMOTION, ModelTask.INTENT)


@dataclass(frozen=True)
class ModelSet:
    analyzer: Analyzer
    # (task, language) -> the name and version stored with each result; language "" for
    # intent, which serves every language.
    labels: dict[tuple[str, str], str] = field(default_factory=dict)

    def label(self, task: str, language: str) -> str:
        return self.labels.get((task, language)) or self.labels.get((task, ""), "")


_lock = threading.Lock()
_loaded: dict[str, tuple[tuple[Any, ...], ModelSet]] = {}


def languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def current_models() -> ModelSet:
    """The active models, from this process's copy while no version changed."""
    active = (*sorted(TrainedModel.objects.filter(is_active=True, task__in=TEXT_TASKS)
                      .values_list("pk", flat=True)),
              settings.MEHVAR_SENTIMENT_MODEL, settings.MEHVAR_INTENT_MODEL)
    with _lock:
        cached = _loaded.get("text")
        if cached is not None and cached[0] == active:
            return cached[1]
    models = _load(active)
    with _lock:
        _loaded["text"] = (active, models)
    return models


def forget_loaded() -> None:
    """Drop this process's copy (tests; after a change in this process it reloads anyway)."""
    with _lock:
        _loaded.clear()


def _load(key: tuple[Any, ...]) -> ModelSet:
    active = [item for item in key if isinstance(item, int)]
    sentiment: dict[str, Any] = {}
    emotion: dict[str, Any] = {}
    labels: dict[tuple[str, str], str] = {}
    for language in languages():
        for task, target in ((ModelTask.SENTIMENT, sentiment), (ModelTask.EMOTION, emotion)):
            model = starter_model(task, language)
            if model is not None:
                target[language] = model
                labels[(task, language)] = f"{task}-{language} starter"
    intent: Any = None
    rows = TrainedModel.objects.filter(pk__in=active).only("task", "language", "version",
                                                           "blob")
    for row in rows:
        model = load_trained(row.backend, bytes(row.blob))
        labels[(row.task, row.language)] = row.label
        if row.task == ModelTask.INTENT:
            intent = model
        elif row.task == ModelTask.SENTIMENT:
            sentiment[row.language or "*"] = model
        elif row.task == ModelTask.EMOTION:
            emotion[row.language or "*"] = model
    if settings.MEHVAR_SENTIMENT_MODEL:  # a company's own model serves every language
        backend = load_backend(settings.MEHVAR_SENTIMENT_MODEL, task=ModelTask.SENTIMENT)
        sentiment = {"*": backend}
        labels = {key: value for key, value in labels.items() if key[0] != ModelTask.SENTIMENT}
        labels[(ModelTask.SENTIMENT, "")] = backend.name
    if settings.MEHVAR_INTENT_MODEL:
        intent = load_backend(settings.MEHVAR_INTENT_MODEL, task=ModelTask.INTENT)
        labels[(ModelTask.INTENT, "")] = intent.name
    analyzer = Analyzer(sentiment=sentiment, emotion=emotion, intent=intent,
                        languages=languages())
    return ModelSet(analyzer=analyzer, labels=labels)


def current_text_model(task: str, language: str) -> Any:
    """The model in use for a task and language: its active version, else the starter."""
    row = (TrainedModel.objects.filter(task=task, language=language, is_active=True)
           .values_list("backend", "blob").first())
    if row is not None:
        return load_trained(row[0], bytes(row[1]))
    return starter_model(task, language) if language else None


def load_trained(backend: str, blob: bytes) -> Any:
    """A stored version: the default linear model, or a head over a supplied embedding
    model."""
    if backend == "sentence-transformers":
        return EmbeddingClassifier.from_bytes(blob)
    return TextClassifier.from_bytes(blob)
