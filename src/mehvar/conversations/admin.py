"""Admin pages for conversations, messages, tags and attachments.

They are for looking, not for editing: every write goes through the services (which check
permissions and record the timeline), so the admin offers no add, change or delete here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mehvar.conversations.models import Attachment, Conversation, Message, Tag


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MessageInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Message
    fields = ("created_at", "author_kind", "author_agent", "is_internal", "channel", "text")
    readonly_fields = fields
    raw_id_fields = ("author_agent", "author_customer")
    ordering = ("created_at", "id")
    extra = 0
    max_num = 0
    show_change_link = True
    can_delete = False


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ("id", "subject", "status", "priority", "channel", "language", "customer",
                    "assignee", "team", "message_count", "created_at")
    list_filter = ("status", "channel", "priority", "language")
    list_select_related = ("customer", "assignee", "team")
    search_fields = ("subject",)
    raw_id_fields = ("customer", "assignee", "team")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    inlines = (MessageInline,)


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "conversation", "author_kind", "is_internal", "channel", "language",
                    "created_at")
    list_filter = ("author_kind", "is_internal", "channel")
    list_select_related = ("conversation",)
    raw_id_fields = ("conversation", "author_agent", "author_customer")
    ordering = ("-created_at", "-id")
    show_full_result_count = False


@admin.register(Tag)
class TagAdmin(ReadOnlyAdmin):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "filename", "content_type", "size_bytes", "message", "created_at")
    raw_id_fields = ("message",)
    search_fields = ("filename",)
    ordering = ("-created_at", "-id")
