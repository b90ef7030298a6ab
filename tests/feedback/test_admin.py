"""The Django admin shows the feedback context's webhooks, items and schedules read only,
and never a webhook's secret."""

from __future__ import annotations

import pytest

from mehvar.accounts.models import Agent
from mehvar.feedback.webhooks import webhook_endpoint_save
from tests.web.helpers import browser

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["webhookendpoint", "webhookdelivery", "productarea",
                                   "feedbackitem", "surveyschedule"])
def test_the_django_admin_shows_feedback_rows_read_only(admin: Agent, model: str) -> None:
    endpoint = webhook_endpoint_save(actor=admin, name="Ρεντμάιν", url="https://t.example/h",
                                     secret="سرّ-خیلی-محرمانه-123", events=["feedback_item.created"])
    client = browser(admin)
    assert client.get(f"/admin/feedback/{model}/").status_code == 200
    assert client.get(f"/admin/feedback/{model}/add/").status_code == 403
    if model == "webhookendpoint":
        detail = client.get(f"/admin/feedback/webhookendpoint/{endpoint.pk}/change/")
        assert detail.status_code == 200
        assert "سرّ-خیلی-محرمانه" not in detail.content.decode()
        deleted = client.post(f"/admin/feedback/webhookendpoint/{endpoint.pk}/delete/",
                              {"post": "yes"})
        assert deleted.status_code == 403
