"""Duplicate suggestions and the merge: a preview of what moves and what the surviving
profile becomes (customers.selectors.customer_merge_preview, the merge's own rules), then a
POST that merges (customers.services.customer_merge) and goes to the surviving customer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mehvar.core.errors import DomainError
from mehvar.customers.models import Customer
from mehvar.customers.selectors import (
    MergePreview,
    customer_duplicates,
    customer_get,
    customer_merge_preview,
)
from mehvar.customers.services import customer_merge
from mehvar.web.customer_forms import page_status
from mehvar.web.customers import agent_of, error_page

REASONS: dict[str, Any] = {
    "same_email": _("Same email address"),
    "same_phone": _("Same phone number"),
    "same_name": _("Same name"),
}
MOVES: dict[str, Any] = {
    "customers.identity.customer": _("Identities"),
    "conversations.conversation.customer": _("Conversations"),
    "conversations.message.author_customer": _("Messages written by the customer"),
    "core.timelineevent.customer": _("Timeline events"),
    "customers.customer.merged_into": _("Customers merged into it earlier"),
}


def _reason_label(reason: str) -> Any:
    return REASONS.get(reason, _("Same identity (%(kind)s)") % {
        "kind": reason.removeprefix("same_")})


@login_required
def customer_duplicates_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Live customers that are probably the same person, with why."""
    actor = agent_of(request)
    try:
        customer = customer_get(actor=actor, customer_id=customer_id)
        suggestions = customer_duplicates(actor=actor, customer=customer)
    except DomainError as error:
        return error_page(request, error)
    return render(request, "web/customers/duplicates.html", {
        "customer": customer,
        "rows": [(row.customer, [_reason_label(reason) for reason in row.reasons])
                 for row in suggestions],
    })


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {item}" for key, item in value.items())
    if isinstance(value, Decimal):
        return str(value)
    return str(value) if value not in (None, "") else "—"


def _profile_rows(preview: MergePreview) -> list[tuple[Any, str, str]]:
    """(label, the surviving customer's value now, after the merge) for each change."""
    organizations = {row.organization_id: row.organization.name
                     for row in (preview.source, preview.target) if row.organization}
    rows = []
    for field, before, after in preview.profile:
        if field == "organization_id":
            label: Any = _("organization")
            before_text = organizations.get(before, "—")
            after_text = organizations.get(after, "—")
        else:
            label = getattr(Customer._meta.get_field(field), "verbose_name", field)
            before_text, after_text = _shown(before), _shown(after)
        rows.append((label, before_text, after_text))
    return rows


@login_required
def customer_merge_page(request: HttpRequest, source_id: int, target_id: int) -> HttpResponse:
    """GET: the preview. POST: merge the source into the target and show the target."""
    actor = agent_of(request)
    try:
        preview = customer_merge_preview(actor=actor, source_id=source_id, target_id=target_id)
    except DomainError as error:
        return render(request, "web/customers/merge.html", {
            "error": error.detail, "source_id": source_id, "target_id": target_id,
        }, status=page_status(error))
    context = {
        "preview": preview, "source_id": source_id, "target_id": target_id,
        "moves": [(MOVES.get(key, key), count) for key, count in preview.moves.items()],
        "profile_rows": _profile_rows(preview),
    }
    if request.method != "POST":
        return render(request, "web/customers/merge.html", context)
    try:
        survivor = customer_merge(actor=actor, source=preview.source, target=preview.target)
    except DomainError as error:
        return render(request, "web/customers/merge.html", {**context, "error": error.detail},
                      status=page_status(error))
    return HttpResponseRedirect(reverse("customer", args=[survivor.pk]))
