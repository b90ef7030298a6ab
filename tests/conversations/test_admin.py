"""The admin shows conversations, messages, tags and attachments read-only: every write goes
through the services, so the admin offers no add, change or delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mehvar.accounts.models import Agent
from mehvar.conversations.models import Attachment, Conversation, Message, Tag
from mehvar.conversations.services.messages import AttachmentUpload, message_add
from tests.conversations.conftest import FA_REPLY


@pytest.fixture
def admin_site(admin: Agent) -> Client:
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def stored(open_conversation: Callable[..., Conversation], agent: Agent) -> dict[str, Any]:
    conversation = open_conversation(tags=["vip"], assignee_id=agent.pk)
    reply = message_add(actor=agent, conversation=conversation, text=FA_REPLY,
                        attachments=[AttachmentUpload("رسید.pdf", "application/pdf", b"%PDF")])
    return {"conversation": conversation, "message": reply, "tag": Tag.objects.get(),
            "attachment": Attachment.objects.get()}


@pytest.mark.parametrize("model", ["conversation", "message", "tag", "attachment"])
def test_changelist_and_change_page_load(admin_site: Client, stored: dict[str, Any],
                                         model: str) -> None:
    listing = admin_site.get(f"/admin/conversations/{model}/")
    detail = admin_site.get(f"/admin/conversations/{model}/{stored[model].pk}/change/")

    assert (listing.status_code, detail.status_code) == (200, 200)


@pytest.mark.parametrize("model", ["conversation", "message", "tag", "attachment"])
def test_admin_cannot_add_change_or_delete(admin_site: Client, stored: dict[str, Any],
                                           model: str) -> None:
    pk = stored[model].pk

    add = admin_site.get(f"/admin/conversations/{model}/add/")
    delete = admin_site.post(f"/admin/conversations/{model}/{pk}/delete/", {"post": "yes"})

    assert (add.status_code, delete.status_code) == (403, 403)
    assert (Conversation.objects.count(), Message.objects.count(), Tag.objects.count(),
            Attachment.objects.count()) == (1, 2, 1, 1)


def test_conversation_filters_work(admin_site: Client, stored: dict[str, Any]) -> None:
    response = admin_site.get("/admin/conversations/conversation/",
                              {"status__exact": "open", "channel__exact": "email"})

    assert response.status_code == 200
    assert stored["conversation"].subject in response.content.decode()
