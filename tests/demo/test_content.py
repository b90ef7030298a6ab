"""The demo's hand-written templates and generators, without a database."""

from __future__ import annotations

import random
import string
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from mehvar.demo import formats
from mehvar.demo.population import plan_customers
from mehvar.demo.scripts import schedule
from mehvar.demo.texts import LANGUAGES, SCENARIO_KEYS, TEXTS

SLOTS = {"order", "product", "code", "plan", "plan2", "amount", "amount2", "fee", "days", "date",
         "later", "city", "dest", "invoice", "gb", "courier", "times", "times_ordinal",
         "hours", "size", "last4", "name", "agent", "team"}
PARTS = ("subject", "open", "angry", "follow", "reply", "ask", "resolve", "note")
GENERIC = ("SORRY", "SORRY_ANGRY", "CURT", "CUSTOMER_THANKS", "NUDGE", "ANGRY_NUDGE", "REPEAT",
           "HOLD_NOTE", "PENDING_NOTE", "TRANSFER_NOTE")
NOW = datetime(2025, 11, 20, 9, 30, tzinfo=UTC)


def templates(language: str) -> list[str]:
    module = TEXTS[language]
    found = [line for scenario in module.SCENARIOS.values() for part in PARTS
             for line in scenario[part]]
    return found + [line for name in GENERIC for line in getattr(module, name)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_writes_every_scenario(language):
    module = TEXTS[language]

    assert tuple(module.SCENARIOS) == SCENARIO_KEYS
    for scenario in module.SCENARIOS.values():
        assert set(scenario) == set(PARTS)
        assert scenario["subject"]
        assert scenario["open"]
        assert scenario["reply"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_templates_use_only_known_slots(language):
    used = {field for line in templates(language)
            for _text, field, _spec, _conversion in string.Formatter().parse(line) if field}

    assert used <= SLOTS


def test_persian_templates_use_persian_letters_and_zwnj():
    lines = templates("fa") + TEXTS["fa"].PRODUCTS

    assert not [line for line in lines if "ي" in line or "ك" in line]
    assert sum("\u200c" in line for line in lines) > 100
    assert any("می\u200cخواهم" in line for line in lines)


def test_arabic_billing_templates_speak_of_the_invoice():
    billing = TEXTS["ar"].SCENARIOS["billing_error"]

    assert any("الفاتورة" in line for line in billing["subject"] + billing["open"])


def test_greek_greeting_uses_the_vocative():
    assert TEXTS["el"].greet("Γιώργος", "Γιώργο", "Παπαδόπουλε", "m", False) == "Καλησπέρα Γιώργο,"
    assert (TEXTS["el"].greet("Μαρία", "Μαρία", "Παπαδοπούλου", "f", True)
            == "Αγαπητή κυρία Παπαδοπούλου,")


@pytest.mark.parametrize(("_case", "day", "expected"), [
    ("nowruz 1403", date(2024, 3, 20), (1403, 1, 1)),
    ("last day of leap 1403", date(2025, 3, 20), (1403, 12, 30)),
    ("nowruz 1404", date(2025, 3, 21), (1404, 1, 1)),
    ("first of mehr", date(2025, 9, 23), (1404, 7, 1)),
    ("yalda", date(2025, 12, 21), (1404, 9, 30)),
])
def test_gregorian_to_jalali(_case, day, expected):
    assert formats.gregorian_to_jalali(day) == expected


def test_each_language_writes_numbers_its_own_way():
    assert formats.money("en", "GB", Decimal("1249.90")) == "£1,249.90"
    assert formats.money("el", "GR", Decimal("1249.90")) == "1.249,90 €"
    assert formats.money("fa", "IR", Decimal("1250000")) == "۱٬۲۵۰٬۰۰۰ تومان"
    assert formats.money("ar", "AE", Decimal("350")) == "350 درهم"
    assert [formats.days("ar", n) for n in (2, 5, 14)] == ["يومين", "5 أيام", "14 يوماً"]
    assert formats.days("fa", 12) == "۱۲ روز"
    assert formats.day_and_month("el", date(2025, 3, 14)) == "14 Μαρτίου"
    assert formats.day_and_month("fa", date(2025, 3, 14)) == "۲۴ اسفند"


def test_plan_is_deterministic_and_seed_dependent():
    def plan(seed: int) -> list[tuple[str, str]]:
        rng = random.Random(seed)
        people = plan_customers(rng, 60)
        return [(p.subject, p.text) for p in schedule(rng, people, 200, NOW)]

    assert plan(3) == plan(3)
    assert plan(3) != plan(4)


def test_plan_sizes_shares_and_times():
    rng = random.Random(11)
    people = plan_customers(rng, 300)
    plans = schedule(rng, people, 1500, NOW)
    share = {language: sum(p.language == language for p in plans) / len(plans)
             for language in LANGUAGES}

    assert len(people) == 300
    assert sum(p.duplicate_of is not None for p in people) == 6
    assert len(plans) == 1500
    assert 0.30 <= share["en"] <= 0.40
    assert 0.20 <= share["ar"] <= 0.30
    assert 0.15 <= share["fa"] <= 0.25
    assert 0.15 <= share["el"] <= 0.25
    assert all(p.at < NOW and all(p.at <= s.at < NOW for s in p.steps) for p in plans)
    assert {p.channel for p in plans} == {"email", "webchat", "sms", "whatsapp", "telegram",
                                          "phone"}
