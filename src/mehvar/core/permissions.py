"""Who may do what. Services call `require(actor, action)` before they write or read.

An actor is an authenticated agent (a user with a `role`). Roles are cumulative from
analyst (read-only insights) to admin; a few actions are reserved to higher roles.
"""

from __future__ import annotations

from typing import Protocol

from django.utils.translation import gettext_lazy as _

from mehvar.core.errors import PermissionDenied

ANALYST, AGENT, SUPERVISOR, ADMIN = "analyst", "agent", "supervisor", "admin"
ROLE_RANK = {ANALYST: 0, AGENT: 1, SUPERVISOR: 2, ADMIN: 3}

# action -> the lowest role allowed to perform it
ACTION_MIN_ROLE: dict[str, str] = {
    "customer.view": ANALYST,
    "customer.create": AGENT,
    "customer.update": AGENT,
    "customer.delete": ADMIN,
    "customer.merge": SUPERVISOR,
    "identity.add": AGENT,
    "identity.remove": AGENT,
    "organization.view": ANALYST,
    "organization.create": AGENT,
    "organization.update": AGENT,
    "organization.delete": ADMIN,
    "order.record": AGENT,
    "order.import": SUPERVISOR,
    "customer_value.recompute": SUPERVISOR,
    "tier_rule.view": ANALYST,
    "tier_rule.manage": ADMIN,
    "segment.view": ANALYST,
    "segment.manage": SUPERVISOR,
    "conversation.view": ANALYST,
    "conversation.create": AGENT,
    "conversation.reply": AGENT,
    "conversation.note": AGENT,
    "conversation.assign": AGENT,
    "conversation.update": AGENT,
    "agent.view": ANALYST,
    "agent.manage": ADMIN,
    "team.view": ANALYST,
    "team.manage": ADMIN,
    "account.manage_own": ANALYST,
    "token.manage_own": ANALYST,
    "token.manage_all": ADMIN,
    "audit.view": SUPERVISOR,
    "delivery.retry": AGENT,
    "call.log": AGENT,
    "channel.manage": ADMIN,
    "service_levels.view": ANALYST,
    "service_levels.manage": ADMIN,
    "agent.availability": AGENT,
    "agent.availability_others": SUPERVISOR,
    "agent.service_profile": SUPERVISOR,
    "conversation.escalate": AGENT,
    "internal_request.view": ANALYST,
    "internal_request.create": AGENT,
    "internal_request.update": AGENT,
    "survey.view": ANALYST,
    "survey.manage": ADMIN,
    "survey.send": AGENT,
    "complaint.view": ANALYST,
    "complaint.manage": AGENT,
    "feedback_item.view": ANALYST,
    "feedback_item.file": AGENT,
    "feedback_item.decide": SUPERVISOR,
    "product_area.manage": ADMIN,
    "webhook.manage": ADMIN,
    "insight.view": ANALYST,
    "insight.correct": AGENT,
    "intent.manage": SUPERVISOR,
    "model.view": SUPERVISOR,
    "model.manage": ADMIN,
}


class Actor(Protocol):
    @property
    def pk(self) -> int | None: ...
    @property
    def role(self) -> str: ...
    @property
    def is_active(self) -> bool: ...


def can(actor: Actor | None, action: str) -> bool:
    if actor is None or not actor.is_active:
        return False
    needed = ACTION_MIN_ROLE[action]  # KeyError on a typo is a programming error
    return ROLE_RANK.get(actor.role, -1) >= ROLE_RANK[needed]


def require(actor: Actor | None, action: str) -> None:
    if not can(actor, action):
        raise PermissionDenied(
            "permission_denied",
            _("Your role does not allow this action (%(action)s).") % {"action": action},
        )
