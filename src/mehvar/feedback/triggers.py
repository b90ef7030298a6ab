"""Survey triggers besides "when solved": N days after solving (a SurveyDue row written when
the conversation is solved, sent by a periodic job if it is still solved then) and
relationship NPS for a saved segment every K days (SurveySchedule), not tied to a
conversation. Consent and the fatigue rule hold for both."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.services import audit_record
from mehvar.channels.services.outbound import outbound_queue_system, route_get
from mehvar.conversations.lifecycle import ConversationChange, Happening
from mehvar.conversations.selectors import conversation_brief, conversation_latest_for_customer
from mehvar.core.errors import Invalid, NotFound
from mehvar.core.permissions import Actor, can, require
from mehvar.core.timeline import timeline_record
from mehvar.customers.selectors import segment_get, segment_members
from mehvar.feedback.errors import FeedbackErrorCode as Code
from mehvar.feedback.links import survey_url
from mehvar.feedback.models import (
    Invitation,
    Survey,
    SurveyDue,
    SurveySchedule,
    SurveyTrigger,
)
from mehvar.feedback.services import DELIVERABLE, invitation_send, survey_texts

DUE_BATCH = 200
MEMBERS_PAGE = 200
MAX_EVERY_DAYS = 366


def survey_due_record(*, conversation: Any, at: datetime) -> None:
    """The lifecycle hook's part for "after_solved" surveys: remember when to ask."""
    for survey in Survey.objects.filter(is_active=True, trigger=SurveyTrigger.AFTER_SOLVED):
        due_at = at + timedelta(days=survey.delay_days)
        try:
            with transaction.atomic():
                SurveyDue.objects.create(survey=survey, conversation_id=conversation.pk,
                                         due_at=due_at)
        except IntegrityError:  # solved again: ask from the latest solving
            SurveyDue.objects.filter(survey=survey, conversation_id=conversation.pk).update(
                due_at=due_at)


def surveys_due_send(*, now: datetime | None = None) -> int:
    """Periodic: invite the customers of conversations whose delay has passed and that are
    still solved (reopened ones are skipped); returns how many were invited."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        due = list(SurveyDue.objects.select_for_update(skip_locked=True)
                   .select_related("survey").filter(due_at__lte=now)
                   .order_by("due_at")[:DUE_BATCH])
        for row in due:
            conversation = conversation_brief(conversation_id=row.conversation_id)
            if (conversation is not None and conversation.status == "solved"
                    and row.survey.is_active and invitation_send(
                        survey=row.survey, conversation=conversation, at=now) is not None):
                sent += 1
        SurveyDue.objects.filter(pk__in=[row.pk for row in due]).delete()
    return sent


# --- relationship NPS ----------------------------------------------------------------------


@transaction.atomic
def survey_schedule_save(*, actor: Actor, schedule_id: int | None = None, survey_id: int,
                         segment_id: int, every_days: int, is_active: bool = True,
                         ) -> SurveySchedule:
    """Schedule (no id) or change a survey for a segment every `every_days`; admins. The
    first run is due at once."""
    require(actor, "survey.manage")
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None:
        raise Invalid(Code.SURVEY_NOT_FOUND, _("No survey has this id."), field="survey_id")
    try:
        segment_get(actor=actor, segment_id=segment_id)
    except NotFound as error:
        raise Invalid(Code.SCHEDULE_INVALID, _("No segment has this id."),
                      field="segment_id") from error
    if (not isinstance(every_days, int) or isinstance(every_days, bool)
            or not 1 <= every_days <= MAX_EVERY_DAYS):
        raise Invalid(Code.SCHEDULE_INVALID, _("Repeat every 1 to 366 days."),
                      field="every_days")
    now = timezone.now()
    if schedule_id is None:
        schedule = SurveySchedule.objects.create(
            survey=survey, segment_id=segment_id, every_days=every_days,
            is_active=bool(is_active), created_by_id=actor.pk, created_at=now,
            next_run_at=now)
    else:
        found = SurveySchedule.objects.select_for_update().filter(pk=schedule_id).first()
        if found is None:
            raise NotFound(Code.SCHEDULE_NOT_FOUND, _("No survey schedule has this id."))
        schedule = found
        schedule.survey, schedule.segment_id = survey, segment_id
        schedule.every_days, schedule.is_active = every_days, bool(is_active)
        schedule.save(update_fields=["survey", "segment", "every_days", "is_active"])
    audit_record(actor_id=actor.pk, action="survey_schedule.saved",
                 target_type="survey_schedule", target_id=schedule.pk,
                 data={"survey_id": survey.pk, "segment_id": segment_id,
                       "every_days": every_days, "is_active": bool(is_active)})
    return schedule


def survey_schedules_run(*, now: datetime | None = None) -> int:
    """Periodic: every due schedule invites its segment's customers (as the admin who
    scheduled it sees the segment); returns how many were invited."""
    now = now or timezone.now()
    invited = 0
    due = list(SurveySchedule.objects.select_related("survey", "created_by")
               .filter(is_active=True, next_run_at__lte=now).order_by("next_run_at"))
    for schedule in due:
        with transaction.atomic():
            claimed = SurveySchedule.objects.filter(
                pk=schedule.pk, next_run_at=schedule.next_run_at).update(
                last_run_at=now, next_run_at=now + timedelta(days=schedule.every_days))
            if not claimed:
                continue  # another worker took it
        invited += _invite_segment(schedule, now)
    return invited


def _invite_segment(schedule: SurveySchedule, now: datetime) -> int:
    owner = schedule.created_by
    if (owner is None or not schedule.survey.is_active or not can(owner, "segment.view")
            or not can(owner, "customer.view")):
        return 0
    try:
        segment = segment_get(actor=owner, segment_id=schedule.segment_id)
    except NotFound:
        return 0
    invited, cursor = 0, None
    while True:
        page = segment_members(actor=owner, segment=segment, cursor=cursor,
                               limit=MEMBERS_PAGE, now=now)
        for customer in page.items:
            with transaction.atomic():
                if invitation_send_relationship(survey=schedule.survey, customer=customer,
                                                at=now) is not None:
                    invited += 1
        if page.next_cursor is None:
            return invited
        cursor = page.next_cursor


def invitation_send_relationship(*, survey: Survey, customer: Any,
                                 at: datetime) -> Invitation | None:
    """Invite one customer, not about a conversation: the link travels on the channel of
    their latest conversation that can carry one. None when they refused surveys, were asked
    within the fatigue period, or have no such channel."""
    if customer.consent.get("surveys") is False:
        return None
    since = at - timedelta(days=settings.MEHVAR_SURVEY_FATIGUE_DAYS)
    if Invitation.objects.filter(customer_id=customer.pk, created_at__gt=since).exists():
        return None
    carrier, route = _carrier(customer.pk)
    if carrier is None or route is None:
        return None
    language = customer.language or carrier.language or settings.LANGUAGE_CODE
    invitation = Invitation.objects.create(
        survey=survey, kind=survey.kind, customer_id=customer.pk, conversation_id=None,
        channel=route.channel, language=language, created_at=at,
        expires_at=at + timedelta(days=settings.MEHVAR_SURVEY_LINK_DAYS))
    texts = survey_texts(survey, language)
    with translation.override(language):
        subject = gettext("A quick question from us")
        lines = [texts["question"], survey_url(invitation.pk)]
    outbound_queue_system(conversation=carrier, kind="survey", channel=route.channel,
                          recipient=route.address, text="\n".join(lines), subject=subject)
    timeline_record(verb="survey.sent", actor_id=None, customer_id=customer.pk,
                    conversation_id=None,
                    after={"invitation_id": invitation.pk, "survey_id": survey.pk,
                           "kind": survey.kind, "channel": route.channel,
                           "relationship": True})
    return invitation


def _carrier(customer_id: int) -> tuple[Any, Any]:
    """The customer's most recently active conversation on a channel that carries links,
    and its reply route."""
    found = [conversation for channel in sorted(DELIVERABLE)
             if (conversation := conversation_latest_for_customer(
                 customer_id=customer_id, channel=channel)) is not None]
    found.sort(key=lambda row: (row.last_message_at or timezone.now(), row.pk), reverse=True)
    for conversation in found:
        route = route_get(conversation_id=conversation.pk)
        if route is not None and route.channel in DELIVERABLE:
            return conversation, route
    return None, None



def on_conversation_change(change: ConversationChange) -> None:
    """The second lifecycle hook: a conversation solved is remembered for the surveys that
    ask some days later."""
    if change.happening == Happening.STATUS_CHANGED and change.conversation.status == "solved":
        survey_due_record(conversation=change.conversation, at=change.at)
