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
