"""Phone calls an agent logs: the call's facts (direction, number, duration, outcome) in a
PhoneCall row, its notes as a message in the conversation, its recording as that message's
audio attachment, and a "call.logged" timeline event for the customer 360.

Who sees the call's message: a call is a real interaction with the customer, so on a phone
conversation it is a public agent message (it moves the conversation's first response and
"last message" like a reply; the phone channel has no sender, so nothing is sent). On any
other channel a public message would be delivered to the customer (an e-mail, an SMS, a chat
line), so there the call is recorded as an internal note."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.channels.errors import ChannelErrorCode as Code
from mehvar.channels.models import CallDirection, CallOutcome, PhoneCall
from mehvar.channels.selectors import call_get
from mehvar.channels.services.outbound import route_get
from mehvar.conversations.models import Attachment, Conversation, Message
from mehvar.conversations.selectors import conversation_get, message_get
from mehvar.conversations.services.conversations import conversation_create
from mehvar.conversations.services.messages import (
    AttachmentUpload,
    attachment_add,
    attachment_check_size,
    message_add,
    upload_size,
)
from mehvar.core.errors import Invalid
from mehvar.core.permissions import Actor, require
from mehvar.core.timeline import timeline_record
from mehvar.customers.identities import normalize_identity
from mehvar.customers.selectors import customer_get

MAX_DURATION_SECONDS = 86_400
MAX_NUMBER_INPUT = 64
# A call's start may be given by a clock a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)
_AUDIO_TYPE = re.compile(r"audio/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
PHONE = "phone"


def _invalid(detail: str, field: str) -> Invalid:
    return Invalid(Code.CALL_INVALID, detail, field=field)


def format_duration(seconds: int) -> str:
    """4:05, or 1:02:03 from an hour on."""
    hours, rest = divmod(max(int(seconds), 0), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def call_summary(*, direction: str, duration_seconds: int, outcome: str) -> str:
    """The message text of a call logged without notes, in the active language."""
    values = {"duration": format_duration(duration_seconds),
              "outcome": str(dict(CallOutcome.choices).get(outcome, outcome)).lower()}
    if direction == CallDirection.OUTBOUND:
        return _("Outbound call, %(duration)s, %(outcome)s") % values
    return _("Inbound call, %(duration)s, %(outcome)s") % values


def clean_number(number: str) -> str:
    """The number in E.164 (+989121234567); Invalid("call_invalid", field="number")."""
    if not isinstance(number, str) or not number.strip() or len(number) > MAX_NUMBER_INPUT:
        raise _invalid(_("Enter the phone number of the call."), "number")
    try:
        return normalize_identity(PHONE, number)
    except Invalid as error:
        raise _invalid(_("Enter a phone number with its country code, such as "
                         "+98 912 123 4567."), "number") from error


def clean_recording(recording: AttachmentUpload | None) -> AttachmentUpload | None:
    """The recording with its bare media type (parameters dropped), if it is audio within
    the attachment size limit (413 "attachment_too_large" above it)."""
    if recording is None:
        return None
    content_type = recording.content_type.split(";", 1)[0].strip().lower()
    if not _AUDIO_TYPE.fullmatch(content_type):
        raise _invalid(_("A recording must be an audio file."), "recording")
    attachment_check_size(size_bytes=upload_size(recording.data))
    return AttachmentUpload(recording.filename, content_type, recording.data)


def _clean_facts(*, direction: str, outcome: str, duration_seconds: int, notes: str,
                 started_at: datetime | None) -> datetime:
    if direction not in CallDirection.values:
        raise _invalid(_("Choose inbound or outbound."), "direction")
    if outcome not in CallOutcome.values:
        raise _invalid(_("Choose one of the listed outcomes."), "outcome")
    if isinstance(duration_seconds, bool) or not isinstance(duration_seconds, int) \
            or not 0 <= duration_seconds <= MAX_DURATION_SECONDS:
        raise _invalid(_("The duration must be between 0:00 and 24 hours."), "duration_seconds")
    if not isinstance(notes, str) or len(notes) > settings.MEHVAR_MAX_MESSAGE_CHARS:
        raise _invalid(_("The notes are longer than %(max)d characters.")
                       % {"max": settings.MEHVAR_MAX_MESSAGE_CHARS}, "notes")
    now = timezone.now()
    if started_at is None:  # logged as it ends
        return now - timedelta(seconds=duration_seconds)
    if timezone.is_naive(started_at) or started_at > now + CLOCK_SKEW:
        raise _invalid(_("The start must be a time with its zone, not in the future."),
                       "started_at")
    return started_at


def is_public_call(conversation: Conversation) -> bool:
    """Whether a call's message may be public: only where nothing would send it on."""
    if conversation.channel != PHONE:
        return False
    route = route_get(conversation_id=conversation.pk)
    return route is None or route.channel == PHONE


@transaction.atomic
def call_log(
    *,
    actor: Actor,
    conversation_id: int | None,
    customer_id: int | None,
    direction: str,
    number: str,
    duration_seconds: int,
    outcome: str,
    notes: str = "",
    started_at: datetime | None = None,
    recording: AttachmentUpload | None = None,
) -> PhoneCall:
    """Log a call in a conversation, or, for a customer without one, in a new conversation
    on the phone channel (inbound: the customer's, outbound: the agent's; assigned to the
    agent who took the call). Returns the call with its message and conversation."""
    require(actor, "call.log")
    number = clean_number(number)
    started = _clean_facts(direction=direction, outcome=outcome,
                           duration_seconds=duration_seconds, notes=notes,
                           started_at=started_at)
    upload = clean_recording(recording)
    text = notes.strip() or call_summary(direction=direction,
                                         duration_seconds=duration_seconds, outcome=outcome)
    if conversation_id is not None:
        conversation = conversation_get(actor=actor, conversation_id=conversation_id)
        if customer_id is not None and customer_id != conversation.customer_id:
            raise _invalid(_("The conversation belongs to another customer."), "customer_id")
        message = message_add(actor=actor, conversation=conversation, text=text,
                              is_internal=not is_public_call(conversation),
                              attachments=[upload] if upload else None)
        recording_id = next((file.pk for file in message.attachments.all()), None)
    elif customer_id is not None:
        conversation, message, recording_id = _open_for_call(actor, customer_id, direction,
                                                             text, upload)
    else:
        raise _invalid(_("Name the conversation or the customer of the call."),
                       "conversation_id")
    call = PhoneCall(message=message, conversation=conversation, direction=direction,
                     number=number, duration_seconds=duration_seconds, outcome=outcome,
                     agent_id=actor.pk, started_at=started)
    call.save(force_insert=True)
    timeline_record(
        verb="call.logged", actor_id=actor.pk, customer_id=conversation.customer_id,
        conversation_id=conversation.pk,
        after={"call_id": call.pk, "message_id": message.pk, "direction": direction,
               "duration_seconds": duration_seconds, "outcome": outcome,
               "has_recording": upload is not None, "recording_id": recording_id})
    return call


def _open_for_call(actor: Actor, customer_id: int, direction: str, text: str,
                   upload: AttachmentUpload | None) -> tuple[Conversation, Message, int | None]:
    customer = customer_get(actor=actor, customer_id=customer_id)
    conversation = conversation_create(
        actor=actor, channel=PHONE, customer_id=customer.merged_into_id or customer.pk,
        author="agent" if direction == CallDirection.OUTBOUND else "customer",
        subject=_("Call with %(name)s") % {"name": customer.name}, text=text,
        assignee_id=actor.pk)
    message = conversation.messages.all()[0]
    if upload is None:
        return conversation, message, None
    recording = attachment_add(actor=actor, message=message, filename=upload.filename,
                               content_type=upload.content_type, data=upload.data)
    return conversation, message, recording.pk


@transaction.atomic
def call_add_recording(*, actor: Actor, call_id: int, recording: AttachmentUpload) -> Attachment:
    """Attach a recording (audio only) to a call logged earlier; the attachment service
    records "attachment.added" on the timeline."""
    require(actor, "call.log")
    call = call_get(actor=actor, call_id=call_id)
    upload = clean_recording(recording)
    assert upload is not None
    message = message_get(actor=actor, conversation_id=call.conversation_id,
                          message_id=call.message_id)
    return attachment_add(actor=actor, message=message, filename=upload.filename,
                          content_type=upload.content_type, data=upload.data)
