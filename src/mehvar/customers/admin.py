"""Admin site: a read-only window on organizations, customers, identities, orders, tier rules
and segments.

Every write goes through customers.services (timeline, audit, validation), so the admin shows
data and links; changes are made in the product UI or the API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mehvar.customers.models import (
    Customer,
    CustomerOrder,
    Identity,
    Organization,
    Segment,
    TierRule,
)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class IdentityInline(ReadOnlyAdminMixin, admin.TabularInline[Identity, Customer]):
    model = Identity
    fields = ("kind", "value", "match_key", "is_primary", "is_verified", "created_at")
    readonly_fields = fields
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Organization]):
    list_display = ("name", "domain", "created_at")
    search_fields = ("name", "name_key", "domain")
    ordering = ("-created_at", "-id")


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Customer]):
    list_display = ("name", "organization", "tier", "journey_stage", "language", "lifetime_value",
                    "order_count", "merged_into", "created_at")
    list_filter = ("tier", "journey_stage")
    search_fields = ("name", "name_key", "identities__value")
    list_select_related = ("organization", "merged_into")
    ordering = ("-created_at", "-id")
    inlines = (IdentityInline,)


@admin.register(CustomerOrder)
class CustomerOrderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[CustomerOrder]):
    list_display = ("customer", "amount", "ordered_at", "external_id")
    search_fields = ("external_id",)
    list_select_related = ("customer",)
    ordering = ("-ordered_at", "-id")


@admin.register(TierRule)
class TierRuleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[TierRule]):
    list_display = ("position", "tier", "min_revenue", "min_profitability", "min_orders",
                    "is_active")
    ordering = ("position", "id")


@admin.register(Segment)
class SegmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Segment]):
    list_display = ("name", "match", "created_by", "created_at")
    search_fields = ("name",)
    list_select_related = ("created_by",)
    ordering = ("-created_at", "-id")
