"""What channels keep: raw inbound envelopes, outbound deliveries, mailboxes, where replies
go, web-chat sessions and phone calls. The conversation and its messages live in the
conversations context; these rows point at them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mehvar.conversations.models import Channel


class EnvelopeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    PARKED = "parked", _("Parked")


class InboundEnvelope(models.Model):
    """Everything a channel received, committed raw before any processing (nothing is lost).

    Processing (customer, thread, message) runs as a task from this row and is retried until
    it succeeds or the envelope is parked; (channel, external_id) makes a repeated delivery
    change nothing."""

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    external_id = models.CharField(_("external id"), max_length=500)
    raw = models.BinaryField(_("raw payload"))
    # Channel facts that are not in the payload (the mailbox it came from, a chat session).
    meta = models.JSONField(_("details"), default=dict, blank=True)
    mailbox = models.ForeignKey(
        "channels.Mailbox", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("mailbox"),
    )
    received_at = models.DateTimeField(_("received at"))
    # Who sent it (the identity value), once parsed: the per-sender rate limit counts these.
    sender = models.CharField(_("sender"), max_length=320, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=EnvelopeStatus.choices,
                              default=EnvelopeStatus.PENDING)
    # Why it was ignored (auto_reply, bounce, mailing_list…) or what it became.
    outcome = models.CharField(_("outcome"), max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the sweep may hand a pending envelope to a worker again (a crashed or killed
    # worker leaves it pending; the sweep finds it once this time has passed).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("message"), db_index=False,
    )
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("conversation"), db_index=False,
    )

    class Meta:
        verbose_name = _("inbound envelope")
        verbose_name_plural = _("inbound envelopes")
        # External id first: the channel alone says almost nothing (nearly every envelope is
        # e-mail), and an index led by it would tempt the planner, before statistics exist,
        # into scanning every envelope of the channel for the sender's rate-limit count.
        constraints = [models.UniqueConstraint(fields=["external_id", "channel"],
                                               name="envelope_channel_external_id_unique")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="envelope_due"),
            models.Index(fields=["status", "-received_at", "-id"], name="envelope_status"),
            models.Index(fields=["channel", "sender", "received_at"], name="envelope_sender"),
            models.Index(fields=["message"], name="envelope_message"),
            models.Index(fields=["conversation"], name="envelope_conversation"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"


class Security(models.TextChoices):
    SSL = "ssl", _("TLS (SSL)")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (local only)")


class Mailbox(models.Model):
    """A support address: mail to it is read from IMAP (or handed in by an MTA), replies are
    sent from it over the SMTP settings."""

    name = models.CharField(_("name"), max_length=100)
    address = models.EmailField(_("address"), unique=True)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("team for new conversations"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    send_acknowledgement = models.BooleanField(
        _("acknowledge new conversations"), default=False,
        help_text=_("Answer each new conversation with an automatic receipt."))
    imap_host = models.CharField(_("IMAP host"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(_("IMAP security"), max_length=16,
                                     choices=Security.choices, default=Security.SSL)
    imap_username = models.CharField(_("IMAP user name"), max_length=255, blank=True)
    imap_password = models.CharField(_("IMAP password"), max_length=255, blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    # Where polling resumes: UIDs above last_uid in a folder of this UIDVALIDITY.
    imap_uidvalidity = models.BigIntegerField(_("IMAP UIDVALIDITY"), null=True, blank=True)
    imap_last_uid = models.BigIntegerField(_("last IMAP UID read"), default=0)
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class ReplyRoute(models.Model):
    """Where a conversation's replies go: the channel and address the customer used, and for
    e-mail the mailbox and the reference chain a reply must carry to thread in their client."""

    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("conversation"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # An e-mail address, an E.164 number, a Telegram chat id, a web-chat session id.
    address = models.CharField(_("address"), max_length=320)
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("mailbox"))
    # E-mail: the Message-ID a reply answers and the References chain (newest last).
    last_reference = models.CharField(_("last reference"), max_length=500, blank=True)
    references = models.JSONField(_("references"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reply route")
        verbose_name_plural = _("reply routes")

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


class OutboundKind(models.TextChoices):
    REPLY = "reply", _("Reply")
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
    TRANSCRIPT = "transcript", _("Chat transcript")
    SURVEY = "survey", _("Survey invitation")
    PRODUCT_UPDATE = "product_update", _("Product update")


class OutboundMessage(models.Model):
    """One delivery to a customer: queued in the transaction that wrote what it carries, sent
    by a task, retried with backoff, its status shown beside the message."""

    kind = models.CharField(_("kind"), max_length=16, choices=OutboundKind.choices,
                            default=OutboundKind.REPLY)
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("conversation"), db_index=False,
    )
    # The reply it carries; acknowledgements and transcripts carry their own subject/text.
    message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.CASCADE,
        related_name="+", verbose_name=_("message"), db_index=False,
    )
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    text = models.TextField(_("text"), blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=320)
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("mailbox"))
    status = models.CharField(_("status"), max_length=16, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # E-mail: our Message-ID; messaging providers: their message id.
    provider_id = models.CharField(_("provider id"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbound_due"),
            models.Index(fields=["message"], name="outbound_message"),
            models.Index(fields=["conversation", "-created_at"], name="outbound_conversation"),
            models.Index(fields=["provider_id"], name="outbound_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient} ({self.status})"


class ChatSession(models.Model):
    """A web-chat visitor's session: the widget holds its secret token (only a hash is kept)."""

    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("customer"),
    )
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("conversation"),
    )
    language = models.CharField(_("language"), max_length=16, blank=True)
    page_url = models.CharField(_("page"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"))
    last_seen_at = models.DateTimeField(_("last seen at"))
    visitor_typing_at = models.DateTimeField(_("visitor typing at"), null=True, blank=True)

    class Meta:
        verbose_name = _("chat session")
        verbose_name_plural = _("chat sessions")

    def __str__(self) -> str:
        return f"chat {self.pk}"


class CallDirection(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class CallOutcome(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    RESOLVED = "resolved", _("Resolved on the call")
    CALLBACK = "callback", _("Callback needed")
    VOICEMAIL = "voicemail", _("Voicemail")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")


class PhoneCall(models.Model):
    """A logged call: a message in the conversation (its notes) with the call's facts; the
    recording, if any, is that message's audio attachment."""

    message = models.OneToOneField(
        "conversations.Message", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("message"),
    )
    # Named so customer value can sum handle time through the ORM without importing channels.
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="phone_calls",
        verbose_name=_("conversation"),
    )
    direction = models.CharField(_("direction"), max_length=16, choices=CallDirection.choices)
    number = models.CharField(_("number"), max_length=32)
    duration_seconds = models.PositiveIntegerField(_("duration in seconds"), default=0)
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("agent"),
    )
    started_at = models.DateTimeField(_("started at"))

    class Meta:
        verbose_name = _("phone call")
        verbose_name_plural = _("phone calls")

    def __str__(self) -> str:
        return f"{self.direction} {self.number}"
