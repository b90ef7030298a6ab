"""The models in use: each task and language's active trained version, else the shipped
starter model. Loaded once per process and kept while the set of active versions is the same
(one small query tells), so a rollback or a new version reaches every worker on its next
batch."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from django.conf import settings

from mehvar.intelligence.analysis import Analyzer
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
_loaded: dict[str, tuple[tuple[int, ...], ModelSet]] = {}


def languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def current_models() -> ModelSet:
    """The active models, from this process's copy while no version changed."""
    active = tuple(sorted(TrainedModel.objects.filter(is_active=True, task__in=TEXT_TASKS)
                          .values_list("pk", flat=True)))
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


def _load(active: tuple[int, ...]) -> ModelSet:
    sentiment: dict[str, TextClassifier] = {}
    emotion: dict[str, TextClassifier] = {}
    labels: dict[tuple[str, str], str] = {}
    for language in languages():
        for task, target in ((ModelTask.SENTIMENT, sentiment), (ModelTask.EMOTION, emotion)):
            model = starter_model(task, language)
            if model is not None:
                target[language] = model
                labels[(task, language)] = f"{task}-{language} starter"
    intent: TextClassifier | None = None
    rows = TrainedModel.objects.filter(pk__in=active).only("task", "language", "version",
                                                           "blob")
    for row in rows:
        model = TextClassifier.from_bytes(bytes(row.blob))
        labels[(row.task, row.language)] = row.label
        if row.task == ModelTask.INTENT:
            intent = model
        elif row.task == ModelTask.SENTIMENT:
            sentiment[row.language or "*"] = model
        elif row.task == ModelTask.EMOTION:
            emotion[row.language or "*"] = model
    analyzer = Analyzer(sentiment=sentiment, emotion=emotion, intent=intent,
                        languages=languages())
    return ModelSet(analyzer=analyzer, labels=labels)


def current_text_model(task: str, language: str) -> TextClassifier | None:
    """The model in use for a task and language: its active version, else the starter."""
    blob = (TrainedModel.objects.filter(task=task, language=language, is_active=True)
            .values_list("blob", flat=True).first())
    if blob is not None:
        return TextClassifier.from_bytes(bytes(blob))
    return starter_model(task, language) if language else None
