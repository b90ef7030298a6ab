"""Plan the demo conversations: who writes, on which channel, about what, in which mood, and
every later step (replies, internal notes, follow-ups, transfers, status changes) with the time
it should appear to have happened. Pure: no database access."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import ModuleType

from mehvar.demo import formats
from mehvar.demo.people import LANGUAGE_WEIGHTS, STAFF, TEAMS, StaffMember
from mehvar.demo.population import CustomerPlan, weighted
from mehvar.demo.texts import TEXTS

RETAIL = (("late_delivery", 20), ("damaged_item", 10), ("refund_request", 12),
          ("wrong_size", 10), ("billing_error", 6), ("password_reset", 5), ("praise", 7),
          ("staff_complaint", 3), ("warranty_claim", 8))
TELECOM = (("mobile_data", 14), ("sim_activation", 8), ("internet_outage", 12),
           ("plan_upgrade", 8), ("roaming_charges", 6), ("billing_error", 10),
           ("password_reset", 3), ("praise", 5), ("staff_complaint", 3))
REPEATABLE = {"retail": ("late_delivery", "refund_request", "damaged_item", "billing_error"),
              "telecom": ("internet_outage", "mobile_data", "billing_error", "roaming_charges")}
TEAM_OF = {
    "late_delivery": "Orders & delivery", "damaged_item": "Orders & delivery",
    "password_reset": "Orders & delivery", "refund_request": "Returns", "wrong_size": "Returns",
    "warranty_claim": "Returns", "billing_error": "Billing", "roaming_charges": "Billing",
    "mobile_data": "Telecom support", "sim_activation": "Telecom support",
    "internet_outage": "Telecom support", "plan_upgrade": "Telecom support",
    "staff_complaint": "VIP desk", "praise": "",
}
CHANNELS = {  # language -> channel weights
    "en": (("email", 40), ("webchat", 30), ("phone", 15), ("sms", 8), ("whatsapp", 7)),
    "ar": (("whatsapp", 45), ("phone", 15), ("webchat", 15), ("email", 15), ("sms", 10)),
    "fa": (("telegram", 35), ("whatsapp", 20), ("webchat", 15), ("phone", 15), ("sms", 10),
           ("email", 5)),
    "el": (("email", 35), ("phone", 25), ("webchat", 20), ("sms", 10), ("whatsapp", 10)),
}
STATUSES = (("closed", 30), ("solved", 27), ("open", 14), ("pending", 11), ("new", 10),
            ("on_hold", 8))
AGE_DAYS = {"closed": (7, 180), "solved": (2, 90), "on_hold": (1, 20), "pending": (1, 14),
            "open": (0.2, 10), "new": (0.02, 2)}
SIZES = ("38", "39", "40", "41", "42", "43", "44", "S", "M", "L", "XL")
STAFF_BY_NAME = {member.username: member for member in STAFF}
SUPERVISOR = "supervisor"
UNSET = datetime.min.replace(tzinfo=UTC)  # a step's time before _fit_in_time sets it


@dataclass
class Step:
    kind: str  # "agent" (public reply), "note", "customer", "status", "assign"
    offset: timedelta  # after the opening message; _fit_in_time sets `at` from it
    actor: str = ""
    text: str = ""
    language: str = ""
    status: str = ""
    team: str = ""
    at: datetime = UNSET


@dataclass
class ConversationPlan:
    customer: int
    subject: str
    channel: str
    language: str
    priority: str
    team: str
    assignee: str
    tags: list[str]
    text: str
    at: datetime
    steps: list[Step] = field(default_factory=list)


class _Slots(dict[str, str]):
    def __missing__(self, key: str) -> str:
        raise KeyError(f"demo template uses unknown slot {{{key}}}")


def _first_name(member: StaffMember) -> str:
    return member.display_name.split()[0]


def _speakers(language: str, team: str) -> list[StaffMember]:
    members = next((t.members for t in TEAMS if t.name == team), ())
    pool = [STAFF_BY_NAME[name] for name in members]
    fluent = [m for m in pool if m.language == language]
    if fluent:
        return fluent
    return [m for m in STAFF if m.language == language and m.role in {"agent", "supervisor"}]


class Writer:
    """Fills templates for one conversation: the slots stay the same from message to message
    (one order number, one product), so the conversation reads as one story."""

    def __init__(self, rng: random.Random, customer: CustomerPlan, scenario: str,
                 start: datetime, agent: StaffMember, *, team: str, contacts: int) -> None:
        self.rng, self.customer, self.scenario, self.agent = rng, customer, scenario, agent
        language = customer.language
        self.texts: ModuleType = TEXTS[language]
        self.lines: dict[str, list[str]] = self.texts.SCENARIOS[scenario]
        self.used: set[str] = set()
        self.formal = rng.random() < {"fa": 0.5, "ar": 0.3, "el": 0.25, "en": 0.2}[language]
        plans = rng.sample(self.texts.PLANS, 2)
        base = {"GB": 100, "GR": 100, "CY": 100, "AE": 450, "SA": 450, "IR": 3_000_000}[
            customer.country]
        amount = Decimal(rng.randrange(base // 10, base * 4)).quantize(Decimal("1"))
        if customer.country in {"GB", "GR", "CY"}:
            amount = amount - Decimal("0.01")
        if customer.country == "IR":
            amount = (amount / 10_000).quantize(Decimal("1")) * 10_000
        fee = Decimal(rng.choice((5, 8, 10, 15, 20, 25)) * base // 100).quantize(Decimal("1"))
        if customer.country in {"GB", "GR", "CY"}:
            fee = fee - Decimal("0.01")
        back_days = rng.randrange(2, 22)
        ahead = rng.randrange(150, 600) if scenario == "warranty_claim" else rng.randrange(1, 8)
        number = formats.fa_digits if language == "fa" else str
        phone = customer.identity("phone") or customer.identity("whatsapp") or "0000"
        self.slots = _Slots(
            order=f"PM-{rng.randrange(100_000, 999_999)}",
            invoice=f"INV-{start.year}-{rng.randrange(10_000, 99_999)}",
            code=f"{rng.choice('PXKMRT')}{rng.choice('XLMA')}-{rng.randrange(1000, 9999)}",
            product=rng.choice(self.texts.PRODUCTS), plan=plans[0], plan2=plans[1],
            amount=formats.money(language, customer.country, amount),
            amount2=formats.money(language, customer.country,
                                  (amount * Decimal("0.45")).quantize(amount)),
            fee=formats.money(language, customer.country, fee),
            days=formats.days(language, back_days),
            date=formats.day_and_month(language, (start - timedelta(days=back_days)).date()),
            later=formats.day_and_month(language, (start + timedelta(days=ahead)).date()),
            city=customer.city, dest=rng.choice(self.texts.DESTINATIONS),
            courier=rng.choice(self.texts.COURIERS), gb=number(str(rng.choice((5, 10, 20, 30)))),
            hours=formats.hours(language, rng.choice((4, 6, 24, 48, 72))),
            size=rng.choice(SIZES), last4=number(phone[-4:]),
            name=customer.first_address, agent=_first_name(agent), team=team,
            times=formats.times(language, max(contacts, 2)),
            times_ordinal=self.texts.ordinal(contacts + 1),
        )

    def fill(self, template: str) -> str:
        return template.format_map(self.slots)

    def choose(self, options: list[str]) -> str:
        """A template not used yet in this conversation, when there is one."""
        fresh = [option for option in options if option not in self.used] or options
        choice = self.rng.choice(fresh)
        self.used.add(choice)
        return choice

    def pick(self, kind: str, fallback: str = "open") -> str:
        return self.fill(self.choose(self.lines[kind] or self.lines[fallback]))

    def generic(self, name: str) -> str:
        return self.fill(self.choose(getattr(self.texts, name)))

    def sign(self, agent: StaffMember) -> str:
        return str(self.rng.choice(self.texts.SIGN).format(agent=_first_name(agent)))

    def greeting(self) -> str:
        c = self.customer
        return str(self.texts.greet(c.first, c.first_address, c.last_address, c.gender,
                                    self.formal))

    def reply(self, kind: str, *, angry: bool, agent: StaffMember) -> str:
        """A whole agent reply: greeting, apology, the substance, signature - or, now and then
        (more often for some agents), a curt copy-paste line for the quality reviewers."""
        if self.scenario == "praise":  # {agent} is the praised colleague
            return "\n".join([self.greeting(), "", self.pick(kind), "", self.sign(agent)])
        if self.rng.random() < (0.3 if agent.curt else 0.05):
            return self.generic("CURT")
        self.slots["agent"] = _first_name(agent)
        parts = [self.greeting(), ""]
        sorry = self.generic("SORRY_ANGRY" if angry else "SORRY")
        parts.append(f"{sorry} {self.pick(kind, fallback='reply')}")
        parts += ["", self.sign(agent)]
        return "\n".join(parts)


def pick_scenario(rng: random.Random, customer: CustomerPlan) -> str:
    pairs = list(RETAIL if customer.retail else ()) + list(TELECOM if customer.telecom else ())
    return weighted(rng, pairs)


def pick_channel(rng: random.Random, customer: CustomerPlan) -> str:
    kinds = {kind for kind, _value in customer.identities}
    allowed = {"webchat", "phone", "sms"} | (kinds & {"email", "whatsapp", "telegram"})
    if "phone" not in kinds:
        allowed -= {"phone", "sms"}
    pairs = [(channel, weight) for channel, weight in CHANNELS[customer.language]
             if channel in allowed]
    return weighted(rng, pairs)


def plan_conversation(
    rng: random.Random, customer: CustomerPlan, *, now: datetime, status: str, start: datetime,
    scenario: str, contact_number: int = 1,
) -> ConversationPlan:
    """One conversation and its script. `contact_number` > 1 marks a repeat contact about the
    same problem (the customer says so, and is angrier each time)."""
    anger = (0.18 + (0.25 if customer.churn_risk else 0) + 0.12 * min(contact_number - 1, 4)
             + (0.3 if scenario == "staff_complaint" else 0))
    angry = scenario != "praise" and rng.random() < anger
    if scenario == "praise" and status not in {"solved", "closed"}:
        status = rng.choice(("solved", "closed"))
    team = "VIP desk" if customer.vip and scenario != "praise" else TEAM_OF[scenario]
    if not team and rng.random() < 0.5:
        team = "Orders & delivery" if customer.retail else "Telecom support"
    assignee = rng.choice(_speakers(customer.language, team or "VIP desk"))
    writer = Writer(rng, customer, scenario, start, assignee, team=team,
                    contacts=contact_number - 1)
    if scenario == "praise":
        praised = [m for m in STAFF if m.language == customer.language and m.role == "agent"]
        writer.slots["agent"] = _first_name(rng.choice(praised))
    opening = writer.pick("angry" if angry else "open")
    if contact_number > 1:
        opening = writer.generic("REPEAT") + opening
    if scenario == "praise":
        priority = "low"
    elif angry or customer.vip:
        priority = weighted(rng, (("high", 60), ("urgent", 20), ("normal", 20)))
    elif scenario == "internet_outage":
        priority = weighted(rng, (("high", 50), ("urgent", 10), ("normal", 40)))
    else:
        priority = weighted(rng, (("normal", 70), ("low", 20), ("high", 10)))
    tags = [scenario.replace("_", "-"), "telecom" if scenario in dict(TELECOM)
            and scenario not in dict(RETAIL) else "retail"]
    tags += ["angry"] if angry else []
    tags += ["vip"] if customer.vip else []
    tags += ["repeat-contact"] if contact_number > 1 else []
    plan = ConversationPlan(
        customer=customer.key, subject=writer.pick("subject"),
        channel=pick_channel(rng, customer), language=customer.language, priority=priority,
        team=team, assignee="" if status == "new" else assignee.username, tags=tags,
        text=opening, at=start,
    )
    plan.steps = _script(rng, writer, status=status, angry=angry, agent=assignee,
                         vip=customer.vip)
    _fit_in_time(plan, now)
    return plan


def _script(rng: random.Random, writer: Writer, *, status: str, angry: bool,
            agent: StaffMember, vip: bool) -> list[Step]:
    """The steps after the opening message, as offsets from its time (made absolute by
    _fit_in_time). Mirrors the service status rules to avoid no-op calls: an agent's reply
    opens a new conversation, a customer's message reopens pending/solved ones."""
    language, praise = writer.customer.language, writer.scenario == "praise"
    steps: list[Step] = []
    clock = timedelta(0)
    state = "new"

    def later(low_minutes: float, high_minutes: float) -> timedelta:
        nonlocal clock
        clock += timedelta(minutes=rng.uniform(low_minutes, high_minutes))
        return clock

    def customer(text: str) -> None:
        nonlocal state
        steps.append(Step("customer", later(40, 1600), text=text, language=language))
        state = "open" if state in {"pending", "solved"} else state

    def reply(kind: str) -> None:
        nonlocal state
        text = writer.reply(kind, angry=angry, agent=agent)
        steps.append(Step("agent", later(*((5, 60) if vip else (15, 900))), agent.username,
                          text, language))
        state = "open" if state == "new" else state

    def note(text: str, by: str = "") -> None:
        steps.append(Step("note", later(2, 40), by or agent.username, text,
                          "en" if by == SUPERVISOR else language))

    def set_status(value: str, low: float = 1, high: float = 10) -> None:
        nonlocal state
        if state != value:
            steps.append(Step("status", later(low, high), agent.username, status=value))
            state = value

    if status == "new":
        if rng.random() < 0.35:
            customer(writer.generic("ANGRY_NUDGE" if angry else "NUDGE"))
        return steps
    asks_first = bool(writer.lines["ask"]) and rng.random() < (0.6 if status == "pending"
                                                               else 0.3)
    reply("ask" if asks_first else "reply")
    if asks_first:
        set_status("pending")
    if rng.random() < (0.5 if praise else 0.3):
        note(writer.pick("note"))
    if angry and rng.random() < 0.3:
        note(writer.fill(rng.choice(TEXTS["en"].SCENARIOS[writer.scenario]["note"])),
             by=SUPERVISOR)
    if not praise and status != "closed" and rng.random() < 0.08:
        other = rng.choice([t.name for t in TEAMS if t.name != writer.slots["team"]])
        writer.slots["team"] = other
        note(writer.generic("TRANSFER_NOTE"))
        steps.append(Step("assign", later(1, 5), agent.username, team=other))
    rounds = 0 if praise else rng.choice((0, 1) if status == "pending" else (0, 0, 1, 1, 2))
    if asks_first and status != "pending":
        rounds = max(rounds, 1)
    for _ in range(rounds):
        follow = writer.lines["follow"]
        customer(writer.generic("ANGRY_NUDGE") if angry and rng.random() < 0.5
                 else writer.fill(writer.choose(follow)) if follow else writer.generic("NUDGE"))
        reply("reply")
    if status == "open":
        follow = writer.lines["follow"]
        customer(writer.fill(writer.choose(follow)) if follow and rng.random() < 0.6
                 else writer.generic("ANGRY_NUDGE" if angry else "NUDGE"))
    elif status == "pending":
        if rounds:
            reply("ask")
        if rng.random() < 0.3:
            note(writer.generic("PENDING_NOTE"))
        set_status("pending")
    elif status == "on_hold":
        note(writer.generic("HOLD_NOTE"))
        set_status("on_hold")
    else:  # solved or closed
        if not praise:
            reply("resolve")
            if rng.random() < (0.4 if angry else 0.65):
                customer(writer.generic("CUSTOMER_THANKS"))
        set_status("solved", 5, 120)
        if status == "closed":
            set_status("closed", 2 * 1440, 5 * 1440)
    return steps


def _fit_in_time(plan: ConversationPlan, now: datetime) -> None:
    """Turn step offsets into times after `plan.at`, squeezed so that the last is before now."""
    latest = now - timedelta(minutes=3)
    if plan.at > latest - timedelta(minutes=30):
        plan.at = latest - timedelta(minutes=30)
    last = plan.steps[-1].offset if plan.steps else timedelta(0)
    room = latest - plan.at
    scale = min(1.0, room / last) if last > timedelta(0) else 1.0
    for step in plan.steps:
        step.at = plan.at + step.offset * scale


def schedule(rng: random.Random, customers: list[CustomerPlan], count: int,
             now: datetime) -> list[ConversationPlan]:
    """`count` conversations: first the repeat contacts (5-12 conversations of one customer
    about the same problem over six months), then the rest spread over all customers."""
    plans: list[ConversationPlan] = []
    candidates = [c for c in customers if c.duplicate_of is None]
    repeaters = rng.sample(candidates, min(len(candidates), max(1, len(customers) // 25)))
    budget = count // 4
    for customer in repeaters:
        series = min(rng.randrange(5, 13), budget - len(plans))
        if series < 2:
            break
        kind = "telecom" if customer.telecom and (not customer.retail or rng.random() < 0.5) \
            else "retail"
        scenario = rng.choice(REPEATABLE[kind])
        first = now - timedelta(days=rng.uniform(120, 175))
        gap = (now - first).total_seconds() / series
        for number in range(1, series + 1):
            start = first + timedelta(seconds=gap * (number - 1) + rng.uniform(0, gap * 0.5))
            status = ("closed" if number < series - 1 else "solved" if number < series
                      else rng.choice(("open", "new", "pending")))
            plans.append(plan_conversation(rng, customer, now=now, status=status, start=start,
                                           scenario=scenario, contact_number=number))
    by_language = {language: [c for c in customers if c.language == language]
                   for language, _share in LANGUAGE_WEIGHTS}
    shares = tuple(pair for pair in LANGUAGE_WEIGHTS if by_language[pair[0]])
    while len(plans) < count:  # ~35% English, 25% Arabic, 20% Persian, 20% Greek
        pool = by_language[weighted(rng, shares)]
        customer = rng.choices(pool, weights=[
            1 + 2 * c.vip + c.churn_risk - 0.5 * (c.duplicate_of is not None) for c in pool])[0]
        status = weighted(rng, STATUSES)
        low, high = AGE_DAYS[status]
        start = now - timedelta(days=rng.uniform(low, high))
        plans.append(plan_conversation(rng, customer, now=now, status=status, start=start,
                                       scenario=pick_scenario(rng, customer)))
    return plans
