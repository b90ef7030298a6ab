"""Complaints that arrive without an agent: a detractor's survey answer, and the customer's
own words through the "Something went wrong?" link of their survey page. Also the rules the
agents' services in complaints.py share: the due time by severity, the default owner, the
text checks and the timeline record.

This module does not import feedback.services (which calls it when an answer arrives), so
the two never form a cycle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.selectors import team_lead_id
from mehvar.core.errors import Conflict, Invalid, NotFound
from mehvar.core.text import WORD, normalize_text
from mehvar.core.timeline import timeline_record
from mehvar.feedback.errors import FeedbackErrorCode as Code
from mehvar.feedback.links import invitation_id_from
from mehvar.feedback.models import (
    Complaint,
    ComplaintCategory,
    ComplaintSeverity,
    ComplaintSource,
    ComplaintStatus,
    Invitation,
    Response,
    SurveyKind,
)

MAX_TEXT = 5000
# How long the owner has to recover the service, by severity (documented in
# docs/user/complaints.md).
DUE_HOURS = {ComplaintSeverity.CRITICAL: 4, ComplaintSeverity.HIGH: 24,
             ComplaintSeverity.MEDIUM: 72, ComplaintSeverity.LOW: 168}
UNFINISHED = (ComplaintStatus.OPEN, ComplaintStatus.IN_PROGRESS)


def complaint_due_at(severity: str, now: datetime) -> datetime:
    return now + timedelta(hours=DUE_HOURS[ComplaintSeverity(severity)])


def is_detractor(kind: str, score: int) -> bool:
    """CSAT 1–2, NPS 0–6, CES 1–2."""
    return score <= (6 if kind == SurveyKind.NPS else 2)


def detractor_severity(kind: str, score: int) -> str:
    """High for CSAT 1 and NPS 0–3, medium for the other detractors."""
    if (kind == SurveyKind.CSAT and score == 1) or (kind == SurveyKind.NPS and score <= 3):
        return ComplaintSeverity.HIGH
    return ComplaintSeverity.MEDIUM


def default_owner_id(*, team_id: int | None, agent_id: int | None) -> int | None:
    """The team's lead when the team has one, else the agent."""
    return team_lead_id(team_id=team_id) or agent_id


def clean_text(value: object, *, field: str, required: bool, max_length: int = MAX_TEXT
               ) -> str:
    """Text as written (trimmed), bounded, without NUL; Invalid with `field` otherwise."""
    if not isinstance(value, str) or len(value) > max_length or "\x00" in value:
        raise Invalid(Code.COMPLAINT_INVALID,
                      _("Write at most %(max)s characters.") % {"max": max_length},
                      field=field)
    value = value.strip()
    if required and not value:
        raise Invalid(Code.COMPLAINT_INVALID, _("This cannot be empty."), field=field)
    return value


def complaint_record(complaint: Complaint, verb: str, *, actor_id: int | None,
                     after: Mapping[str, Any], before: Mapping[str, Any] | None = None) -> None:
    timeline_record(verb=verb, actor_id=actor_id, customer_id=complaint.customer_id,
                    conversation_id=complaint.conversation_id,
                    before={"complaint_id": complaint.pk, **(before or {})},
                    after={"complaint_id": complaint.pk, **after})


def raised_after(complaint: Complaint) -> dict[str, Any]:
    """The complaint.raised event's values."""
    return {"source": complaint.source, "category": complaint.category,
            "severity": complaint.severity, "owner_id": complaint.owner_id,
            "team_id": complaint.team_id, "due_at": complaint.due_at.isoformat(),
            "description": complaint.description}


# --- a detractor's survey answer -----------------------------------------------------------


def flagged_keyword(comment: str, keywords: Sequence[str]) -> str:
    """The first complaint keyword the comment holds (whole words, compared after Arabic,
    Persian and Greek normalisation), or ""."""
    if not comment or not keywords:
        return ""
    text = f" {' '.join(WORD.findall(normalize_text(comment)))} "
    for keyword in keywords:
        words = " ".join(WORD.findall(normalize_text(keyword)))
        if words and f" {words} " in text:
            return keyword
    return ""


def complaint_raise_for_response(*, response: Response, language: str,
                                 keywords: Sequence[str] = ()) -> Complaint | None:
    """A first survey answer from a detractor, or whose comment holds one of the survey's
    complaint keywords, opens a complaint (source survey, category service), owned by the
    rated agent's team lead, else the agent. The answer to a complaint's follow-up survey
    opens none: it shows on that complaint. Runs inside response_record's transaction."""
    detractor = is_detractor(response.kind, response.score)
    keyword = "" if detractor else flagged_keyword(response.comment, keywords)
    if not detractor and not keyword:
        return None
    if Complaint.objects.filter(follow_up_invitation_id=response.invitation_id).exists():
        return None
    if Complaint.objects.filter(response_id=response.pk).exists():
        return None  # an edited answer raises no second complaint
    now = response.answered_at
    severity = (detractor_severity(response.kind, response.score) if detractor
                else ComplaintSeverity.MEDIUM)
    complaint = Complaint.objects.create(
        customer_id=response.customer_id, conversation_id=response.conversation_id,
        response=response, source=ComplaintSource.SURVEY, category=ComplaintCategory.SERVICE,
        severity=severity, owner_id=default_owner_id(team_id=response.team_id,
                                                     agent_id=response.agent_id),
        team_id=response.team_id, description=response.comment, language=language,
        due_at=complaint_due_at(severity, now), created_at=now)
    complaint_record(complaint, "complaint.raised", actor_id=None,
                     after={**raised_after(complaint), "invitation_id": response.invitation_id,
                            "score": response.score, "kind": response.kind,
                            **({"keyword": keyword} if keyword else {})})
    return complaint


# --- the customer's own words --------------------------------------------------------------


@transaction.atomic
def complaint_submit(*, token: str, text: object, category: object = "") -> Complaint:
    """The customer tells what went wrong through their signed survey link (the link is the
    permission). One unfinished complaint per customer and conversation from this page; a
    second is refused so that a double click or a refresh opens nothing more."""
    invitation = (Invitation.objects.select_for_update()
                  .filter(pk=invitation_id_from(token)).first())
    if invitation is None:
        raise NotFound(Code.LINK_INVALID, _("This survey link is not valid."))
    text = clean_text(text, field="text", required=True)
    if not category:
        category = ComplaintCategory.SERVICE
    if category not in ComplaintCategory.values:
        raise Invalid(Code.COMPLAINT_INVALID, _("Choose what it is about from the list."),
                      field="category")
    now = timezone.now()
    if now > invitation.expires_at:
        raise Conflict(Code.LINK_EXPIRED, _("This survey link has expired."))
    earlier = Complaint.objects.filter(customer_id=invitation.customer_id,
                                       source=ComplaintSource.CUSTOMER, status__in=UNFINISHED)
    earlier = (earlier.filter(conversation__isnull=True) if invitation.conversation_id is None
               else earlier.filter(conversation_id=invitation.conversation_id))
    if earlier.exists():
        raise Conflict(Code.COMPLAINT_RECEIVED,
                       _("We already have your message and are working on it."))
    severity = ComplaintSeverity.MEDIUM
    complaint = Complaint.objects.create(
        customer_id=invitation.customer_id, conversation_id=invitation.conversation_id,
        source=ComplaintSource.CUSTOMER, category=str(category), severity=severity,
        owner_id=default_owner_id(team_id=invitation.team_id, agent_id=invitation.agent_id),
        team_id=invitation.team_id, description=text, language=invitation.language,
        due_at=complaint_due_at(severity, now), created_at=now)
    complaint_record(complaint, "complaint.raised", actor_id=None,
                     after={**raised_after(complaint), "invitation_id": invitation.pk})
    return complaint
