"""Internal requests: one department asks another on the customer's behalf, with an owner and
a due time, recorded in the customer's conversation timeline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mehvar.accounts.models import Agent, Team
from mehvar.accounts.services import team_create
from mehvar.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from mehvar.core.models import TimelineEvent
from mehvar.service_levels.models import InternalRequest, RequestStatus
from mehvar.service_levels.selectors import request_page
from mehvar.service_levels.services.requests import (
    internal_request_assign,
    internal_request_create,
    internal_request_finish,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def warehouse(admin: Agent) -> Team:
    return team_create(actor=admin, name="انبار")


def test_a_request_from_support_to_the_warehouse(
    agent: Agent, supervisor: Agent, warehouse: Team, open_conversation: Any,
) -> None:
    conversation = open_conversation()
    due = timezone.now() + timedelta(hours=4)
    request = internal_request_create(
        actor=agent, to_team_id=warehouse.pk, title="ارسال مجدد سفارش ۴۵۱۲",
        details="مشتری دو بار تماس گرفته است.", due_at=due, conversation_id=conversation.pk)
    assert (request.status, request.requested_by_id, request.due_at) == ("open", agent.pk, due)
    internal_request_assign(actor=supervisor, request_id=request.pk, owner_id=supervisor.pk)
    done = internal_request_finish(actor=supervisor, request_id=request.pk,
                                   outcome="ارسال شد؛ کد رهگیری ۹۸۷۶۵")
    assert done.status == RequestStatus.DONE
    assert done.done_at is not None
    verbs = list(TimelineEvent.objects.filter(conversation_id=conversation.pk,
                                              verb__startswith="internal_request.")
                 .order_by("id").values_list("verb", "customer_id"))
    assert verbs == [("internal_request.created", conversation.customer_id),
                     ("internal_request.assigned", conversation.customer_id),
                     ("internal_request.finished", conversation.customer_id)]
    with pytest.raises(Conflict):
        internal_request_finish(actor=agent, request_id=request.pk, outcome="again")
    page = request_page(actor=agent, cursor=None, limit=10, team_id=warehouse.pk, status=None)
    assert [item.pk for item in page.items] == [request.pk]


def test_bad_requests_change_nothing(agent: Agent, analyst: Agent, warehouse: Team) -> None:
    past = timezone.now() - timedelta(minutes=1)
    cases = [
        ({"title": " "}, Invalid),
        ({"title": "x" * 201}, Invalid),
        ({"title": "ok", "due_at": past}, Invalid),
        ({"title": "ok", "to_team_id": 999_999}, Invalid),
        ({"title": "ok", "conversation_id": 999_999}, NotFound),
        ({"title": "ok", "owner_id": 999_999}, Invalid),
    ]
    for values, error in cases:
        with pytest.raises(error):
            internal_request_create(actor=agent, **{"to_team_id": warehouse.pk, **values})
    with pytest.raises(PermissionDenied):
        internal_request_create(actor=analyst, to_team_id=warehouse.pk, title="Αίτημα")
    with pytest.raises(NotFound):
        internal_request_assign(actor=agent, request_id=999_999, owner_id=None)
    assert not InternalRequest.objects.exists()
