"""Admin pages of the feedback context, for looking only: webhook endpoints (without their
secret), their deliveries with every attempt (the failed ones first to find), product areas,
feedback items and survey schedules. Changes go through the API and the pages, where the
services check the role, validate and audit."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mehvar.feedback.models import (
    FeedbackItem,
    ProductArea,
    SurveySchedule,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "url", "is_active", "created_at")
    exclude = ("secret",)  # shown once, when it is set through the API


class WebhookAttemptInline(admin.TabularInline):  # type: ignore[type-arg]
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("attempted_at", "status_code", "error", "duration_ms", "response_body")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("delivery_id", "endpoint", "event", "status", "attempts", "created_at",
                    "finished_at")
    list_filter = ("status", "event")
    inlines = [WebhookAttemptInline]


@admin.register(ProductArea)
class ProductAreaAdmin(ReadOnlyAdmin):
    list_display = ("id", "name")


@admin.register(FeedbackItem)
class FeedbackItemAdmin(ReadOnlyAdmin):
    list_display = ("id", "title", "area", "status", "created_at")
    list_filter = ("status",)


@admin.register(SurveySchedule)
class SurveyScheduleAdmin(ReadOnlyAdmin):
    list_display = ("id", "survey", "is_active")
