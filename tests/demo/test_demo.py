"""The demo company: built through the real services, multilingual, idempotent, and runnable as
`mehvar demo --no-serve` on a fresh SQLite file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from mehvar.accounts.models import Agent, Team
from mehvar.conversations.models import Conversation, Message
from mehvar.core.models import TimelineEvent
from mehvar.customers.models import Customer, Identity
from mehvar.demo.people import STAFF, TEAMS
from mehvar.feedback.models import Survey
from mehvar.service_levels.models import BusinessCalendar, RoutingRule, ServiceState, SlaPolicy

ARABIC_LETTERS = re.compile(r"[\u0621-\u064A]")
PERSIAN_ONLY_LETTERS = re.compile(r"[پچژگکی]")
GREEK_ACCENTED = re.compile(r"[άέήίόύώ]")


def build(*extra: str) -> str:
    out = StringIO()
    call_command("demo", "--no-serve", "--seed", "7", "--customers", "40",
                 "--conversations", "120", *extra, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {"agents": Agent.objects.count(), "teams": Team.objects.count(),
            "customers": Customer.objects.count(), "identities": Identity.objects.count(),
            "conversations": Conversation.objects.count(), "messages": Message.objects.count(),
            "events": TimelineEvent.objects.count()}


@pytest.mark.django_db
def test_demo_builds_the_company_through_the_services() -> None:
    # when
    output = build()

    # then
    assert Agent.objects.count() == len(STAFF) == 15
    assert Team.objects.count() == len(TEAMS) == 5
    assert Customer.objects.count() == 40
    assert Conversation.objects.count() == 120
    assert Conversation.objects.annotate(n=Count("messages")).filter(n=0).count() == 0
    assert Message.objects.filter(is_internal=True).exists()
    assert set(Conversation.objects.values_list("language", flat=True)) == {"en", "ar", "fa", "el"}
    assert set(Message.objects.values_list("language", flat=True)) == {"en", "ar", "fa", "el"}
    assert set(Conversation.objects.values_list("status", flat=True)) == {
        "new", "open", "pending", "on_hold", "solved", "closed"}
    assert "admin / mehvar-admin" in output
    assert "omar / mehvar-agent" in output
    assert "http://127.0.0.1:8000/api/v1/docs" in output
    assert Agent.objects.get(username="admin").check_password("mehvar-admin")
    assert Agent.objects.get(username="nikos").language == "el"


@pytest.mark.django_db
def test_demo_texts_are_written_natively_in_each_language() -> None:
    build()
    texts = {language: " ".join(Message.objects.filter(language=language)
                                .values_list("text", flat=True))
             for language in ("ar", "fa", "el", "en")}

    assert ARABIC_LETTERS.search(texts["ar"])
    assert PERSIAN_ONLY_LETTERS.search(texts["fa"])
    assert "\u200c" in texts["fa"]  # ZWNJ, as in می‌خواهم
    assert "ي" not in texts["fa"]
    assert "ك" not in texts["fa"]
    assert GREEK_ACCENTED.search(texts["el"])
    assert "lorem" not in " ".join(texts.values()).lower()
    assert re.search(r"[A-Za-z]", texts["fa"])  # Latin product codes inside Persian text


@pytest.mark.django_db
def test_demo_has_repeat_contacts_duplicates_and_history() -> None:
    build()
    now = timezone.now()

    repeat = (Conversation.objects.filter(tags__name="repeat-contact").values("customer")
              .annotate(n=Count("id")).order_by("-n").first())
    assert repeat is not None
    assert 4 <= repeat["n"] <= 11  # 5-12 contacts about one problem, the first is not a repeat
    assert Conversation.objects.filter(tags__name="angry").exists()
    assert Customer.objects.filter(tier="platinum").exists()
    shared_keys = (Identity.objects.values("match_key")
                   .annotate(n=Count("customer", distinct=True)).filter(n__gt=1))
    assert shared_keys.count() == 2  # the two deliberate likely-duplicates
    assert not Message.objects.filter(created_at__gt=now).exists()
    assert not TimelineEvent.objects.filter(at__gt=now).exists()
    assert Conversation.objects.filter(created_at__lt=now - timedelta(days=60)).exists()
    assert Conversation.objects.filter(created_at__gt=now - timedelta(days=14)).exists()


@pytest.mark.django_db
def test_demo_run_twice_adds_nothing() -> None:
    build()
    before = counts()

    output = build()

    assert counts() == before
    assert "already there" in output
    assert "admin / mehvar-admin" in output


def test_mehvar_demo_no_serve_builds_a_fresh_sqlite_database(tmp_path) -> None:
    env = {key: value for key, value in os.environ.items()
           if key not in {"MEHVAR_TEST_DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(MEHVAR_VAR_DIR=str(tmp_path),
               MEHVAR_DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}")

    def mehvar(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "mehvar.cli", *args], env=env,
                              capture_output=True, text=True, timeout=300, check=False)

    migrated = mehvar("migrate")
    built = mehvar("demo", "--no-serve", "--customers", "30", "--conversations", "60")
    again = mehvar("demo", "--no-serve", "--customers", "30", "--conversations", "60")

    assert migrated.returncode == 0, migrated.stderr
    assert built.returncode == 0, built.stderr
    assert "admin / mehvar-admin" in built.stdout
    assert "30 customers" in built.stdout
    assert "60 conversations" in built.stdout
    assert (tmp_path / "demo.sqlite3").is_file()
    assert again.returncode == 0, again.stderr
    assert "already there" in again.stdout


@pytest.mark.django_db
def test_demo_has_service_levels_with_clocks_rebuilt_from_history() -> None:
    build()
    now = timezone.now()
    states = ServiceState.objects.all()
    assert states.count() == Conversation.objects.count()
    assert {state.state for state in states} >= {"done", "breached", "paused"}
    assert TimelineEvent.objects.filter(verb="sla.breached").exists()
    assert not TimelineEvent.objects.filter(verb="sla.breached", at__gt=now).exists()
    assert RoutingRule.objects.count() == 6
    assert SlaPolicy.objects.count() == 4
    assert BusinessCalendar.objects.filter(is_default=True).count() == 1
    assert set(Survey.objects.values_list("kind", "trigger")) == {("csat", "solved"),
                                                                 ("nps", "manual")}
    # Waiting is measured in the back-dated times: some customers waited hours, not seconds.
    assert states.filter(waited_seconds__gt=3600).exists()
