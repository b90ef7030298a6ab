"""Plan the demo customers: people with native names in four languages, realistic phone numbers
and e-mail addresses, business customers of a few organizations, VIPs, churn risks, and a few
deliberate likely-duplicates (one person, two records). Pure: no database access."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from mehvar.demo.people import (
    COUNTRIES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    GREEK_FIRST_NAMES,
    GREEK_LAST_NAMES,
    LANGUAGE_COUNTRIES,
    LANGUAGE_WEIGHTS,
    LAST_NAMES,
    ORGANIZATIONS,
)
from mehvar.demo.texts import TEXTS

TIER_LTV = {"standard": (40, 1_500), "silver": (1_500, 5_000), "gold": (5_000, 15_000),
            "platinum": (15_000, 80_000)}
VIP_NOTES = (
    "Prefers WhatsApp; please don't call before 10:00 local time.",
    "Long-standing customer - escalate delivery problems straight to the VIP desk.",
    "Buys for the whole family; very sensitive about late deliveries.",
    "Account manager: supervisor. Offer the priority installation slot.",
)


def weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...] | list[tuple[str, int]]) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


@dataclass
class CustomerPlan:
    key: int
    name: str
    first: str
    first_address: str  # the form used when greeting (Greek vocative)
    last_address: str  # the surname as a formal greeting uses it
    gender: str
    language: str
    country: str
    city: str
    latin: str  # e-mail/handle stem, e.g. "maryam.karimi"
    retail: bool
    telecom: bool
    vip: bool = False
    churn_risk: bool = False
    duplicate_of: int | None = None
    organization: int | None = None  # index into people.ORGANIZATIONS
    tier: str = "standard"
    journey_stage: str = "active"
    segment_tags: list[str] = field(default_factory=list)
    lifetime_value: Decimal = Decimal("0")
    cost_to_serve: Decimal = Decimal("0")
    custom_attributes: dict[str, Any] = field(default_factory=dict)
    consent: dict[str, bool] = field(default_factory=dict)
    notes: str = ""
    identities: list[tuple[str, str]] = field(default_factory=list)
    created_at: datetime | None = None

    @property
    def time_zone(self) -> str:
        return COUNTRIES[self.country].time_zone

    def identity(self, kind: str) -> str | None:
        return next((value for k, value in self.identities if k == kind), None)


class _Unique:
    """Hands out phone numbers, e-mail addresses and handles that no one else has."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()

    def phone(self, country: str) -> str:
        spec = COUNTRIES[country]
        while True:
            number = spec.dial + self.rng.choice(spec.mobile_prefixes) + "".join(
                str(self.rng.randrange(10)) for _ in range(spec.digits))
            if number not in self.taken:
                self.taken.add(number)
                return number

    def email(self, stem: str, domain: str) -> str:
        local = stem
        while f"{local}@{domain}" in self.taken:
            local = f"{stem}{self.rng.randrange(2, 99)}"
        self.taken.add(f"{local}@{domain}")
        return f"{local}@{domain}"

    def handle(self, stem: str) -> str:
        handle = stem.replace(".", "_")[:24]
        while handle in self.taken:
            handle = f"{stem.replace('.', '_')[:24]}{self.rng.randrange(10, 99)}"
        self.taken.add(handle)
        return handle


def _person(rng: random.Random, language: str, country: str, key: int) -> CustomerPlan:
    gender = rng.choice("mf")
    if language == "el":
        first, first_voc, first_latin = rng.choice(GREEK_FIRST_NAMES[gender])
        male, male_voc, female, latin_m, latin_f = rng.choice(GREEK_LAST_NAMES)
        last = male if gender == "m" else female
        last_address, last_latin = (male_voc, latin_m) if gender == "m" else (female, latin_f)
    else:
        first, first_latin = rng.choice(FIRST_NAMES[language][gender])
        first_voc = first
        last, last_latin = rng.choice(LAST_NAMES[language])
        last_address = last
    name = f"{first} {last}"
    if language == "ar" and rng.random() < 0.12:  # many Gulf customers register in English
        name = f"{first_latin.title()} {last_latin.title()}"
    return CustomerPlan(
        key=key, name=name, first=first, first_address=first_voc, last_address=last_address,
        gender=gender, language=language, country=country,
        city=rng.choice(TEXTS[language].CITIES[country]),
        latin=f"{first_latin}.{last_latin}", retail=True, telecom=False,
    )


def _profile(rng: random.Random, customer: CustomerPlan, unique: _Unique) -> None:
    """Segments, value, consent and identities of a planned customer."""
    customer.telecom = rng.random() < 0.45
    customer.retail = not customer.telecom or rng.random() < 0.6
    customer.churn_risk = rng.random() < 0.08
    if customer.vip:
        customer.tier = rng.choice(("platinum", "platinum", "gold"))
    elif customer.tier == "standard":
        customer.tier = weighted(rng, (("standard", 65), ("silver", 22), ("gold", 10),
                                       ("platinum", 3)))
    customer.journey_stage = "at_risk" if customer.churn_risk else weighted(
        rng, (("active", 62), ("onboarding", 10), ("prospect", 5), ("churned", 6),
              ("won_back", 7)))
    low, high = TIER_LTV[customer.tier]
    value = Decimal(rng.randrange(low * 100, high * 100)) / 100
    customer.lifetime_value = value
    share = rng.uniform(0.08, 0.3) if customer.churn_risk else rng.uniform(0.01, 0.12)
    customer.cost_to_serve = (value * Decimal(str(round(share, 3)))).quantize(Decimal("0.01"))
    tags = []
    tags += ["retail"] if customer.retail else []
    tags += [rng.choice(("mobile", "home-internet", "mobile"))] if customer.telecom else []
    tags += ["vip"] if customer.vip else []
    tags += ["churn-risk"] if customer.churn_risk else []
    tags += ["business"] if customer.organization is not None else []
    if rng.random() < 0.2:
        tags.append(rng.choice(("newsletter", "student", "family-plan", "early-adopter")))
    customer.segment_tags = tags
    customer.consent = {"email_marketing": rng.random() < 0.55, "sms": rng.random() < 0.4}
    texts = TEXTS[customer.language]
    customer.custom_attributes = {
        "country": customer.country,
        "city": getattr(texts, "CITY_NAMES", {}).get(customer.city, customer.city),
        "loyalty_points": rng.randrange(0, 40) * 50,
        "app_user": rng.random() < 0.6,
    }
    if customer.telecom:
        customer.custom_attributes["plan"] = rng.choice(texts.PLANS)
    if customer.churn_risk:
        customer.custom_attributes["churn_score"] = round(rng.uniform(0.65, 0.95), 2)
    if customer.vip and rng.random() < 0.6:
        customer.notes = rng.choice(VIP_NOTES)
    phone = unique.phone(customer.country)
    identities = [("phone", phone)]
    if customer.organization is not None:
        domain = ORGANIZATIONS[customer.organization].domain
        identities.insert(0, ("email", unique.email(customer.latin, domain)))
    elif rng.random() < 0.85:
        domain = rng.choice(EMAIL_DOMAINS[customer.language])
        identities.insert(0, ("email", unique.email(customer.latin, domain)))
    whatsapp_share = {"ar": 0.8, "fa": 0.5, "en": 0.6 if customer.country == "AE" else 0.2,
                      "el": 0.25}[customer.language]
    if rng.random() < whatsapp_share:
        identities.append(("whatsapp", phone))
    if rng.random() < (0.7 if customer.language == "fa" else 0.05):
        identities.append(("telegram", "@" + unique.handle(customer.latin)))
    customer.identities = identities


def plan_customers(rng: random.Random, count: int) -> list[CustomerPlan]:
    """`count` customer records, including the likely duplicates (about one in fifty)."""
    unique = _Unique(rng)
    duplicates = min(max(2, count // 50), count // 4)
    people: list[CustomerPlan] = []
    organizations = min(len(ORGANIZATIONS), max(1, count // 25))
    for index in range(organizations):  # three employees of each business customer
        org = ORGANIZATIONS[index]
        for _ in range(3):
            person = _person(rng, org.language, org.country, len(people))
            person.organization, person.tier = index, rng.choice(("silver", "gold", "gold"))
            people.append(person)
    names: set[str] = {person.name for person in people}
    while len(people) < count - duplicates:
        language = weighted(rng, LANGUAGE_WEIGHTS)
        country = weighted(rng, LANGUAGE_COUNTRIES[language])
        person = _person(rng, language, country, len(people))
        if person.name in names and rng.random() < 0.97:  # namesakes exist, but rarely
            continue
        names.add(person.name)
        people.append(person)
    for person in rng.sample(people, max(1, len(people) * 7 // 100)):
        person.vip = True
    for person in people:
        _profile(rng, person, unique)
    originals = rng.sample([p for p in people if p.organization is None], duplicates)
    for number, original in enumerate(originals):
        people.append(_duplicate(rng, original, len(people), by_phone=number % 2 == 0,
                                 unique=unique))
    return people


def _duplicate(rng: random.Random, original: CustomerPlan, key: int, *, by_phone: bool,
               unique: _Unique) -> CustomerPlan:
    """A second record of the same person: their phone number arrived as a WhatsApp chat, or
    they signed up again with a +tag e-mail address."""
    copy = CustomerPlan(**{**original.__dict__, "key": key, "duplicate_of": original.key,
                           "notes": "", "vip": False, "segment_tags": [],
                           "custom_attributes": {"country": original.country},
                           "tier": "standard", "lifetime_value": Decimal("0"),
                           "cost_to_serve": Decimal("0"), "journey_stage": "prospect"})
    phone = original.identity("phone") or unique.phone(original.country)
    if by_phone:
        original.identities = [pair for pair in original.identities if pair[0] != "whatsapp"]
        copy.identities = [("whatsapp", phone)]
    else:
        email = original.identity("email")
        if email is None:
            email = unique.email(original.latin, "gmail.com")
            original.identities.insert(0, ("email", email))
        local, domain = email.split("@")
        copy.identities = [("email", f"{local}+{rng.choice(('shop', 'orders', 'deals'))}@{domain}"),
                           ("phone", unique.phone(original.country))]
    return copy


def date_customers(rng: random.Random, people: list[CustomerPlan],
                   first_contact: dict[int, datetime], now: datetime) -> None:
    """Each customer joined some time before their first conversation."""
    for person in people:
        first = first_contact.get(person.key, now - timedelta(days=rng.uniform(1, 60)))
        days = rng.uniform(1, 20) if person.duplicate_of is not None else rng.uniform(3, 900)
        person.created_at = first - timedelta(days=days, minutes=rng.uniform(0, 600))
