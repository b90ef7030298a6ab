"""Labels for the customer pages: timeline verbs and conversation status / channel values,
looked up in dicts built once (no queries, no per-call rebuilding of the choices), and a
`can` filter to hide controls the signed-in agent's role does not allow."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from mehvar.conversations.models import Channel, Status
from mehvar.core.permissions import can
from mehvar.customers.models import IdentityKind

register = template.Library()

VERBS: dict[str, Any] = {
    "attachment.added": _("Attachment added"),
    "call.logged": _("Phone call logged"),
    "conversation.assigned": _("Conversation assigned"),
    "conversation.created": _("Conversation started"),
    "conversation.priority_changed": _("Priority changed"),
    "conversation.status_changed": _("Status changed"),
    "conversation.tags_changed": _("Tags changed"),
    "conversation.updated": _("Conversation updated"),
    "customer.created": _("Customer created"),
    "customer.merged": _("Customers merged"),
    "customer.updated": _("Profile updated"),
    "identity.added": _("Identity added"),
    "identity.removed": _("Identity removed"),
    "message.added": _("Message"),
    "organization.created": _("Organization created"),
    "organization.updated": _("Organization updated"),
    "organization.deleted": _("Organization deleted"),
}
STATUSES: dict[str, Any] = dict(Status.choices)
CHANNELS: dict[str, Any] = dict(Channel.choices)
IDENTITY_KINDS: dict[str, Any] = dict(IdentityKind.choices)


@register.filter
def verb_label(verb: str) -> Any:
    return VERBS.get(verb, verb)


@register.filter
def status_label(status: str) -> Any:
    return STATUSES.get(status, status)


@register.filter
def channel_label(channel: str) -> Any:
    return CHANNELS.get(channel, channel)


@register.filter
def identity_kind_label(kind: str) -> Any:
    return IDENTITY_KINDS.get(kind, kind)


@register.filter(name="can")
def can_filter(user: Any, action: str) -> bool:
    """`{% if user|can:"customer.update" %}`: whether the role allows the action (the
    service checks again; this only hides controls that would be refused)."""
    return getattr(user, "is_authenticated", False) and can(user, action)
