"""Admin registrations for agents, teams, API tokens and the audit log.

Writes go through the accounts services, so an agent or team made in the admin is validated
and audited like one made anywhere else. Who may change what follows the roles of
core.permissions (not only Django's is_staff/is_superuser flags). Tokens and the audit log
are read-only here: a token's hash is never shown, and tokens are revoked, never deleted.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mehvar.accounts import services
from mehvar.accounts.models import Agent, ApiToken, AuditLogEntry, Team, TeamMembership
from mehvar.core.errors import DomainError
from mehvar.core.http import client_ip
from mehvar.core.permissions import can


def _actor(request: HttpRequest) -> Agent:
    if not isinstance(request.user, Agent):
        raise PermissionDenied
    return request.user


def _may(request: HttpRequest, action: str) -> bool:
    return can(request.user if isinstance(request.user, Agent) else None, action)


def _adopt(target: Model, source: Model) -> None:
    """Make the admin's unsaved instance the row a service just created."""
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False
    target._state.db = source._state.db


@admin.register(Agent)
class AgentAdmin(UserAdmin[Agent]):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("display_name", "first_name", "last_name", "email")}),
        (_("Mehvar"), {"fields": ("role", "language", "time_zone")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {
            "classes": ("wide",),
            "fields": ("username", "usable_password", "password1", "password2"),
        }),
        (_("Mehvar"), {
            "fields": ("role", "display_name", "email", "language", "time_zone"),
        }),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = ("username", "display_name", "email", "role", "language", "is_active")
    list_filter = ("role", "is_active", "language")
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    filter_horizontal = ()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and _may(request, "agent.manage")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and _may(request, "agent.manage")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: conversations and the audit log name the agent

    def save_model(self, request: HttpRequest, obj: Agent, form: forms.ModelForm[Agent],
                   change: bool) -> None:
        actor = _actor(request)
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data
                       if name in services.AGENT_EDITABLE_FIELDS}
            services.agent_update(actor=actor, agent_id=obj.pk, changes=changes,
                                  ip_address=client_ip(request))
            return
        usable = form.cleaned_data.get("usable_password") not in {False, "false"}
        created = services.agent_create(
            actor=actor, username=obj.username,
            password=form.cleaned_data.get("password1") if usable else None,
            role=obj.role, email=obj.email, display_name=obj.display_name,
            language=obj.language, time_zone=obj.time_zone, ip_address=client_ip(request),
        )
        _adopt(obj, created)


class MembershipForm(forms.ModelForm[TeamMembership]):
    """An existing membership can only be removed; changing its agent would hide a removal."""

    class Meta:
        model = TeamMembership
        fields = ("agent",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agent_field = cast("forms.ModelChoiceField[Agent]", self.fields["agent"])
        agent_field.queryset = Agent.objects.filter(is_active=True).order_by("username")
        agent_field.disabled = bool(self.instance.pk)


class TeamMembershipInline(admin.TabularInline[TeamMembership, Team]):
    model = TeamMembership
    form = MembershipForm
    fields = ("agent", "joined_at")
    readonly_fields = ("joined_at",)
    extra = 1


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ("name", "lead", "created_at")
    list_select_related = ("lead",)
    search_fields = ("name",)
    fields = ("name", "description", "lead", "created_at")
    readonly_fields = ("created_at",)
    inlines = (TeamMembershipInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and _may(request, "team.manage")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and _may(request, "team.manage")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # conversations keep pointing at their team

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest,
                                 **kwargs: Any) -> Any:
        if db_field.name == "lead":
            kwargs["queryset"] = Agent.objects.filter(is_active=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Team, form: forms.ModelForm[Team],
                   change: bool) -> None:
        actor = _actor(request)
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data
                       if name in services.TEAM_EDITABLE_FIELDS}
            services.team_update(actor=actor, team_id=obj.pk, changes=changes,
                                 ip_address=client_ip(request))
            return
        created = services.team_create(
            actor=actor, name=obj.name, description=obj.description, lead=obj.lead,
            ip_address=client_ip(request),
        )
        _adopt(obj, created)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Memberships are added and removed through the services (and so audited)."""
        actor = _actor(request)
        team = form.instance
        removed = [inline.instance for inline in formset.deleted_forms if inline.instance.pk]
        for membership in removed:
            services.team_member_remove(actor=actor, team=team, agent=membership.agent,
                                        ip_address=client_ip(request))
        added = [
            services.team_member_add(actor=actor, team=team, agent=inline.cleaned_data["agent"],
                                     ip_address=client_ip(request))
            for inline in formset.extra_forms
            if inline.has_changed() and inline not in formset.deleted_forms
            and inline.cleaned_data.get("agent") is not None
        ]
        # What the admin's change message reads after a formset.save().
        formset.new_objects, formset.changed_objects, formset.deleted_objects = added, [], removed


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ("name", "prefix", "agent", "created_at", "last_used_at", "expires_at",
                    "revoked_at")
    list_select_related = ("agent",)
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "agent__username")
    fields = ("name", "prefix", "agent", "created_at", "last_used_at", "expires_at",
              "revoked_at")  # never key_hash
    readonly_fields = fields
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are created through the API, which shows the secret once

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead, so the audit log keeps the token's story

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return _may(request, "token.manage_all")

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = _actor(request)
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                services.token_revoke(actor=actor, token_id=token.pk, ip_address=client_ip(request))
            except DomainError as error:
                self.message_user(request, str(error.detail), messages.ERROR)
                return
            revoked += 1
        self.message_user(request, ngettext("Revoked %(count)d token.",
                                            "Revoked %(count)d tokens.", revoked)
                          % {"count": revoked}, messages.SUCCESS)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin[AuditLogEntry]):
    list_display = ("at", "actor", "action", "target_type", "target_id", "ip_address")
    list_select_related = ("actor",)
    list_filter = ("action", "target_type")
    search_fields = ("action", "target_id", "actor__username")
    fields = ("at", "actor", "action", "target_type", "target_id", "ip_address", "data")
    readonly_fields = fields
    ordering = ("-at", "-id")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and _may(request, "audit.view")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
