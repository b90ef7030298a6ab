"""The inbound contract: what every channel adapter makes of a raw envelope.

An adapter's parser turns the envelope's raw bytes into one `Inbound` and never raises: input
it cannot read becomes a message flagged "malformed" with whatever text could be recovered.
The pipeline (services.envelopes) then finds the customer by identity, threads, and stores."""

from __future__ import annotations

from dataclasses import dataclass, field

from mehvar.conversations.services.messages import AttachmentUpload


class IgnoreReason:
    """Why an envelope makes no message (it stays stored, status "ignored", with the reason)."""

    AUTO_REPLY = "auto_reply"  # out-of-office, vacation, autoresponders (RFC 3834)
    BOUNCE = "bounce"  # delivery status notifications (RFC 3464) and their look-alikes
    MAILING_LIST = "mailing_list"  # List-Id / Precedence: list or bulk
    NO_SENDER = "no_sender"  # nothing identifies who wrote it
    STATUS_UPDATE = "status_update"  # a provider's delivery receipt, not a customer message


@dataclass
class Inbound:
    # The message's own id on its channel (e-mail Message-ID without <>, provider message id);
    # the pipeline stores it as Message.external_id, so a repeat is found and changes nothing.
    external_id: str
    identity_kind: str = ""  # customers.IdentityKind value: email, phone, whatsapp, telegram…
    identity_value: str = ""
    sender_name: str = ""
    subject: str = ""
    text: str = ""  # what is shown: quoted history and signature taken off
    html: str = ""  # raw HTML as received; the conversations service sanitises it
    quoted_text: str = ""  # what was taken off `text` (text + quoted_text is the full text)
    language: str = ""
    attachments: list[AttachmentUpload] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # conversations.MessageFlag values
    # E-mail threading: In-Reply-To then References, newest first, without <>.
    references: list[str] = field(default_factory=list)
    # A conversation the message names: the "[#123]" token of an e-mail subject.
    conversation_token: int | None = None
    # Where replies go when this message opens or continues a conversation.
    reply_address: str = ""
    # Set when no message should be made (IgnoreReason); a bounce names the Message-ID it
    # reports on and the reason given, so that delivery is marked failed.
    ignore_reason: str = ""
    bounce_of: str = ""
    bounce_detail: str = ""
    # Delivery receipts from messaging providers: (provider message id, new status).
    status_updates: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class OutgoingFile:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Delivery:
    """What a channel's sender gets: one outbound row's content, resolved to plain values."""

    outbound_id: int
    kind: str  # OutboundKind value
    channel: str
    recipient: str
    conversation_id: int
    subject: str  # the conversation's subject (e-mail adds "Re:" and the token)
    text: str
    html: str = ""
    language: str = ""
    sender_address: str = ""  # e-mail: the mailbox address, else MEHVAR_EMAIL_FROM
    sender_name: str = ""
    message_id: str = ""  # e-mail: our Message-ID for this delivery (without <>)
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)  # oldest first
    files: list[OutgoingFile] = field(default_factory=list)
