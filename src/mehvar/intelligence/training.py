"""Training new versions from the company's own data.

- Sentiment, per language: the shipped team-written examples plus every agent correction of
  a message in that language.
- Intent, one model for every language: each active intent's examples, the first customer
  message of conversations carrying its tag, and agents' intent corrections.
- Satisfaction: rated conversations (survey answers), once enough good and bad ones exist.

Each version is scored on a held-out fifth (a quarter for satisfaction) before it is fitted on
everything, stored with those figures, and made active (the previous one stays for
rollback)."""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from importlib import resources
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split

from mehvar.accounts.services import audit_record
from mehvar.conversations.learning_selectors import first_customer_texts_tagged, message_texts
from mehvar.core.errors import Invalid
from mehvar.core.permissions import Actor, require
from mehvar.feedback.rating_selectors import conversation_ratings
from mehvar.intelligence.backends import (
    BackendUnavailable,
    EmbeddingClassifier,
    SentenceEmbedder,
    parse_spec,
)
from mehvar.intelligence.errors import IntelligenceErrorCode as Code
from mehvar.intelligence.models import Intent, MessageInsight, ModelTask, TrainedModel
from mehvar.intelligence.satisfaction import FEATURES, SatisfactionModel, feature_rows
from mehvar.intelligence.selectors import RATED_LIMIT, good_and_bad
from mehvar.intelligence.services import activate
from mehvar.intelligence.store import current_text_model
from mehvar.intelligence.textmodels import TUNED_OPTIONS, TextClassifier

MIN_PER_CLASS = 2
TAGGED_PER_INTENT = 500
CORRECTIONS_LIMIT = 50_000
HELD_OUT = 0.2
SMALL_DATA = 5_000
# The tasks whose linear models choose their options by cross-validation. Not intents: on
# Bitext and BANKING77 it kept the defaults anyway, at ten times the training time (30 s
# instead of 3 for the demo's 1,600 intent examples, which the Models page trains in the
# request).
TUNED_TASKS = frozenset({ModelTask.SENTIMENT})


def model_train(*, actor: Actor | None, task: str, language: str = "") -> TrainedModel:
    """Train, evaluate, store and activate a new version. `actor` None: a scheduled job."""
    if actor is not None:
        require(actor, "model.manage")
    if task == ModelTask.SENTIMENT:
        if language not in {code for code, _name in settings.LANGUAGES}:
            raise Invalid(Code.LANGUAGE_INVALID, _("Choose one of the product's languages."),
                          field="language")
        texts, labels = sentiment_data(language)
        return _store_text_model(actor, task, language, texts, labels,
                                 current=current_text_model(task, language))
    if task == ModelTask.INTENT:
        texts, labels = intent_data()
        return _store_text_model(actor, task, "", texts, labels, current=None)
    if task == ModelTask.SATISFACTION:
        return _train_satisfaction(actor)
    raise Invalid(Code.TASK_INVALID, _("Train sentiment, intent or satisfaction."),
                  field="task")


# --- data -----------------------------------------------------------------------------------


def shipped_examples(language: str) -> list[tuple[str, str]]:
    """The team-written sentiment examples shipped with Mehvar, for one language."""
    source = resources.files("mehvar.intelligence") / "starter" / "sentiment_examples.csv"
    with source.open(encoding="utf-8") as handle:
        return [(row["text"], row["label"]) for row in csv.DictReader(handle)
                if row["language"] == language and row["text"].strip()]


def _corrections(field: str, **where: Any) -> list[tuple[str, str]]:
    rows = list(MessageInsight.objects.filter(corrected_at__isnull=False, **where)
                .exclude(**{field: ""}).order_by("-corrected_at")
                .values_list("message_id", field)[:CORRECTIONS_LIMIT])
    texts = {row.id: row.text for row in message_texts(ids=[pk for pk, _label in rows])}
    return [(texts[pk], label) for pk, label in rows if pk in texts]


def sentiment_data(language: str) -> tuple[list[str], list[str]]:
    pairs = shipped_examples(language) + _corrections("corrected_sentiment", language=language)
    return [text for text, _label in pairs], [label for _text, label in pairs]


def intent_data() -> tuple[list[str], list[str]]:
    intents = list(Intent.objects.filter(is_active=True).values_list("name", "examples", "tag"))
    pairs = [(text, name) for name, examples, _tag in intents for text in examples]
    tags = {tag or name: name for name, _examples, tag in intents}
    pairs += [(text, tags[tag]) for tag, text in
              first_customer_texts_tagged(tags=list(tags), limit=TAGGED_PER_INTENT)]
    active = {name for name, _examples, _tag in intents}
    pairs += [(text, label) for text, label in _corrections("corrected_intent")
              if label in active]
    return [text for text, _label in pairs], [label for _text, label in pairs]


def _check_enough(labels: Sequence[str]) -> None:
    counts = Counter(labels)
    usable = [label for label, count in counts.items() if count >= MIN_PER_CLASS]
    if len(usable) < 2:
        raise Invalid(Code.NOT_ENOUGH_DATA,
                      _("Training needs at least two classes with two examples each."))


# --- text models ----------------------------------------------------------------------------


def _store_text_model(actor: Actor | None, task: str, language: str, texts: list[str],
                      labels: list[str], *, current: TextClassifier | None) -> TrainedModel:
    """Score a version trained on four fifths on the held-out fifth, next to the model in
    use on the same fifth; fit it on everything and store it, active only when it scored no
    worse (a few hundred company examples can lose to a starter model trained on more)."""
    _check_enough(labels)
    backend, fit = _trainer(task)
    counts = Counter(labels)
    keep = [i for i, label in enumerate(labels) if counts[label] >= MIN_PER_CLASS]
    texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    metrics: dict[str, Any] = {"test_size": 0}
    classes = sorted(set(labels))
    held: Any = None
    if len(texts) * HELD_OUT >= len(classes) and min(Counter(labels).values()) >= 3:
        train_x, test_x, train_y, test_y = train_test_split(
            texts, labels, test_size=HELD_OUT, random_state=13, stratify=labels)
        held = fit(train_x, train_y)
        metrics = _text_metrics(held, test_x, test_y, classes)
        if current is not None:
            metrics["current_accuracy"] = _text_metrics(current, test_x, test_y,
                                                        classes)["accuracy"]
    better = metrics.get("accuracy", 1.0) >= metrics.get("current_accuracy", 0.0)
    if isinstance(held, TextClassifier):  # the choice made on four fifths: not made again
        model = _linear(texts, labels, chosen={name: held.options[name]
                                               for name in TUNED_OPTIONS})
    else:
        model = fit(texts, labels)
    return _save(actor, task=task, language=language, blob=model.to_bytes(),
                 train_size=len(texts), classes=list(model.classes), metrics=metrics,
                 make_active=better, backend=backend)


def _linear(texts: list[str], labels: list[str], *, tune: bool = False,
            chosen: dict[str, Any] | None = None) -> TextClassifier:
    # A company starts with a handful of examples per intent: an n-gram seen once is
    # evidence then, where the defaults (tuned on thousands of texts) would drop it.
    options: dict[str, Any] = {"min_df": 1} if len(texts) < SMALL_DATA else {}
    if chosen is not None:
        return TextClassifier.train(texts, labels, **options, **chosen)
    if tune:  # C, class weights and NB weighting by 3-fold cross-validation on these texts
        return TextClassifier.train_tuned(texts, labels, **options)
    return TextClassifier.train(texts, labels, **options)


def _trainer(task: str) -> tuple[str, Callable[[list[str], list[str]], Any]]:
    """The backend a new version is trained with: a linear head over the company's own
    embedding model for intents when MEHVAR_EMBEDDINGS_MODEL names one, else the default
    linear text model."""
    if task != ModelTask.INTENT or not settings.MEHVAR_EMBEDDINGS_MODEL:
        return "linear", partial(_linear, tune=task in TUNED_TASKS)
    try:
        _kind, folder = parse_spec(f"sentence-transformers:{settings.MEHVAR_EMBEDDINGS_MODEL}")
        embedder = SentenceEmbedder(folder)
    except BackendUnavailable as error:
        raise Invalid(Code.BACKEND_UNAVAILABLE, str(error)) from error
    return "sentence-transformers", lambda texts, labels: EmbeddingClassifier.train(
        embedder, texts, labels)


def _text_metrics(model: TextClassifier, texts: list[str], labels: list[str],
                  classes: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    predicted = [prediction.label for prediction in model.predict(texts)]
    seconds = max(time.perf_counter() - started, 1e-9)
    per_class = f1_score(labels, predicted, labels=classes, average=None, zero_division=0)
    return {
        "test_size": len(texts),
        "accuracy": round(float(accuracy_score(labels, predicted)), 4),
        "macro_f1": round(float(f1_score(labels, predicted, labels=classes, average="macro",
                                         zero_division=0)), 4),
        "per_class_f1": {label: round(float(value), 4)
                         for label, value in zip(classes, per_class, strict=True)},
        "texts_per_second": round(len(texts) / seconds),
    }


def _save(actor: Actor | None, *, task: str, language: str, blob: bytes, train_size: int,
          classes: list[str], metrics: dict[str, Any], make_active: bool = True,
          backend: str = "linear") -> TrainedModel:
    with transaction.atomic():
        # Lock the task's versions so two trainings cannot take the same number.
        list(TrainedModel.objects.select_for_update().filter(task=task, language=language)
             .values_list("pk", flat=True))
        latest = (TrainedModel.objects.filter(task=task, language=language)
                  .aggregate(top=Max("version"))["top"]) or 0
        model = TrainedModel.objects.create(
            task=task, language=language, version=latest + 1, blob=blob, backend=backend,
            size_bytes=len(blob), train_size=train_size, classes=classes, metrics=metrics,
            trained_at=timezone.now(), trained_by_id=actor.pk if actor else None)
        if make_active:
            activate(model)
        audit_record(actor_id=actor.pk if actor else None, action="model.trained",
                     target_type="model", target_id=model.pk,
                     data={"task": task, "language": language, "version": model.version,
                           "train_size": train_size, "active": make_active})
    return model


# --- satisfaction ---------------------------------------------------------------------------


def _train_satisfaction(actor: Actor | None) -> TrainedModel:
    labels = conversation_ratings(limit=RATED_LIMIT)
    good, bad = good_and_bad(labels)
    needed = settings.MEHVAR_SATISFACTION_MIN_RATINGS
    if min(good, bad) < max(needed, MIN_PER_CLASS * 2):
        raise Invalid(Code.NOT_ENOUGH_DATA,
                      _("Satisfaction prediction needs %(needed)s good and %(needed)s bad "
                        "ratings; there are %(good)s good and %(bad)s bad.")
                      % {"needed": needed, "good": good, "bad": bad})
    ids, rows, _facts = feature_rows(list(labels), now=None)
    targets = np.array([1 if labels[pk] else 0 for pk in ids])
    train_x, test_x, train_y, test_y = train_test_split(
        rows, targets, test_size=0.25, random_state=13, stratify=targets)
    held_out = _fit_satisfaction(train_x, train_y)
    probabilities = held_out.probabilities(test_x)
    metrics: dict[str, Any] = {
        "test_size": len(test_y),
        "auc": round(float(roc_auc_score(test_y, probabilities)), 4),
        "accuracy": round(float(accuracy_score(test_y, probabilities >= 0.5)), 4),
        "good": good, "bad": bad,
    }
    model = _fit_satisfaction(rows, targets)
    metrics["weights"] = {name: round(float(value), 4)
                          for name, value in zip(FEATURES, model.coef, strict=True)}
    return _save(actor, task=ModelTask.SATISFACTION, language="", blob=model.to_bytes(),
                 train_size=len(ids), classes=["good", "bad"], metrics=metrics)


def _fit_satisfaction(rows: np.ndarray, targets: np.ndarray) -> SatisfactionModel:
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale == 0] = 1.0
    regression = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
    regression.fit((rows - mean) / scale, targets)
    return SatisfactionModel(regression.coef_[0].astype(float),
                             float(regression.intercept_[0]), mean, scale)
