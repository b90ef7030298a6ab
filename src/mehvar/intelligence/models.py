"""What Mehvar understands about messages and conversations, and the models that understand it.

Every message gets a MessageInsight (language, sentiment, emotion, intent, each with the model
name and version that produced it, and an agent's correction where one was made); every
conversation a ConversationInsight (its current sentiment, its intent, and the predicted risk
of a bad rating with the reasons). Trained models are versioned rows; one per task and
language is active, and an older one can be made active again (rollback)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ModelTask(models.TextChoices):
    SENTIMENT = "sentiment", _("Sentiment")
    EMOTION = "emotion", _("Emotion")
    INTENT = "intent", _("Intent")
    SATISFACTION = "satisfaction", _("Satisfaction prediction")


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")


class TrainedModel(models.Model):
    """One trained version of a model: the serialised weights (never a pickle), how much
    data it saw and how it scored on held-out data. `language` is "" for models that serve
    every language (intent, satisfaction)."""

    task = models.CharField(_("task"), max_length=16, choices=ModelTask.choices)
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    version = models.PositiveIntegerField(_("version"))
    backend = models.CharField(_("backend"), max_length=32, default="linear")
    blob = models.BinaryField(_("weights"))
    size_bytes = models.PositiveIntegerField(_("size in bytes"), default=0)
    train_size = models.PositiveIntegerField(_("training examples"), default=0)
    classes = models.JSONField(_("classes"), default=list, blank=True)
    # Held-out figures: accuracy, macro_f1, per-class F1, auc (satisfaction), test_size.
    metrics = models.JSONField(_("evaluation"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    trained_at = models.DateTimeField(_("trained at"))
    trained_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("trained by"))

    class Meta:
        verbose_name = _("trained model")
        verbose_name_plural = _("trained models")
        constraints = [
            models.UniqueConstraint(fields=["task", "language", "version"],
                                    name="trained_model_version_unique"),
            models.UniqueConstraint(fields=["task", "language"],
                                    condition=models.Q(is_active=True),
                                    name="trained_model_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.task}/{self.language or '*'} v{self.version}"

    @property
    def label(self) -> str:
        """The name and version stored with each result it produces."""
        return f"{self.task}-{self.language or 'all'} v{self.version}"


class Intent(models.Model):
    """What a customer wants, as the company defines it. The classifier learns from the
    examples (any language) and from conversations carrying `tag`."""

    name = models.SlugField(_("code"), max_length=64, unique=True)
    label = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    examples = models.JSONField(_("examples"), default=list, blank=True)
    tag = models.CharField(_("tag"), max_length=64, blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("intent")
        verbose_name_plural = _("intents")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MessageInsight(models.Model):
    """What the models found in one message. The corrected_* fields hold an agent's
    correction: shown instead of the prediction, and training data for the next model."""

    message = models.OneToOneField("conversations.Message", primary_key=True,
                                   on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("message"))
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE,
                                     related_name="+", verbose_name=_("conversation"),
                                     db_index=False)
    from_customer = models.BooleanField(_("from the customer"), default=True)
    created_at = models.DateTimeField(_("message time"))
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    language_confidence = models.FloatField(_("language confidence"), default=0.0)
    sentiment = models.CharField(_("sentiment"), max_length=16, blank=True, default="")
    sentiment_score = models.FloatField(_("sentiment confidence"), default=0.0)
    emotion = models.CharField(_("emotion"), max_length=32, blank=True, default="")
    emotion_score = models.FloatField(_("emotion confidence"), default=0.0)
    intent = models.CharField(_("intent"), max_length=64, blank=True, default="")
    intent_score = models.FloatField(_("intent confidence"), default=0.0)
    # {"sentiment": "sentiment-fa v2", "intent": "intent-all v5", ...}
    model_versions = models.JSONField(_("models"), default=dict, blank=True)
    corrected_sentiment = models.CharField(_("corrected sentiment"), max_length=16,
                                           blank=True, default="")
    corrected_intent = models.CharField(_("corrected intent"), max_length=64, blank=True,
                                        default="")
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("corrected by"))
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)
    analyzed_at = models.DateTimeField(_("analysed at"))

    class Meta:
        verbose_name = _("message insight")
        verbose_name_plural = _("message insights")
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="insight_conv"),
            models.Index(fields=["corrected_at"], name="insight_corrected",
                         condition=models.Q(corrected_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.effective_sentiment} {self.effective_intent}"

    @property
    def effective_sentiment(self) -> str:
        return self.corrected_sentiment or self.sentiment

    @property
    def effective_intent(self) -> str:
        return self.corrected_intent or self.intent


class ConversationInsight(models.Model):
    """A conversation as a whole: the customer's latest sentiment, what they want, and,
    while it is open, the predicted risk of a bad rating with the reasons."""

    conversation = models.OneToOneField("conversations.Conversation", primary_key=True,
                                        on_delete=models.CASCADE, related_name="+",
                                        verbose_name=_("conversation"))
    sentiment = models.CharField(_("sentiment"), max_length=16, blank=True, default="")
    sentiment_score = models.FloatField(_("sentiment confidence"), default=0.0)
    intent = models.CharField(_("intent"), max_length=64, blank=True, default="")
    intent_score = models.FloatField(_("intent confidence"), default=0.0)
    risk = models.FloatField(_("risk of a bad rating"), null=True, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=8, blank=True, default="",
                                  choices=RiskLevel.choices)
    # [{"feature": "waits", "weight": 0.8, "value": 5400}, ...] strongest first
    risk_reasons = models.JSONField(_("reasons"), default=list, blank=True)
    risk_model = models.CharField(_("risk model"), max_length=64, blank=True, default="")
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("conversation insight")
        verbose_name_plural = _("conversation insights")
        indexes = [
            models.Index(fields=["sentiment"], name="conv_insight_sentiment"),
            models.Index(fields=["intent"], name="conv_insight_intent"),
            models.Index(fields=["risk_level"], name="conv_insight_risk"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.sentiment} {self.intent} {self.risk_level}"
