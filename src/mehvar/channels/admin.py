"""Admin pages for the channels context.

Every channel model is for looking only here: envelopes, deliveries, routes, chat sessions
and calls are written by the pipeline and the services, and mailboxes are created and changed
on the /channels/mailboxes pages (and in the API), where the mailbox services validate and
audit the change and the IMAP password stays write-only. Retries are on the /channels pages
and in the API too."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mehvar.channels.models import (
    ChatSession,
    InboundEnvelope,
    Mailbox,
    OutboundMessage,
    PhoneCall,
    ReplyRoute,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InboundEnvelope)
class InboundEnvelopeAdmin(ReadOnlyAdmin):
    list_display = ("id", "channel", "status", "outcome", "sender", "attempts", "received_at")
    list_filter = ("status", "channel")
    search_fields = ("external_id", "sender")
    # The raw payload can be megabytes of hostile bytes: the /channels page shows it as text.
    exclude = ("raw",)
    raw_id_fields = ("mailbox", "message", "conversation")
    ordering = ("-received_at", "-id")
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("raw")


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "channel", "recipient", "status", "attempts", "created_at",
                    "sent_at")
    list_filter = ("status", "channel", "kind")
    search_fields = ("recipient", "provider_id")
    raw_id_fields = ("conversation", "message", "mailbox")
    ordering = ("-created_at", "-id")
    show_full_result_count = False


@admin.register(ReplyRoute)
class ReplyRouteAdmin(ReadOnlyAdmin):
    list_display = ("conversation", "channel", "address", "mailbox", "updated_at")
    list_filter = ("channel",)
    raw_id_fields = ("conversation", "mailbox")


@admin.register(ChatSession)
class ChatSessionAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "conversation", "language", "created_at", "last_seen_at")
    exclude = ("token_hash",)  # a credential's hash is never shown
    raw_id_fields = ("customer", "conversation")
    ordering = ("-created_at", "-id")


@admin.register(PhoneCall)
class PhoneCallAdmin(ReadOnlyAdmin):
    list_display = ("id", "direction", "number", "duration_seconds", "outcome", "agent",
                    "started_at")
    list_filter = ("direction", "outcome")
    search_fields = ("number",)
    raw_id_fields = ("message", "conversation", "agent")
    ordering = ("-started_at", "-id")


@admin.register(Mailbox)
class MailboxAdmin(ReadOnlyAdmin):
    list_display = ("name", "address", "team", "is_active", "imap_host", "last_polled_at")
    list_select_related = ("team",)
    search_fields = ("name", "address")
    # Never shown, not even to admins; the /channels/mailboxes page sets it write-only.
    exclude = ("imap_password",)
    raw_id_fields = ("team",)
