"""Conversations (tickets) and their messages, on any channel."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    ON_HOLD = "on_hold", _("On hold")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBCHAT = "webchat", _("Web chat")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    PHONE = "phone", _("Phone")
    TWITTER = "twitter", _("X / Twitter")
    FACEBOOK = "facebook", _("Facebook")
    INSTAGRAM = "instagram", _("Instagram")
    API = "api", _("API")


class AuthorKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")


class MessageFlag(models.TextChoices):
    MALFORMED = "malformed", _("Malformed original")
    AUTO_REPLY = "auto_reply", _("Automatic reply")
    HTML_ONLY = "html_only", _("HTML only")
    TRUNCATED = "truncated", _("Shortened to the size limit")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    # Not a column: the tag names a list selector loaded for a whole page in one query.
    tag_names: list[str]

    subject = models.CharField(_("subject"), max_length=300)
    # The subject as search indexes it (core.fulltext.search_key); written by the services.
    subject_key = models.TextField(_("subject search key"), blank=True, default="",
                                   editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.NEW)
    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices,
                                default=Priority.NORMAL)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=16, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="conversations",
        verbose_name=_("customer"), db_index=False,
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="conversations", verbose_name=_("team"), db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_conversations", verbose_name=_("assignee"), db_index=False,
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="conversations",
                                  verbose_name=_("tags"))
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    message_count = models.PositiveIntegerField(_("messages"), default=0)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    last_message_at = models.DateTimeField(_("last message at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        # These also serve the foreign keys (customer, team, assignee lead an index), so the
        # keys have no single-column index of their own: one index less to write per insert.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="conv_created"),
            models.Index(fields=["status", "-created_at", "-id"], name="conv_status_created"),
            models.Index(fields=["assignee", "status", "-created_at"], name="conv_assignee"),
            models.Index(fields=["team", "status", "-created_at"], name="conv_team"),
            models.Index(fields=["customer", "-created_at", "-id"], name="conv_customer"),
            models.Index(fields=["channel", "-created_at"], name="conv_channel"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages",
        verbose_name=_("conversation"), db_index=False,
    )
    author_kind = models.CharField(_("author kind"), max_length=16, choices=AuthorKind.choices)
    author_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("agent"),
    )
    author_customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("customer"),
    )
    is_internal = models.BooleanField(_("internal note"), default=False)
    text = models.TextField(_("text"))
    # The text as search indexes it (core.fulltext.search_key); written by the services. The
    # full-text indexes over it are vendor-specific SQL (migration 0003; docs/operations).
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)
    html = models.TextField(_("sanitised HTML"), blank=True)
    # What a channel took off the end of `text` for display (an e-mail's quoted history and
    # signature): `text` + `quoted_text` is the full text; the raw original stays on the
    # channel's envelope.
    quoted_text = models.TextField(_("quoted text"), blank=True, default="")
    # What the channel noticed about the original (MessageFlag values), e.g. "malformed".
    flags = models.JSONField(_("flags"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    external_id = models.CharField(_("external id"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        # Also the conversation foreign key's index.
        indexes = [models.Index(fields=["conversation", "created_at", "id"], name="msg_conv")]
        constraints = [
            # External id first, so a reply's lookup by its references seeks them even
            # before the table has statistics (led by the channel, the planner then scanned
            # every message of the channel).
            models.UniqueConstraint(
                fields=["external_id", "channel"], condition=~models.Q(external_id=""),
                name="message_channel_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.author_kind} @ {self.created_at:%Y-%m-%d %H:%M}"


class Mention(models.Model):
    """An agent named with @username in an internal note: their "Mentions" inbox view."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="mentions", verbose_name=_("message"),
        db_index=False,
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("conversation"), db_index=False,
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("agent"), db_index=False,
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        # Also the message, agent and conversation foreign keys' indexes.
        indexes = [models.Index(fields=["agent", "-created_at"], name="mention_agent"),
                   models.Index(fields=["conversation"], name="mention_conversation")]
        constraints = [models.UniqueConstraint(fields=["message", "agent"],
                                               name="mention_message_agent_unique")]

    def __str__(self) -> str:
        return f"@{self.agent_id} in {self.message_id}"


class Attachment(models.Model):
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("message")
    )
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=255)
    size_bytes = models.PositiveBigIntegerField(_("size in bytes"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename
