"""Admins create and change mailboxes: the support addresses mail is read for (IMAP) and
replies are sent from. Each write is validated, audited (never with the password) and made
in one transaction; the stored IMAP password is never returned or shown."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.selectors import team_get
from mehvar.accounts.services import audit_record
from mehvar.channels.errors import ChannelErrorCode as Code
from mehvar.channels.models import Mailbox, Security
from mehvar.core.errors import Invalid, NotFound
from mehvar.core.permissions import Actor, require

EDITABLE_FIELDS = ("name", "address", "team_id", "is_active", "send_acknowledgement",
                   "imap_host", "imap_port", "imap_security", "imap_username",
                   "imap_password", "imap_folder")
MAX_NAME_LENGTH = 100
MAX_ADDRESS_LENGTH = 254
MAX_IMAP_TEXT = 255
# Clear-text IMAP sends the password as written: only to this machine.
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
_HOST = re.compile(r"[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:]+")
# CR, LF and other controls in an IMAP user name or folder could end the command early.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Where polling resumes is only true of one folder on one server.
_POSITION_FIELDS = ("imap_host", "imap_port", "imap_username", "imap_folder")


def _invalid(detail: Any, field: str) -> Invalid:
    return Invalid(Code.MAILBOX_INVALID, detail, field=field)


def _text(values: dict[str, Any], field: str, *, required: bool = False,
          max_length: int = MAX_IMAP_TEXT) -> str:
    value = values.get(field, "")
    if not isinstance(value, str) or _CONTROL.search(value):
        raise _invalid(_("Enter plain text on one line."), field)
    value = value.strip()
    if len(value) > max_length or (required and not value):
        raise _invalid(_("Enter 1 to %(max)d characters.") % {"max": max_length}, field)
    return value


def _clean(actor: Actor, values: dict[str, Any], *, mailbox_id: int | None) -> dict[str, Any]:
    """Every field's canonical value, or Invalid("mailbox_invalid") naming the field."""
    cleaned: dict[str, Any] = {
        "name": " ".join(_text(values, "name", required=True,
                               max_length=MAX_NAME_LENGTH).split()),
        "address": _text(values, "address", required=True,
                         max_length=MAX_ADDRESS_LENGTH).lower(),
        "imap_host": _text(values, "imap_host"),
        "imap_username": _text(values, "imap_username"),
        "imap_folder": _text(values, "imap_folder", required=True),
        "is_active": values.get("is_active") is True,
        "send_acknowledgement": values.get("send_acknowledgement") is True,
    }
    password = values.get("imap_password", "")
    if not isinstance(password, str) or len(password) > MAX_IMAP_TEXT \
            or _CONTROL.search(password):
        raise _invalid(_("Enter a password of at most %(max)d characters on one line.")
                       % {"max": MAX_IMAP_TEXT}, "imap_password")
    cleaned["imap_password"] = password
    try:
        validate_email(cleaned["address"])
    except ValidationError as error:
        raise _invalid(_("Enter an e-mail address such as support@example.com."),
                       "address") from error
    same_address = Mailbox.objects.filter(address=cleaned["address"])
    if mailbox_id is not None:
        same_address = same_address.exclude(pk=mailbox_id)
    if same_address.exists():
        raise _invalid(_("Another mailbox has this address."), "address")
    cleaned["team_id"] = _team_id(actor, values.get("team_id"))
    cleaned.update(_imap_connection(values, cleaned))
    return cleaned


def _team_id(actor: Actor, team_id: Any) -> int | None:
    if team_id is None:
        return None
    if isinstance(team_id, bool) or not isinstance(team_id, int):
        raise _invalid(_("Choose one of the listed teams."), "team_id")
    try:
        return team_get(actor=actor, team_id=team_id).pk
    except NotFound as error:
        raise _invalid(_("No team has this id."), "team_id") from error


def _imap_connection(values: dict[str, Any], cleaned: dict[str, Any]) -> dict[str, Any]:
    port, security = values.get("imap_port"), values.get("imap_security")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise _invalid(_("Enter a port from 1 to 65535."), "imap_port")
    if security not in Security.values:
        raise _invalid(_("Choose one of the listed kinds of security."), "imap_security")
    host = cleaned["imap_host"]
    if host:
        if not _HOST.fullmatch(host):
            raise _invalid(_("Enter a host name such as imap.example.com."), "imap_host")
        if security == Security.NONE and host.lower() not in LOCAL_HOSTS:
            raise _invalid(_("Without TLS the password would cross the network readable: "
                             "choose TLS or STARTTLS for a server on another machine."),
                           "imap_security")
        if not cleaned["imap_username"]:
            raise _invalid(_("Enter the user name to sign in to the IMAP server."),
                           "imap_username")
        if not cleaned["imap_password"]:
            raise _invalid(_("Enter the password to sign in to the IMAP server."),
                           "imap_password")
    return {"imap_port": port, "imap_security": security}


def _defaults() -> dict[str, Any]:
    return {"team_id": None, "is_active": True, "send_acknowledgement": False,
            "imap_host": "", "imap_port": 993, "imap_security": Security.SSL,
            "imap_username": "", "imap_password": "", "imap_folder": "INBOX"}


def _audit_data(mailbox: Mailbox, fields: list[str]) -> dict[str, Any]:
    # Names of changed fields only: the password's value never reaches the audit log.
    return {"address": mailbox.address, "fields": sorted(fields)}


@transaction.atomic
def mailbox_create(*, actor: Actor, ip_address: str | None = None, **values: Any) -> Mailbox:
    """A new mailbox; `values` are EDITABLE_FIELDS (name and address required)."""
    require(actor, "channel.manage")
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise _invalid(_("There is no such field."), sorted(unknown)[0])
    cleaned = _clean(actor, {**_defaults(), **values}, mailbox_id=None)
    mailbox = Mailbox(**cleaned)
    try:
        with transaction.atomic():
            mailbox.save(force_insert=True)
    except IntegrityError as error:  # the same address created at the same moment
        raise _invalid(_("Another mailbox has this address."), "address") from error
    audit_record(actor_id=actor.pk, action="mailbox.create", target_type="mailbox",
                 target_id=mailbox.pk, ip_address=ip_address,
                 data=_audit_data(mailbox, [name for name in EDITABLE_FIELDS
                                            if name in values]))
    return mailbox


@transaction.atomic
def mailbox_update(
    *, actor: Actor, mailbox_id: int, changes: Mapping[str, Any], ip_address: str | None = None
) -> Mailbox:
    """Change some fields (`changes` keys are EDITABLE_FIELDS; a field left out stays, and
    so does the stored password). Moving to another server, account or folder starts
    reading that folder afresh."""
    require(actor, "channel.manage")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise _invalid(_("There is no such field."), sorted(unknown)[0])
    mailbox = Mailbox.objects.select_for_update().filter(pk=mailbox_id).first()
    if mailbox is None:
        raise NotFound(Code.MAILBOX_NOT_FOUND, _("No mailbox has this id."))
    current = {name: getattr(mailbox, name) for name in EDITABLE_FIELDS}
    cleaned = _clean(actor, {**current, **changes}, mailbox_id=mailbox.pk)
    changed = [name for name in EDITABLE_FIELDS if cleaned[name] != current[name]]
    if not changed:
        return mailbox
    for name in changed:
        setattr(mailbox, name, cleaned[name])
    fields = list(changed)
    if any(name in changed for name in _POSITION_FIELDS):
        mailbox.imap_uidvalidity, mailbox.imap_last_uid = None, 0
        fields += ["imap_uidvalidity", "imap_last_uid"]
    try:
        with transaction.atomic():
            mailbox.save(update_fields=fields)
    except IntegrityError as error:
        raise _invalid(_("Another mailbox has this address."), "address") from error
    audit_record(actor_id=actor.pk, action="mailbox.update", target_type="mailbox",
                 target_id=mailbox.pk, ip_address=ip_address,
                 data=_audit_data(mailbox, changed))
    return mailbox
