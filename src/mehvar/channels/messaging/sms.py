"""SMS through Twilio's Programmable Messaging API (or any provider that speaks it): the
webhook's signature, the parser of what it stored, and the sender.

Twilio posts form fields. A customer's message has `Body` (and `NumMedia`/`MediaUrl<n>` for
MMS); a delivery receipt for one of ours has `MessageStatus` and no `Body`. Receipts for one
message share its `MessageSid`, so their envelopes are keyed by sid and status: each new
status is stored once, and a repeated callback changes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mehvar.channels.messaging.http import (
    MALFORMED,
    basic_auth,
    inbound_text,
    message_parts,
    not_configured,
    post_form,
)
from mehvar.channels.models import InboundEnvelope
from mehvar.channels.types import Delivery, IgnoreReason, Inbound

DEFAULT_BASE_URL = "https://api.twilio.com"
MAX_PART_CHARS = 1600  # Twilio's limit for one message's Body
MAX_MEDIA = 10  # Twilio delivers at most ten media items with one MMS
MAX_FIELDS = 1000
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


@dataclass(frozen=True)
class SmsSettings:
    base_url: str
    account_sid: str
    auth_token: str
    from_number: str
    status_callback_url: str


def sms_settings() -> SmsSettings | None:
    """The provider settings, read now (tests and restarts change them), or None while any
    credential is empty: the channel is then off and its webhook answers 404."""
    values = SmsSettings(
        base_url=(settings.MEHVAR_SMS_BASE_URL or DEFAULT_BASE_URL).rstrip("/"),
        account_sid=settings.MEHVAR_SMS_ACCOUNT_SID,
        auth_token=settings.MEHVAR_SMS_AUTH_TOKEN,
        from_number=settings.MEHVAR_SMS_FROM,
        status_callback_url=settings.MEHVAR_SMS_STATUS_CALLBACK_URL,
    )
    if not (values.account_sid and values.auth_token and values.from_number):
        return None
    return values


# --- the webhook ----------------------------------------------------------------------------


def signature(url: str, params: Mapping[str, Sequence[str]], auth_token: str) -> str:
    """Twilio's X-Twilio-Signature: base64 HMAC-SHA1, keyed with the auth token, of the full
    URL followed by each POST parameter's name and value, sorted by name (and, as Twilio's
    own validator does, a repeated name's values sorted too)."""
    data = url + "".join(
        name + value for name in sorted(params) for value in sorted(set(params[name]))
    )
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_valid(
    *, urls: Iterable[str], params: Mapping[str, Sequence[str]], given: str, auth_token: str
) -> bool:
    """Whether `given` signs these parameters at one of `urls` (the address as Twilio may
    have written it: behind a proxy the scheme or port we see can differ)."""
    if not given:
        return False
    given_bytes = given.encode("utf-8", "replace")
    return any(
        hmac.compare_digest(signature(url, params, auth_token).encode("ascii"), given_bytes)
        for url in urls
    )


def external_id(fields: Mapping[str, str], body: bytes) -> str:
    sid = fields.get("MessageSid", "") or fields.get("SmsSid", "")
    if not sid:
        return "sha256:" + hashlib.sha256(body).hexdigest()
    if _is_status(fields):
        return f"{sid}:{fields.get('MessageStatus', '')}"
    return sid


def _is_status(fields: Mapping[str, str]) -> bool:
    return "MessageStatus" in fields and "Body" not in fields


# --- the parser -----------------------------------------------------------------------------


def parse_envelope(envelope: InboundEnvelope) -> list[Inbound]:
    """A customer's SMS/MMS, or a delivery receipt; never raises. Text that is not valid
    UTF-8 is kept with replacement characters and the message flagged "malformed"."""
    fields, flags = _fields(bytes(envelope.raw))
    if fields is None:
        return [Inbound(external_id=envelope.external_id, ignore_reason=MALFORMED)]
    sid = fields.get("MessageSid", "") or fields.get("SmsSid", "") or envelope.external_id
    if _is_status(fields):
        return [
            Inbound(
                external_id=envelope.external_id,
                ignore_reason=IgnoreReason.STATUS_UPDATE,
                status_updates=[(sid, fields["MessageStatus"])],
            )
        ]
    sender = fields.get("From", "").strip()
    if not _E164.fullmatch(sender):
        # Short codes and alphanumeric senders cannot be answered and name nobody.
        return [Inbound(external_id=sid, ignore_reason=IgnoreReason.NO_SENDER)]
    text, truncated = inbound_text(fields.get("Body", ""), *_media_notes(fields))
    return [
        Inbound(
            external_id=sid,
            identity_kind="phone",
            identity_value=sender,
            reply_address=sender,
            text=text or _("(empty message)"),
            flags=flags + truncated,
        )
    ]


def _fields(raw: bytes) -> tuple[dict[str, str] | None, list[str]]:
    """The form fields (the last value of a repeated name) and ["malformed"] when they had to
    be decoded leniently; None when the body is no form at all."""
    for errors, flags in (("strict", []), ("replace", ["malformed"])):
        try:
            pairs = urllib.parse.parse_qsl(
                raw.decode("utf-8", errors),
                keep_blank_values=True,
                max_num_fields=MAX_FIELDS,
                errors=errors,
            )
        except UnicodeDecodeError:
            continue
        except ValueError:  # more fields than any message has
            return None, []
        return dict(pairs), flags
    return None, []


def _media_notes(fields: Mapping[str, str]) -> list[str]:
    """One line per MMS media item. The URLs stay on Twilio (fetching them would mean an HTTP
    call inside the processing transaction), so the agent gets the links."""
    try:
        count = min(int(fields.get("NumMedia", "0") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    notes = []
    for index in range(count):
        url = fields.get(f"MediaUrl{index}", "")
        if url:
            kind = fields.get(f"MediaContentType{index}", "") or _("file")
            notes.append(_("[Media (%(type)s): %(url)s]") % {"type": kind, "url": url})
    return notes


# --- the sender -----------------------------------------------------------------------------


def send(delivery: Delivery) -> str:
    """POST each part to the Messages resource; returns the first part's sid."""
    config = sms_settings()
    if config is None:
        raise not_configured()
    url = (
        f"{config.base_url}/2010-04-01/Accounts/"
        f"{urllib.parse.quote(config.account_sid, safe='')}/Messages.json"
    )
    headers = {"Authorization": basic_auth(config.account_sid, config.auth_token)}
    first_sid = ""
    for part in message_parts(_with_files_note(delivery), MAX_PART_CHARS):
        fields = {"From": config.from_number, "To": delivery.recipient, "Body": part}
        if config.status_callback_url:
            fields["StatusCallback"] = config.status_callback_url
        answer = post_form(url, fields, headers=headers)
        first_sid = first_sid or str(answer.get("sid") or "")
    return first_sid


def _with_files_note(delivery: Delivery) -> str:
    """SMS carries no files (MMS would need them at a public URL): the customer is told, in
    the conversation's language, what was left out."""
    if not delivery.files:
        return delivery.text
    names = ", ".join(file.filename for file in delivery.files)
    with translation.override(delivery.language or settings.LANGUAGE_CODE):
        note = ngettext(
            "(Attachment not sent by SMS: %(names)s)",
            "(Attachments not sent by SMS: %(names)s)",
            len(delivery.files),
        ) % {"names": names}
    return f"{delivery.text}\n\n{note}"
