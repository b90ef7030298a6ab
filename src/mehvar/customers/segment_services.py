"""Writes for saved segments: create, update, delete (supervisors and admins). Membership is
never stored; customers.segments computes it when asked. Each change is recorded in the
timeline (a segment belongs to no one customer); deletions also in the audit log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.services import audit_record
from mehvar.core.errors import Conflict, Invalid
from mehvar.core.permissions import Actor, require
from mehvar.core.timeline import timeline_record
from mehvar.customers import segments, validation
from mehvar.customers.errors import CustomerErrorCode as Code
from mehvar.customers.models import Segment, SegmentMatch
from mehvar.customers.rows import apply, locked, reject_unknown

MAX_SEGMENTS = 200
MAX_DESCRIPTION_LENGTH = 2_000
SEGMENT_FIELDS = ("name", "description", "match", "conditions")


@transaction.atomic
def segment_create(
    *, actor: Actor, name: str, description: str = "", match: str = SegmentMatch.ALL,
    conditions: Sequence[Mapping[str, Any]] = (),
) -> Segment:
    require(actor, "segment.manage")
    values = _clean({"name": name, "description": description, "match": match,
                     "conditions": conditions})
    if Segment.objects.count() >= MAX_SEGMENTS:
        raise Conflict(Code.SEGMENTS_TOO_MANY, _("There can be at most %(max)d segments.")
                       % {"max": MAX_SEGMENTS})
    try:
        with transaction.atomic():
            segment = Segment.objects.create(created_by_id=actor.pk, **values)
    except IntegrityError as error:
        raise _name_taken() from error
    timeline_record(verb="segment.created", actor_id=actor.pk,
                    after={"segment_id": segment.pk, **values})
    return segment


@transaction.atomic
def segment_update(*, actor: Actor, segment: Segment, **changes: Any) -> Segment:
    """Change the given fields; records before/after of those that really changed."""
    require(actor, "segment.manage")
    reject_unknown(changes, SEGMENT_FIELDS)
    values = _clean(changes)
    row = locked(Segment, segment.pk, Code.SEGMENT_NOT_FOUND)
    before, after = apply(row, values)
    if not after:
        return row
    try:
        with transaction.atomic():
            row.save(update_fields=[*after, "updated_at"])
    except IntegrityError as error:
        raise _name_taken() from error
    timeline_record(verb="segment.updated", actor_id=actor.pk,
                    before={"segment_id": row.pk, **before}, after={"segment_id": row.pk, **after})
    return row


@transaction.atomic
def segment_delete(*, actor: Actor, segment: Segment) -> None:
    require(actor, "segment.manage")
    row = locked(Segment, segment.pk, Code.SEGMENT_NOT_FOUND)
    snapshot = {"name": row.name, "match": row.match, "conditions": row.conditions}
    timeline_record(verb="segment.deleted", actor_id=actor.pk,
                    before={"segment_id": row.pk, **snapshot})
    audit_record(actor_id=actor.pk, action="segment.delete", target_type="segment",
                 target_id=row.pk, data=snapshot)
    row.delete()


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    cleaners = {
        "name": validation.clean_name,
        "description": _clean_description,
        "match": segments.clean_match,
        "conditions": segments.clean_conditions,
    }
    return {field: cleaners[field](value) for field, value in values.items()}


def _clean_description(value: object) -> str:
    try:
        return validation.clean_text(value, field="description",
                                     max_length=MAX_DESCRIPTION_LENGTH, required=False)
    except Invalid as error:
        raise Invalid(Code.SEGMENT_DESCRIPTION_INVALID, error.detail,
                      field="description") from error


def _name_taken() -> Conflict:
    return Conflict(Code.SEGMENT_NAME_TAKEN, _("Another segment already has this name."),
                    field="name")
