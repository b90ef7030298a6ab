"""The nightly retraining: a new version of each model whose training data changed since its
active version was trained (new corrections, intents edited), and of the satisfaction model
once enough ratings exist. A model without enough data is left as it is."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db.models import Max

from mehvar.core.errors import Invalid
from mehvar.intelligence.models import Intent, MessageInsight, ModelTask, TrainedModel
from mehvar.intelligence.selectors import rating_counts
from mehvar.intelligence.training import model_train

logger = logging.getLogger(__name__)


def _trained_at(task: str, language: str = "") -> datetime | None:
    """When the latest version was trained (active or kept back for scoring worse: data it
    saw is not news)."""
    return (TrainedModel.objects.filter(task=task, language=language)
            .order_by("-trained_at").values_list("trained_at", flat=True).first())


def retrain_due() -> list[str]:
    """Train what is due; the labels of the versions made."""
    due: list[tuple[str, str]] = []
    for code, _name in settings.LANGUAGES:
        since = _trained_at(ModelTask.SENTIMENT, code)
        corrected = MessageInsight.objects.filter(language=code).exclude(corrected_sentiment="")
        if since is not None:
            corrected = corrected.filter(corrected_at__gt=since)
        if corrected.exists():
            due.append((ModelTask.SENTIMENT, code))
    since = _trained_at(ModelTask.INTENT)
    changed = Intent.objects.aggregate(at=Max("updated_at"))["at"]
    corrected_intents = MessageInsight.objects.exclude(corrected_intent="")
    if since is not None:
        corrected_intents = corrected_intents.filter(corrected_at__gt=since)
    if changed is not None and (since is None or changed > since or corrected_intents.exists()):
        due.append((ModelTask.INTENT, ""))
    good, bad = rating_counts()
    if min(good, bad) >= settings.MEHVAR_SATISFACTION_MIN_RATINGS:
        due.append((ModelTask.SATISFACTION, ""))
    made = []
    for task, language in due:
        try:
            made.append(model_train(actor=None, task=task, language=language).label)
        except Invalid as error:
            logger.info("Not retraining %s/%s: %s", task, language or "*", error.detail)
    return made
