"""Voice of the customer: surveys (CSAT, NPS, CES), the invitations sent to customers and
their responses, each tied to the conversation, agent, team and channel it is about."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SurveyKind(models.TextChoices):
    CSAT = "csat", _("Customer satisfaction (CSAT, 1–5)")
    NPS = "nps", _("Net promoter score (NPS, 0–10)")
    CES = "ces", _("Customer effort score (CES, 1–7)")


SCALES = {SurveyKind.CSAT: (1, 5), SurveyKind.NPS: (0, 10), SurveyKind.CES: (1, 7)}


class SurveyTrigger(models.TextChoices):
    SOLVED = "solved", _("When a conversation is solved")
    AFTER_SOLVED = "after_solved", _("Some days after a conversation is solved")
    MANUAL = "manual", _("Only when sent by hand")


class Survey(models.Model):
    """What to ask and when. `texts` overrides the shipped wording per language:
    {"fa": {"question": "...", "comment": "..."}}; a missing text uses the shipped one."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=SurveyKind.choices)
    trigger = models.CharField(_("trigger"), max_length=16, choices=SurveyTrigger.choices,
                               default=SurveyTrigger.SOLVED)
    is_active = models.BooleanField(_("active"), default=True)
    texts = models.JSONField(_("texts"), default=dict, blank=True)
    # The trigger "after_solved" waits this many days after solving.
    delay_days = models.PositiveSmallIntegerField(_("days after solving"), default=0)
    # Extra optional questions shown after the score: [{"key", "kind": "choice"|"text",
    # "texts": {"fa": {"label": "...", "options": ["...", ...]}}}].
    questions = models.JSONField(_("extra questions"), default=list, blank=True)
    # A comment holding one of these words or phrases (any language, compared after
    # normalisation) raises a complaint whatever the score.
    complaint_keywords = models.JSONField(_("complaint keywords"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    """One survey sent to one customer about one conversation; the link carries its id,
    signed. Who and what it is about is copied here, so figures never join the thread."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations",
                               verbose_name=_("survey"))
    kind = models.CharField(_("kind"), max_length=8, choices=SurveyKind.choices)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("customer"), db_index=False)
    conversation = models.ForeignKey("conversations.Conversation", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("conversation"), db_index=False)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("agent"))
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("team"))
    channel = models.CharField(_("channel"), max_length=16)
    language = models.CharField(_("language"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        indexes = [models.Index(fields=["customer", "-created_at"], name="invitation_customer"),
                   models.Index(fields=["conversation"], name="invitation_conversation")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.customer_id}"


class Response(models.Model):
    """The customer's answer: the score, an optional comment; editable for a while."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, primary_key=True,
                                      related_name="response", verbose_name=_("invitation"))
    kind = models.CharField(_("kind"), max_length=8, choices=SurveyKind.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    # Answers to the survey's extra questions: {"key": option index or text}.
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("customer"), db_index=False)
    conversation = models.ForeignKey("conversations.Conversation", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("conversation"), db_index=False)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("agent"), db_index=False)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("team"), db_index=False)
    channel = models.CharField(_("channel"), max_length=16)
    answered_at = models.DateTimeField(_("answered at"))
    editable_until = models.DateTimeField(_("editable until"))

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [
            models.Index(fields=["kind", "-answered_at"], name="response_kind_answered"),
            models.Index(fields=["agent", "kind", "-answered_at"], name="response_agent"),
            models.Index(fields=["team", "kind", "-answered_at"], name="response_team"),
            models.Index(fields=["customer", "-answered_at"], name="response_customer"),
            models.Index(fields=["conversation"], name="response_conversation"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.score}"


# --- complaints and service recovery -------------------------------------------------------


class ComplaintSource(models.TextChoices):
    AGENT = "agent", _("Raised by an agent")
    SURVEY = "survey", _("A low survey answer")
    CUSTOMER = "customer", _("Written by the customer")


class ComplaintCategory(models.TextChoices):
    """The touchpoints a customer experiences."""

    PRODUCT = "product", _("Product")
    SERVICE = "service", _("Service")
    FACILITIES = "facilities", _("Facilities")
    ADVERTISING = "advertising", _("Advertising")
    STAFF_BEHAVIOUR = "staff_behaviour", _("Staff behaviour")
    PRICE_QUALITY = "price_quality", _("Price and quality")
    WARRANTY = "warranty", _("Warranty")
    COMPLAINT_HANDLING = "complaint_handling", _("Complaint handling")


class ComplaintSeverity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Complaint(models.Model):
    """A customer's complaint, with an owner who must recover the service by `due_at`."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("customer"), db_index=False)
    conversation = models.ForeignKey("conversations.Conversation", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("conversation"))
    response = models.OneToOneField(Response, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="complaint",
                                    verbose_name=_("survey answer"))
    source = models.CharField(_("source"), max_length=16, choices=ComplaintSource.choices)
    category = models.CharField(_("category"), max_length=24,
                                choices=ComplaintCategory.choices)
    severity = models.CharField(_("severity"), max_length=16,
                                choices=ComplaintSeverity.choices)
    status = models.CharField(_("status"), max_length=16, choices=ComplaintStatus.choices,
                              default=ComplaintStatus.OPEN)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("owner"), db_index=False)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("team"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("raised by"))
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    due_at = models.DateTimeField(_("due at"))
    created_at = models.DateTimeField(_("created at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    follow_up_invitation = models.ForeignKey(Invitation, null=True, blank=True,
                                             on_delete=models.SET_NULL, related_name="+",
                                             verbose_name=_("follow-up survey"))

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["status", "-created_at", "-id"], name="complaint_status"),
            models.Index(fields=["owner", "status", "-created_at", "-id"],
                         name="complaint_owner"),
            models.Index(fields=["customer", "-created_at"], name="complaint_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.category} ({self.status})"


class RecoveryActionKind(models.TextChoices):
    APOLOGY = "apology", _("Apology")
    REFUND = "refund", _("Refund")
    CREDIT_OR_DISCOUNT = "credit_or_discount", _("Credit or discount")
    REPLACEMENT = "replacement", _("Replacement")
    CALLBACK = "callback", _("Call back")


class RecoveryAction(models.Model):
    """What was done to recover the service, and what it cost."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="actions",
                                  verbose_name=_("complaint"))
    kind = models.CharField(_("kind"), max_length=24, choices=RecoveryActionKind.choices)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, default=0)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("recovery action")
        verbose_name_plural = _("recovery actions")
        indexes = [models.Index(fields=["created_at"], name="recovery_action_created")]
        constraints = [models.CheckConstraint(condition=models.Q(cost__gte=0),
                                              name="recovery_action_cost_not_negative")]

    def __str__(self) -> str:
        return f"{self.kind} {self.cost}"


class SurveySchedule(models.Model):
    """Relationship NPS: every `every_days`, the survey invites the customers of a saved
    segment (consent and fatigue hold). Runs with its creator's view of the segment."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="schedules",
                               verbose_name=_("survey"))
    segment = models.ForeignKey("customers.Segment", on_delete=models.CASCADE,
                                related_name="+", verbose_name=_("segment"))
    every_days = models.PositiveSmallIntegerField(_("every (days)"))
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"))
    next_run_at = models.DateTimeField(_("next run at"))
    last_run_at = models.DateTimeField(_("last run at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey schedule")
        verbose_name_plural = _("survey schedules")
        indexes = [models.Index(fields=["is_active", "next_run_at"], name="schedule_due")]

    def __str__(self) -> str:
        return f"{self.survey_id} → {self.segment_id}"


class SurveyDue(models.Model):
    """A conversation solved under a survey triggered "some days after solving": the
    periodic job invites its customer at `due_at` if it is still solved."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("survey"))
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE,
                                     related_name="+", verbose_name=_("conversation"))
    due_at = models.DateTimeField(_("due at"))

    class Meta:
        verbose_name = _("survey due")
        verbose_name_plural = _("surveys due")
        indexes = [models.Index(fields=["due_at"], name="survey_due_at")]
        constraints = [models.UniqueConstraint(fields=["survey", "conversation"],
                                               name="survey_due_once")]

    def __str__(self) -> str:
        return f"{self.survey_id} → {self.conversation_id}"


# --- feedback to product -------------------------------------------------------------------


class ProductArea(models.Model):
    """A part of the product that feedback items are grouped by (defined by admins)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("product area")
        verbose_name_plural = _("product areas")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FeedbackStatus(models.TextChoices):
    NEW = "new", _("New")
    UNDER_REVIEW = "under_review", _("Under review")
    PLANNED = "planned", _("Planned")
    SHIPPED = "shipped", _("Shipped")
    DECLINED = "declined", _("Declined")


class FeedbackItem(models.Model):
    """Something customers ask of the product, with the comments that ask it."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    area = models.ForeignKey(ProductArea, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="items", verbose_name=_("product area"))
    status = models.CharField(_("status"), max_length=16, choices=FeedbackStatus.choices,
                              default=FeedbackStatus.NEW)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)

    class Meta:
        verbose_name = _("feedback item")
        verbose_name_plural = _("feedback items")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="feedback_item_created"),
            models.Index(fields=["status", "-created_at", "-id"], name="feedback_item_status"),
            models.Index(fields=["area", "-created_at", "-id"], name="feedback_item_area"),
        ]

    def __str__(self) -> str:
        return self.title


class FeedbackAsker(models.Model):
    """One customer asking for one item: a customer counts once per item, and is told once
    when it ships (`notified_at`)."""

    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="askers",
                             verbose_name=_("feedback item"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("customer"))
    conversation = models.ForeignKey("conversations.Conversation", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("conversation"), db_index=False)
    asked_at = models.DateTimeField(_("asked at"))
    notified_at = models.DateTimeField(_("told it shipped at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer asking")
        verbose_name_plural = _("customers asking")
        constraints = [models.UniqueConstraint(fields=["item", "customer"],
                                               name="feedback_asker_once")]

    def __str__(self) -> str:
        return f"{self.item_id} ← {self.customer_id}"


class FeedbackSource(models.TextChoices):
    SURVEY = "survey", _("Survey comment")
    CONVERSATION = "conversation", _("Conversation")


class FeedbackComment(models.Model):
    """What a customer said, filed under an item: a survey comment or a conversation's
    message. A response or a conversation is filed at most once per item."""

    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="comments",
                             verbose_name=_("feedback item"))
    source = models.CharField(_("source"), max_length=16, choices=FeedbackSource.choices)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("customer"), db_index=False)
    response = models.ForeignKey(Response, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("survey answer"),
                                 db_index=False)
    conversation = models.ForeignKey("conversations.Conversation", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("conversation"), db_index=False)
    text = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=16, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("filed by"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("feedback comment")
        verbose_name_plural = _("feedback comments")
        indexes = [models.Index(fields=["item", "created_at"], name="feedback_comment_item"),
                   models.Index(fields=["response"], name="feedback_comment_response"),
                   models.Index(fields=["conversation"], name="feedback_comment_conv")]
        constraints = [
            models.UniqueConstraint(fields=["item", "response"], name="feedback_response_once",
                                    condition=models.Q(response__isnull=False)),
            models.UniqueConstraint(fields=["item", "conversation"],
                                    name="feedback_conversation_once",
                                    condition=models.Q(conversation__isnull=False,
                                                       source="conversation")),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.text[:40]}"


# --- outgoing webhooks ---------------------------------------------------------------------


class WebhookEvent(models.TextChoices):
    ITEM_CREATED = "feedback_item.created", _("A feedback item was created")
    ITEM_CHANGED = "feedback_item.changed", _("A feedback item changed")


class WebhookEndpoint(models.Model):
    """Where new and changed feedback items are POSTed, signed with `secret`."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("secret"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    events = models.JSONField(_("events"), default=list)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Retrying")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Gave up")


class WebhookDelivery(models.Model):
    """One event for one endpoint; sent by a task, retried with backoff."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries", verbose_name=_("endpoint"))
    delivery_id = models.CharField(_("delivery id"), max_length=36, unique=True)
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=16,
                              choices=WebhookDeliveryStatus.choices,
                              default=WebhookDeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due"),
                   models.Index(fields=["endpoint", "-created_at", "-id"],
                                name="webhook_endpoint_created")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id}"


class WebhookAttempt(models.Model):
    """One try of a delivery: what the endpoint answered (body truncated) or the error."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE,
                                 related_name="attempt_log", verbose_name=_("delivery"))
    attempted_at = models.DateTimeField(_("attempted at"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    response_body = models.TextField(_("response body"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        indexes = [models.Index(fields=["delivery", "attempted_at"], name="webhook_attempt")]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code}"
