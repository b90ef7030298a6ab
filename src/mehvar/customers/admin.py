"""Admin site: a read-only window on organizations, customers and identities.

Every write goes through customers.services (timeline, audit, validation), so the admin shows
data and links; changes are made in the product UI or the API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mehvar.customers.models import Customer, Identity, Organization


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
    list_display = ("name", "organization", "tier", "journey_stage", "language", "merged_into",
                    "created_at")
    list_filter = ("tier", "journey_stage")
    search_fields = ("name", "name_key", "identities__value")
    list_select_related = ("organization", "merged_into")
    ordering = ("-created_at", "-id")
    inlines = (IdentityInline,)
