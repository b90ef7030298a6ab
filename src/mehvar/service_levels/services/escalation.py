"""Escalation and referral: a conversation moves to another team with a hand-off note that
the next agent reads first, so the customer is never asked again for what is on record."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.selectors import team_get
from mehvar.conversations.services.common import lock_writable
from mehvar.conversations.services.messages import message_add
from mehvar.conversations.services.routing import conversation_place
from mehvar.conversations.services.validation import clean_body
from mehvar.core.errors import Conflict, Invalid, NotFound
from mehvar.core.permissions import Actor, require
from mehvar.service_levels.config_cache import service_config
from mehvar.service_levels.errors import ServiceLevelErrorCode as Code
from mehvar.service_levels.models import Handoff, ServiceState
from mehvar.service_levels.services.assignment import auto_assign
from mehvar.service_levels.services.clocks import calendar_for, schedule_for
from mehvar.service_levels.sla import DERIVED_FIELDS, evaluate

MAX_NOTE = 5000


@transaction.atomic
def conversation_hand_off(
    *, actor: Actor, conversation_id: int, team_id: int, note: str, escalate: bool = True,
) -> Handoff:
    """Move the conversation to `team_id` (unassigned there, or assigned automatically) with a
    required note. `escalate=True` raises the escalation level; False is a referral at the
    same level. The note is also an internal note in the thread."""
    require(actor, "conversation.escalate")
    text = note.strip() if isinstance(note, str) else ""
    if not text:
        raise Invalid(Code.HANDOFF_NOTE_REQUIRED,
                      _("Write a hand-off note: what the customer needs and what was done."),
                      field="note")
    if len(text) > MAX_NOTE:
        raise Invalid(Code.HANDOFF_NOTE_REQUIRED,
                      _("Keep the hand-off note under %(max)d characters.") % {"max": MAX_NOTE},
                      field="note")
    try:
        team = team_get(actor=actor, team_id=team_id)
    except NotFound as error:
        raise Invalid(Code.TEAM_NOT_FOUND, _("No team has this id."), field="team_id") from error
    conversation = lock_writable(conversation_id)
    if conversation.team_id == team.pk:
        raise Conflict(Code.HANDOFF_SAME_TEAM,
                       _("The conversation is already with this team."), field="team_id")
    body, _html = clean_body(note, "")
    state = ServiceState.objects.select_related("policy", "calendar").filter(
        conversation_id=conversation.pk).select_for_update(of=("self",)).first()
    level = (state.escalation_level if state else 0) + (1 if escalate else 0)
    now = timezone.now()
    handoff = Handoff.objects.create(
        conversation_id=conversation.pk, from_team_id=conversation.team_id, to_team=team,
        by_agent_id=actor.pk, level=level, note=body, created_at=now)
    message_add(actor=actor, conversation=conversation, text=body, is_internal=True)
    conversation_place(
        conversation=conversation, verb="conversation.escalated" if escalate
        else "conversation.referred", team_id=team.pk, assignee_id=None, locked=True,
        details={"handoff_id": handoff.pk, "level": level, "from_team_id": handoff.from_team_id})
    if state is not None:
        state.escalation_level = level
        state.calendar = calendar_for(service_config(), policy=state.policy, team_id=team.pk)
        evaluate(state, state.policy, schedule_for(state), now)
        state.save(update_fields=["escalation_level", "calendar", *DERIVED_FIELDS])
    auto_assign(conversation, locked=True)
    return handoff
