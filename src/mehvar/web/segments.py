"""Saved segment pages: the list (each row's live member count loaded after the page, so the
list never waits for it), one segment with its members, and the form that creates, changes
and deletes a segment (supervisors and admins).

Reads go through customers.selectors and writes through customers.segment_services, which
check the role: a refused change is the 403 page and changes nothing. The form shapes the
condition rows into the service's conditions (values typed in any digits, lists separated by
commas or the Arabic comma); the service validates them, and its errors are put back beside
the row they name. Bad input is a 400, an unknown id the 404 page."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mehvar.core.digits import localize
from mehvar.core.errors import DomainError
from mehvar.core.permissions import require
from mehvar.customers.models import JourneyStage, Segment, SegmentMatch, Tier
from mehvar.customers.segment_services import (
    MAX_DESCRIPTION_LENGTH,
    segment_create,
    segment_delete,
    segment_update,
)
from mehvar.customers.segments import FIELDS, MAX_CONDITIONS
from mehvar.customers.selectors import (
    segment_get,
    segment_list,
    segment_member_count,
    segment_members,
)
from mehvar.web.customer_forms import page_status
from mehvar.web.customers import PAGE_SIZE, agent_of

ROWS = 10  # condition rows on a new segment's form
MANAGE = "segment.manage"
FIELD_LABELS: dict[str, Any] = {
    "tier": _("Tier"), "journey_stage": _("Journey stage"), "language": _("Language"),
    "organization": _("Organization id"), "segment_tag": _("Segment tag"),
    "lifetime_value": _("Lifetime value"), "cost_to_serve": _("Cost to serve"),
    "profitability": _("Profitability"), "order_count": _("Orders"),
    "satisfaction": _("Satisfaction (0–100)"),
    "created_days_ago": _("Days since created"),
    "last_contact_days": _("Days since last contact"),
}
OP_LABELS: dict[str, Any] = {
    "eq": _("is"), "ne": _("is not"), "in": _("is one of"), "not_in": _("is none of"),
    "contains": _("contains"), "gt": _("more than"), "gte": _("at least"),
    "lt": _("less than"), "lte": _("at most"),
}
CHOICES: dict[str, dict[str, Any]] = {"tier": dict(Tier.choices),
                                      "journey_stage": dict(JourneyStage.choices)}
LIST_OPS = ("in", "not_in")
_SEPARATORS = re.compile(r"[,\u060c]")  # comma, Arabic comma
_NUMBER = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫", "01234567890123456789.", "٬ ")
_ERROR_FIELD = re.compile(r"conditions\.(\d+)(?:\.(field|op|value))?")


# --- summaries -----------------------------------------------------------------------------


def _value_text(field: str, value: Any) -> str:
    """The value as the page shows it: choice labels, ids as #12, numbers in the agent's
    digits; text people wrote (tags, language codes) as written."""
    values = value if isinstance(value, list) else [value]
    if field in CHOICES:
        return ", ".join(str(CHOICES[field].get(str(item), item)) for item in values)
    if field == "language":
        return ", ".join(str(item or _("unknown")) for item in values)
    if field == "segment_tag":
        return ", ".join(str(item) for item in values)
    prefix = "#" if field == "organization" else ""
    return ", ".join(localize(f"{prefix}{item}") for item in values)


def describe(conditions: Any) -> list[dict[str, Any]]:
    """Each condition in words: field, operator and value labels (no queries)."""
    described = []
    for row in conditions if isinstance(conditions, list) else []:
        if isinstance(row, Mapping):
            field, op = str(row.get("field")), str(row.get("op"))
            described.append({"field": FIELD_LABELS.get(field, field),
                              "op": OP_LABELS.get(op, op),
                              "value": _value_text(field, row.get("value"))})
    return described


def _row(segment: Segment) -> dict[str, Any]:
    return {"segment": segment, "conditions": describe(segment.conditions),
            "match": dict(SegmentMatch.choices).get(segment.match, segment.match)}


# --- the form ------------------------------------------------------------------------------


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200,
                           widget=forms.TextInput(attrs={"dir": "auto"}))
    description = forms.CharField(
        label=_("Description"), max_length=MAX_DESCRIPTION_LENGTH, required=False,
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 3}))
    match = forms.ChoiceField(
        label=_("Customers must meet"), choices=SegmentMatch.choices,
        initial=SegmentMatch.ALL, widget=forms.RadioSelect)


class ConditionForm(forms.Form):
    """One condition row; a row without a field and a value is left out."""

    field = forms.ChoiceField(label=_("Field"), required=False,
                              choices=[("", _("Choose a field")), *FIELD_LABELS.items()])
    op = forms.ChoiceField(label=_("Operator"), required=False,
                           choices=[("", _("Choose an operator")), *OP_LABELS.items()])
    value = forms.CharField(
        label=_("Value"), required=False, max_length=2000,
        widget=forms.TextInput(attrs={"dir": "auto", "aria-describedby": "conditions-help"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        field, op = data.get("field") or "", data.get("op") or ""
        if not field:
            if data.get("value"):
                self.add_error("field", _("Choose a field for this value."))
            return data
        if op not in FIELDS[field].ops:
            self.add_error("op", _("For %(field)s choose one of: %(ops)s.") % {
                "field": FIELD_LABELS[field],
                "ops": ", ".join(str(OP_LABELS[name]) for name in FIELDS[field].ops)})
        return data

    def condition(self) -> dict[str, Any] | None:
        """The service's {"field", "op", "value"}, None for an empty row."""
        data = self.cleaned_data
        field, op, text = data["field"], data["op"], data["value"]
        if not field:
            return None
        if op in LIST_OPS:
            value: Any = [_typed(field, part.strip()) for part in _SEPARATORS.split(text)
                          if part.strip()]
        else:
            value = _typed(field, text)
        return {"field": field, "op": op, "value": value}

    @staticmethod
    def initial_for(condition: Mapping[str, Any]) -> dict[str, Any]:
        field, value = str(condition.get("field")), condition.get("value")
        labels = CHOICES.get(field, {})
        values = value if isinstance(value, list) else [value]
        return {"field": field, "op": condition.get("op"),
                "value": ", ".join(str(labels.get(str(item), item)) for item in values)}


def _typed(field: str, text: str) -> Any:
    """Text as the JSON value the service expects for the field's kind; what cannot be read
    stays text, and the service says what is wrong with it."""
    kind = FIELDS[field].kind
    if kind == "choice":
        by_label = {str(label).casefold(): value for value, label in CHOICES[field].items()}
        return by_label.get(text.casefold(), text.casefold() if text.isascii() else text)
    if kind in {"id", "count", "days"}:
        number = text.translate(_NUMBER)
        return int(number) if number.isascii() and number.isdigit() and len(number) < 19 \
            else text
    if kind in {"money", "signed_money"}:
        return text.translate(_NUMBER).replace("−", "-")
    return text


def _condition_forms(data: QueryDict | None, initial: Sequence[Mapping[str, Any]],
                     count: int) -> list[ConditionForm]:
    return [ConditionForm(data, prefix=f"condition-{index}",
                          initial=ConditionForm.initial_for(initial[index])
                          if index < len(initial) else None)
            for index in range(count)]


def _row_count(segment: Segment | None) -> int:
    existing = len(segment.conditions) if segment is not None else 0
    return min(max(ROWS, existing), MAX_CONDITIONS)


def _attach(form: SegmentForm, rows: Sequence[ConditionForm], positions: Sequence[int],
            error: DomainError) -> None:
    """The service's error beside the field or condition row it names."""
    where = error.field or ""
    found = _ERROR_FIELD.fullmatch(where)
    if found and int(found.group(1)) < len(positions):
        row = rows[positions[int(found.group(1))]]
        row.add_error(found.group(2), str(error.detail))
    else:
        form.add_error(where if where in form.fields else None, str(error.detail))


# --- pages ---------------------------------------------------------------------------------


def _error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "web/segments/error.html", {"error": error.detail},
                  status=page_status(error))


def _next_url(request: HttpRequest, cursor: str | None) -> str:
    if not cursor:
        return ""
    query = request.GET.copy()
    query["cursor"] = cursor
    return f"?{query.urlencode()}"


@login_required
@require_GET
def segment_list_page(request: HttpRequest) -> HttpResponse:
    """Newest first; each row's member count arrives on its own request (htmx)."""
    try:
        page = segment_list(actor=agent_of(request), cursor=request.GET.get("cursor") or None,
                            limit=PAGE_SIZE)
    except DomainError as error:
        return _error_page(request, error)
    return render(request, "web/segments/list.html", {
        "rows": [_row(segment) for segment in page.items],
        "next_url": _next_url(request, page.next_cursor)})


@login_required
@require_GET
def segment_count(request: HttpRequest, segment_id: int) -> HttpResponse:
    """How many customers are in the segment now: a fragment for the list's row."""
    actor = agent_of(request)
    try:
        count = segment_member_count(
            actor=actor, segment=segment_get(actor=actor, segment_id=segment_id))
    except DomainError as error:
        return render(request, "web/segments/count.html", {"error": error.detail},
                      status=page_status(error))
    return render(request, "web/segments/count.html", {"count": count})


@login_required
@require_GET
def segment_page(request: HttpRequest, segment_id: int) -> HttpResponse:
    """The segment, its conditions, its member count and its members, newest first."""
    actor = agent_of(request)
    try:
        segment = segment_get(actor=actor, segment_id=segment_id)
        count = segment_member_count(actor=actor, segment=segment)
        members = segment_members(actor=actor, segment=segment,
                                  cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
    except DomainError as error:
        return _error_page(request, error)
    return render(request, "web/segments/detail.html", {
        **_row(segment), "count": count, "members": members.items,
        "next_url": _next_url(request, members.next_cursor)})


def _form_page(request: HttpRequest, form: SegmentForm, rows: list[ConditionForm],
               segment: Segment | None, status: int = 200) -> HttpResponse:
    return render(request, "web/segments/form.html", {
        "form": form, "rows": rows, "segment": segment,
        "fields": [(FIELD_LABELS[name], [str(OP_LABELS[op]) for op in rule.ops],
                    [str(label) for label in CHOICES.get(name, {}).values()])
                   for name, rule in FIELDS.items()]}, status=status)


def _submit(request: HttpRequest, segment: Segment | None) -> HttpResponse:
    """Parse the form and its rows, call segment_create / segment_update, go to the segment;
    otherwise the form again with the errors beside the fields and rows."""
    actor = agent_of(request)
    form = SegmentForm(request.POST)
    rows = _condition_forms(request.POST, [], _row_count(segment))
    if not all([form.is_valid(), *(row.is_valid() for row in rows)]):
        return _form_page(request, form, rows, segment, status=400)
    conditions: list[dict[str, Any]] = []
    positions: list[int] = []
    for position, row in enumerate(rows):
        condition = row.condition()
        if condition is not None:
            conditions.append(condition)
            positions.append(position)
    values = {**form.cleaned_data, "conditions": conditions}
    try:
        if segment is None:
            segment = segment_create(actor=actor, **values)
        else:
            segment = segment_update(actor=actor, segment=segment, **values)
    except DomainError as error:
        if error.status in {403, 404}:
            return _error_page(request, error)
        _attach(form, rows, positions, error)
        return _form_page(request, form, rows, segment, status=page_status(error))
    return HttpResponseRedirect(reverse("segment", args=[segment.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def segment_new(request: HttpRequest) -> HttpResponse:
    try:
        require(agent_of(request), MANAGE)
    except DomainError as error:
        return _error_page(request, error)
    if request.method == "POST":
        return _submit(request, None)
    return _form_page(request, SegmentForm(), _condition_forms(None, [], ROWS), None)


@login_required
@require_http_methods(["GET", "POST"])
def segment_edit(request: HttpRequest, segment_id: int) -> HttpResponse:
    actor = agent_of(request)
    try:
        require(actor, MANAGE)
        segment = segment_get(actor=actor, segment_id=segment_id)
    except DomainError as error:
        return _error_page(request, error)
    if request.method == "POST":
        return _submit(request, segment)
    form = SegmentForm(initial={"name": segment.name, "description": segment.description,
                                "match": segment.match})
    conditions = segment.conditions if isinstance(segment.conditions, list) else []
    return _form_page(request, form,
                      _condition_forms(None, conditions, _row_count(segment)), segment)


@login_required
@require_POST
def segment_delete_action(request: HttpRequest, segment_id: int) -> HttpResponse:
    actor = agent_of(request)
    try:
        segment_delete(actor=actor, segment=segment_get(actor=actor, segment_id=segment_id))
    except DomainError as error:
        return _error_page(request, error)
    return HttpResponseRedirect(reverse("segments"))
