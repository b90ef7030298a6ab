"""The inbound path's per-message lookups seek their index even before the database has
statistics (a new installation's first burst of mail). PostgreSQL runs them as prepared
statements, so its generic plan is the one checked. They used to scan every envelope or
message of the channel, so each inbound message was slower than the last: the rate-limit
count, until the envelopes' unique index led with the external id; a reply's lookup, until
it repeated the condition of the messages' partial unique index."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from psycopg.sql import Literal

from mehvar.channels.models import EnvelopeStatus, InboundEnvelope
from mehvar.channels.services.envelopes import RECENT_FROM_SENDER_SQL, lock_pending_sql
from mehvar.conversations.models import Conversation, Message
from mehvar.conversations.selectors import by_message_ids_sql
from mehvar.customers.models import Customer

pytestmark = pytest.mark.django_db


def _plan(sql: str, values: list[Any]) -> str:
    """The plan of `sql` with `values` for its %s parameters: PostgreSQL's generic plan of
    the prepared statement (values unknown to the planner), SQLite's plan."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            number = itertools.count(1)
            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            cursor.execute("PREPARE plan_probe AS " +
                           re.sub("%s", lambda _match: f"${next(number)}", sql))
            literals = ", ".join(Literal(value).as_string(connection.connection)
                                 for value in values)
            cursor.execute(f"EXPLAIN EXECUTE plan_probe({literals})")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("DEALLOCATE plan_probe")
            return plan
        cursor.execute("EXPLAIN QUERY PLAN " + sql, values)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.fixture
def mail_history() -> list[InboundEnvelope]:
    """300 processed e-mail envelopes from 30 senders, and a message for each."""
    now = timezone.now()
    customer = Customer.objects.create(name="Μαρία Παπαδοπούλου")
    conversation = Conversation.objects.create(subject="سفارش", channel="email",
                                               customer=customer, created_at=now,
                                               updated_at=now)
    envelopes = InboundEnvelope.objects.bulk_create(
        InboundEnvelope(channel="email", external_id=f"<m{n}@example.net>", raw=b"x",
                        sender=f"sender{n % 30}@example.net", status=EnvelopeStatus.PROCESSED,
                        received_at=now - timedelta(minutes=n)) for n in range(300))
    Message.objects.bulk_create(
        Message(conversation=conversation, author_kind="customer", text="سلام",
                channel="email", external_id=f"<m{n}@example.net>", created_at=now)
        for n in range(300))
    return envelopes


def test_the_senders_rate_limit_count_seeks_the_sender_index(
    mail_history: list[InboundEnvelope],
) -> None:
    envelope = mail_history[0]
    plan = _plan(RECENT_FROM_SENDER_SQL, [
        "email", envelope.sender, envelope.received_at - timedelta(hours=1),
        envelope.received_at, EnvelopeStatus.PROCESSED, EnvelopeStatus.IGNORED, envelope.pk, 20])
    assert "envelope_sender" in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="the count rides on the envelope lock on PostgreSQL only")
def test_the_envelope_lock_counts_by_the_sender_index(
    mail_history: list[InboundEnvelope],
) -> None:
    plan = _plan(lock_pending_sql("postgresql"), [
        EnvelopeStatus.PROCESSED, EnvelopeStatus.IGNORED, 20, mail_history[0].pk,
        EnvelopeStatus.PENDING])
    assert "envelope_sender" in plan, plan


def test_a_replys_references_seek_the_message_index(mail_history: list[InboundEnvelope]) -> None:
    plan = _plan(by_message_ids_sql(2, lock=connection.vendor == "postgresql"),
                 ["email", "<m7@example.net>", "<unknown@example.net>"])
    assert "message_channel_external_id_unique" in plan, plan
    assert "Seq Scan on conversations_message" not in plan, plan
