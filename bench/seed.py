"""Bulk-seed a freshly migrated Mehvar database for the benchmarks.

    .venv/bin/python bench/seed.py --conversations 100000 --state var/bench/sqlite/state.json

Default shape (scaled with --conversations): 100,000 conversations with exactly 10 messages
each on average (1,000,000 messages, 1–19 per conversation), 20,000 customers with an email
identity (40 % also a phone), 500 organizations, 24 tags, and the timeline events the
services would have written ("customer.created", "identity.added", "conversation.created",
"message.added" for every message after the first, "conversation.status_changed"), 5 agents
and 3 teams. Text-only messages, so `html` stays empty, as the service stores them.
One "heavy" customer (heavy.customer@example.com) has 50 conversations with 10 messages
each, 500 messages in all: the customer 360 benchmark reads it.

The data shape follows the peer django-helpdesk seed (../shared/peers/django-helpdesk/seed.py)
so both products are measured on the same kind of data: status 40 % open, 5 % pending,
30 % solved, 25 % closed; languages en 35 %, ar 25 %, fa 20 %, el 20 % (5 % of conversations
mix in a second language); text drawn from the peer's `multilingual_text.py` pools, imported
at run time from MEHVAR_PEER_DIR; creation dates spread over the last two years.

This is a benchmark seed, not a product path: the bulk rows are written straight into the
tables (COPY on PostgreSQL, executemany on SQLite), bypassing the services, so nothing is
authorised, validated, audited or sent through the timeline writer for them. Agents, teams
and the API token are created through the real services (mehvar.accounts.services).

Deterministic for a given --seed (apart from "now"). Prints the seeding rate and writes a
JSON state file (--state, mode 0600) holding the API token, the heavy customer's id and the
row counts, for bench/run.py.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import functools
import importlib
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PEER_DIR = REPO.parent / "shared" / "peers" / "django-helpdesk"


def peer_dir() -> Path:
    return Path(os.environ.get("MEHVAR_PEER_DIR") or DEFAULT_PEER_DIR).resolve()


def load_text_pools() -> Any:
    """The peer's multilingual text pools (same data shape for both products)."""
    where = peer_dir()
    if not (where / "multilingual_text.py").is_file():
        raise SystemExit(f"peer text pools not found in {where} (set MEHVAR_PEER_DIR)")
    sys.path.insert(0, str(where))
    try:
        return importlib.import_module("multilingual_text")
    finally:
        sys.path.remove(str(where))


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mehvar.settings")

import django  # noqa: E402

django.setup()

from django.core.management.color import no_style  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402

from mehvar.accounts.models import Agent, Role, Team  # noqa: E402
from mehvar.accounts.services import agent_create, team_create, token_create  # noqa: E402
from mehvar.conversations.models import Conversation, Message, Tag  # noqa: E402
from mehvar.core.fulltext import search_key as _search_key  # noqa: E402
from mehvar.core.models import TimelineEvent  # noqa: E402
from mehvar.core.text import normalize_text  # noqa: E402
from mehvar.customers.models import Customer, Identity, Organization  # noqa: E402
from seed_pools import (  # noqa: E402
    AGENT_NAMES,
    CHANNEL_WEIGHTS,
    DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    ORG_WORDS,
    PRIORITY_WEIGHTS,
    SEGMENTS,
    STAGE_WEIGHTS,
    STATUS_WEIGHTS,
    TAGS,
    TIER_WEIGHTS,
    TIME_ZONES,
)

TXT = load_text_pools()


@functools.lru_cache(maxsize=200_000)
def search_key(text: str) -> str:
    """The search key the services store (core.fulltext), cached: texts repeat from pools."""
    return _search_key(text)

HEAVY_EMAIL = "heavy.customer@example.com"
HEAVY_CONVERSATIONS = 50
HEAVY_MESSAGES_EACH = 10
TWO_YEARS = dt.timedelta(days=730).total_seconds()


def weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> Callable[[], str]:
    """A fast sampler for (value, weight) pairs."""
    values = [v for v, _ in pairs]
    cum, total = [], 0
    for _, w in pairs:
        total += w
        cum.append(total)

    def pick() -> str:
        return values[bisect.bisect_right(cum, rng.random() * total)]

    return pick


def identity_match_key(kind: str, value: str) -> str:
    """The product's match-key rule when it exists, else "<kind>:<value>" (the seeded e-mail
    addresses carry no +tag and the phones are E.164, so both rules agree on them)."""
    try:
        from mehvar.customers import identities
    except ImportError:
        return f"{kind}:{value}"
    fn = getattr(identities, "identity_match_key", None)
    if fn is None:
        return f"{kind}:{value}"
    try:
        return str(fn(kind, value))
    except TypeError:
        return str(fn(kind=kind, value=value))


# ---------------------------------------------------------------- writing ---
class Writer:
    """Inserts plain row tuples: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.rows = 0

    def ts(self, value: dt.datetime) -> Any:
        if self.vendor == "sqlite":  # what Django stores: naive UTC text
            return value.replace(tzinfo=None).isoformat(" ")
        return value

    def insert(
        self, model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        meta = model._meta
        qn = connection.ops.quote_name
        columns = ", ".join(qn(meta.get_field(name).column) for name in fields)
        table = qn(meta.db_table)
        rows = list(rows)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(fields))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        self.rows += len(rows)


def next_id(model: type[models.Model]) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def jdump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# ------------------------------------------------------------------ setup ---
def setup_people(rng: random.Random) -> tuple[Agent, list[int], list[int], str]:
    """Agents, teams and the API token, through the real services."""
    admin = agent_create(
        actor=None,
        username="bench-admin",
        password=None,
        role=Role.ADMIN,
        email="bench-admin@example.com",
        display_name="Bench admin",
    )
    agents = [
        agent_create(
            actor=None,
            username=f"bench-{slug}",
            password=None,
            role=Role.AGENT,
            email=f"{slug}@bench.example.com",
            display_name=name,
        )
        for name, slug in AGENT_NAMES
    ]
    teams = []
    for i, team_name in enumerate(("Support", "Billing", "Technical")):
        existing = Team.objects.filter(name=team_name).first()
        teams.append(
            existing or team_create(actor=None, name=team_name, members=agents[i::3] or agents[:1])
        )
    secret = token_create(actor=admin, name="bench").secret
    rng.shuffle(agents)
    return admin, [a.pk for a in agents], [t.pk for t in teams], secret


# ------------------------------------------------------------ customers ---
def seed_customers(w: Writer, rng: random.Random, n: int, now: dt.datetime) -> dict[str, Any]:
    """Organizations, customers (the first is the heavy one), identities, customer.created."""
    lang_pick = weighted(rng, TXT.LANG_WEIGHTS)
    tier_pick = weighted(rng, TIER_WEIGHTS)
    stage_pick = weighted(rng, STAGE_WEIGHTS)
    n_orgs = max(1, n // 40)
    org0 = next_id(Organization)
    orgs = []
    for i in range(n_orgs):
        lang = lang_pick()
        last = rng.choice(LAST_NAMES[lang])[0]
        name = f"{last} {rng.choice(ORG_WORDS)} {i + 1}"
        created = now - dt.timedelta(days=800 + rng.random() * 400)
        orgs.append(
            (
                org0 + i,
                name,
                normalize_text(name),
                f"org{i + 1}.example.com",
                "",
                "{}",
                w.ts(created),
                w.ts(created),
            )
        )
    w.insert(
        Organization,
        [
            "id",
            "name",
            "name_key",
            "domain",
            "notes",
            "custom_attributes",
            "created_at",
            "updated_at",
        ],
        orgs,
    )

    cust0 = next_id(Customer)
    ident0 = next_id(Identity)
    n_ident = 0
    customers, identities, events = [], [], []
    langs = []
    for i in range(n):
        cid = cust0 + i
        lang = "en" if i == 0 else lang_pick()
        first, first_ascii = rng.choice(FIRST_NAMES[lang])
        last, last_ascii = rng.choice(LAST_NAMES[lang])
        if i == 0:
            name, email = "Heavy Customer", HEAVY_EMAIL
        else:
            name = f"{first} {last}"
            email = f"{first_ascii}.{last_ascii}.{i}@{rng.choice(DOMAINS)}"
        created = now - dt.timedelta(seconds=TWO_YEARS + rng.random() * 300 * 86400)
        segments = [s for s in SEGMENTS if rng.random() < 0.12]
        consent = {
            "email": rng.random() < 0.8,
            "sms": rng.random() < 0.4,
            "whatsapp": rng.random() < 0.3,
        }
        org_id = org0 + rng.randrange(n_orgs) if rng.random() < 0.3 else None
        customers.append(
            (
                cid,
                name,
                normalize_text(name),
                org_id,
                lang,
                rng.choice(TIME_ZONES[lang]),
                "active" if i == 0 else stage_pick(),
                jdump(segments),
                Decimal(rng.randint(0, 500_000)) / 100,
                Decimal(rng.randint(0, 40_000)) / 100,
                "platinum" if i == 0 else tier_pick(),
                None,  # satisfaction: no survey answered yet
                0,  # order_count: no orders imported
                jdump({"plan": rng.choice(["basic", "plus", "family"])}),
                jdump(consent),
                "",
                None,
                w.ts(created),
                w.ts(created),
            )
        )
        ts = w.ts(created)
        identities.append(
            (
                ident0 + len(identities),
                cid,
                "email",
                email,
                identity_match_key("email", email),
                True,
                rng.random() < 0.6,
                ts,
            )
        )
        if i and rng.random() < 0.4:
            phone = f"+30697{i:07d}" if lang == "el" else f"+44770{i:07d}"
            identities.append(
                (
                    ident0 + len(identities),
                    cid,
                    "phone",
                    phone,
                    identity_match_key("phone", phone),
                    False,
                    False,
                    ts,
                )
            )
        events.append(
            (ts, "customer.created", None, cid, None, "{}", jdump({"name": name, "language": lang}))
        )
        for row in identities[n_ident:]:
            after = {"kind": row[2], "value": row[3], "is_primary": row[5]}
            events.append((ts, "identity.added", None, cid, None, "{}", jdump(after)))
        n_ident = len(identities)
        langs.append(lang)
    w.insert(
        Customer,
        [
            "id",
            "name",
            "name_key",
            "organization",
            "language",
            "time_zone",
            "journey_stage",
            "segment_tags",
            "lifetime_value",
            "cost_to_serve",
            "tier",
            "satisfaction",
            "order_count",
            "custom_attributes",
            "consent",
            "notes",
            "merged_into",
            "created_at",
            "updated_at",
        ],
        customers,
    )
    w.insert(
        Identity,
        ["id", "customer", "kind", "value", "match_key", "is_primary", "is_verified", "created_at"],
        identities,
    )
    w.insert(TimelineEvent, TIMELINE_FIELDS, events)
    return {
        "events": len(events),
        "first_id": cust0,
        "languages": langs,
        "organizations": n_orgs,
        "identities": len(identities),
    }


TIMELINE_FIELDS = ["at", "verb", "actor", "customer", "conversation", "before", "after"]
CONVERSATION_FIELDS = [
    "id",
    "subject",
    "subject_key",
    "status",
    "priority",
    "channel",
    "language",
    "customer",
    "team",
    "assignee",
    "custom_fields",
    "message_count",
    "created_at",
    "updated_at",
    "last_message_at",
    "first_response_at",
    "solved_at",
    "closed_at",
]
MESSAGE_FIELDS = [
    "id",
    "conversation",
    "author_kind",
    "author_agent",
    "author_customer",
    "is_internal",
    "text",
    "search_text",
    "html",
    "quoted_text",
    "flags",
    "language",
    "channel",
    "external_id",
    "created_at",
]


def message_counts(rng: random.Random, n: int, mean: int, heavy: set[int]) -> list[int]:
    """1..(2*mean-1) messages per conversation, adjusted so the total is exactly n * mean."""
    counts = [HEAVY_MESSAGES_EACH if i in heavy else rng.randint(1, 2 * mean - 1) for i in range(n)]
    diff = n * mean - sum(counts)
    step = 1 if diff > 0 else -1
    free = [i for i in range(n) if i not in heavy]
    while diff and free:
        i = rng.choice(free)
        if 1 <= counts[i] + step <= 2 * mean - 1:
            counts[i] += step
            diff -= step
    return counts


# -------------------------------------------------------- conversations ---
def seed_conversations(
    w: Writer,
    rng: random.Random,
    args: argparse.Namespace,
    now: dt.datetime,
    cust: dict[str, Any],
    agent_ids: list[int],
    team_ids: list[int],
) -> dict[str, Any]:
    n = args.conversations
    status_pick = weighted(rng, STATUS_WEIGHTS)
    priority_pick = weighted(rng, PRIORITY_WEIGHTS)
    channel_pick = weighted(rng, CHANNEL_WEIGHTS)
    lang_pick = weighted(rng, TXT.LANG_WEIGHTS)
    heavy_id = cust["first_id"]
    n_cust = len(cust["languages"])
    # 20 % of conversations come from a pool of repeat contacts (5 % of the customers).
    repeat = max(1, n_cust // 20)

    tag0 = next_id(Tag)
    Tag.objects.bulk_create([Tag(id=tag0 + i, name=name) for i, name in enumerate(TAGS)])
    tag_ids = list(range(tag0, tag0 + len(TAGS)))

    heavy = set(rng.sample(range(n), min(HEAVY_CONVERSATIONS, n)))
    counts = message_counts(rng, n, args.messages_per_conversation, heavy)
    # Ids follow creation time, as they do in a live system.
    starts = sorted(now - dt.timedelta(seconds=rng.random() * TWO_YEARS) for _ in range(n))
    conv0 = next_id(Conversation)
    msg_id = next_id(Message)
    words = dict(TXT.SEARCH_WORDS)
    hits = dict.fromkeys(words, 0)
    totals = {"messages": 0, "timeline_events": 0, "tag_links": 0}
    through = Conversation.tags.through

    t_start = time.perf_counter()
    for b0 in range(0, n, args.batch):
        convs, msgs, events, links = [], [], [], []
        for i in range(b0, min(n, b0 + args.batch)):
            cid = conv0 + i
            if i in heavy:
                customer, lang = heavy_id, "en"
            else:
                if rng.random() < 0.2:
                    k = 1 + rng.randrange(max(1, min(repeat, n_cust - 1)))
                else:
                    k = 1 + rng.randrange(max(1, n_cust - 1))
                customer = heavy_id + min(k, n_cust - 1)
                lang = cust["languages"][k] if rng.random() < 0.9 else lang_pick()
            status = status_pick()
            priority = priority_pick()
            channel = channel_pick()
            subject = rng.choice(TXT.TITLES[lang])
            if rng.random() < 0.5:
                subject += f" (#{rng.randint(10000, 99999)})"
            first_text = " ".join(rng.sample(TXT.SENTENCES[lang], rng.randint(2, 4)))
            if rng.random() < 0.05:  # some customers write in two languages
                first_text += " " + rng.choice(TXT.SENTENCES[lang_pick()])
            for key, word in words.items():
                if word in subject or word in first_text:
                    hits[key] += 1
            assignee = rng.choice(agent_ids) if rng.random() < 0.7 else None
            team = rng.choice(team_ids) if rng.random() < 0.8 else None
            created = starts[i]
            n_msg = counts[i]
            # Minutes after `created`: each message, then the status changes. Squeezed so
            # that nothing lies in the future for conversations opened in the last days.
            offsets = [0.0]
            for _ in range(n_msg - 1):
                offsets.append(offsets[-1] + 2 + rng.random() * 600)
            change_off = offsets[-1] + 5 + rng.random() * 120
            close_off = change_off + 1440 * (1 + rng.random() * 6)
            end_off = {
                "open": offsets[-1],
                "pending": change_off,
                "solved": change_off,
                "closed": close_off,
            }[status]
            room = (now - created).total_seconds() / 60 - 1
            scale = min(1.0, room / end_off) if end_off > 0 else 1.0
            first_response = None
            for m in range(n_msg):
                at = created + dt.timedelta(minutes=offsets[m] * scale)
                agent_turn = m % 2 == 1 if rng.random() < 0.85 else m > 0
                if m == 0:
                    text = first_text
                elif agent_turn:
                    text = rng.choice(TXT.REPLIES[lang])
                else:
                    text = " ".join(rng.sample(TXT.SENTENCES[lang], rng.randint(1, 2)))
                internal = agent_turn and rng.random() < 0.08
                if agent_turn and not internal and first_response is None:
                    first_response = at
                ext = (
                    f"<c{cid}.m{m}@mail.example.net>"
                    if channel == "email" and not agent_turn
                    else ""
                )
                if m == 0:
                    first_msg_id = msg_id
                else:
                    events.append(
                        (
                            w.ts(at),
                            "message.added",
                            (assignee or agent_ids[0]) if agent_turn else None,
                            customer,
                            cid,
                            "{}",
                            jdump(
                                {
                                    "message_id": msg_id,
                                    "is_internal": internal,
                                    "author_kind": "agent" if agent_turn else "customer",
                                }
                            ),
                        )
                    )
                msgs.append(
                    (
                        msg_id,
                        cid,
                        "agent" if agent_turn else "customer",
                        (assignee or agent_ids[0]) if agent_turn else None,
                        None if agent_turn else customer,
                        internal,
                        text,
                        search_key(text),
                        "",  # text-only input: the service stores no HTML
                        "",  # quoted_text
                        "[]",  # flags
                        lang,
                        channel,
                        ext,
                        w.ts(at),
                    )
                )
                msg_id += 1
            last_message = at
            solved_at = closed_at = None
            ts_created = w.ts(created)
            events.append(
                (
                    ts_created,
                    "conversation.created",
                    None,
                    customer,
                    cid,
                    "{}",
                    jdump(
                        {
                            "subject": subject,
                            "channel": channel,
                            "status": "new",
                            "priority": priority,
                            "message_id": first_msg_id,
                            "author_kind": "customer",
                        }
                    ),
                )
            )
            if status != "open":
                change = created + dt.timedelta(minutes=change_off * scale)
                after = "solved" if status == "closed" else status
                events.append(
                    (
                        w.ts(change),
                        "conversation.status_changed",
                        assignee,
                        customer,
                        cid,
                        jdump({"status": "open"}),
                        jdump({"status": after}),
                    )
                )
                if status in ("solved", "closed"):
                    solved_at = change
                if status == "closed":
                    closed_at = created + dt.timedelta(minutes=close_off * scale)
                    events.append(
                        (
                            w.ts(closed_at),
                            "conversation.status_changed",
                            None,
                            customer,
                            cid,
                            jdump({"status": "solved"}),
                            jdump({"status": "closed"}),
                        )
                    )
            updated = created + dt.timedelta(minutes=end_off * scale)
            convs.append(
                (
                    cid,
                    subject,
                    search_key(subject),
                    status,
                    priority,
                    channel,
                    lang,
                    customer,
                    team,
                    assignee,
                    "{}",
                    n_msg,
                    ts_created,
                    w.ts(updated),
                    w.ts(last_message),
                    w.ts(first_response) if first_response else None,
                    w.ts(solved_at) if solved_at else None,
                    w.ts(closed_at) if closed_at else None,
                )
            )
            for tag in rng.sample(tag_ids, rng.choice((0, 1, 1, 1, 2, 2, 3))):
                links.append((cid, tag))
        with transaction.atomic():
            w.insert(Conversation, CONVERSATION_FIELDS, convs)
            w.insert(Message, MESSAGE_FIELDS, msgs)
            w.insert(TimelineEvent, TIMELINE_FIELDS, events)
            w.insert(through, ["conversation", "tag"], links)
        totals["messages"] += len(msgs)
        totals["timeline_events"] += len(events)
        totals["tag_links"] += len(links)
        done = min(n, b0 + args.batch)
        el = time.perf_counter() - t_start
        if done == n or (done // args.batch) % 5 == 0:
            print(
                f"  {done:,} conversations, {totals['messages']:,} messages, {el:.1f} s "
                f"({done / el:,.0f} conversations/s)",
                flush=True,
            )
    totals["search_hits"] = hits
    return totals


def finish() -> None:
    """Sequences after explicit ids (PostgreSQL), then fresh planner statistics."""
    seeded = [
        Organization,
        Customer,
        Identity,
        Conversation,
        Message,
        TimelineEvent,
        Tag,
        Conversation.tags.through,
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in connection.ops.sequence_reset_sql(no_style(), seeded):
                cursor.execute(sql)
            for model in seeded:  # VACUUM: visibility map for index-only scans
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"VACUUM (ANALYZE) {table}")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("ANALYZE")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conversations", type=int, default=100_000)
    ap.add_argument(
        "--messages-per-conversation",
        type=int,
        default=10,
        help="mean; the total is exactly conversations x this",
    )
    ap.add_argument("--customers", type=int, help="default: conversations / 5")
    ap.add_argument("--batch", type=int, default=2000, help="conversations per transaction")
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--state", help="write a JSON state file here (token, heavy customer id)")
    args = ap.parse_args()
    n_customers = args.customers or max(10, args.conversations // 5)
    if args.conversations < HEAVY_CONVERSATIONS:
        raise SystemExit(f"--conversations must be at least {HEAVY_CONVERSATIONS}")
    if Conversation.objects.exists() or Customer.objects.exists():
        raise SystemExit("seed.py expects a freshly migrated, empty database")

    rng = random.Random(args.seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    w = Writer()
    t0 = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
    _admin, agent_ids, team_ids, secret = setup_people(rng)
    with transaction.atomic():
        cust = seed_customers(w, rng, n_customers, now)
    t_cust = time.perf_counter() - t0
    print(
        f"  {n_customers:,} customers, {cust['identities']:,} identities, "
        f"{cust['organizations']:,} organizations, {t_cust:.1f} s",
        flush=True,
    )
    totals = seed_conversations(w, rng, args, now, cust, agent_ids, team_ids)
    t_rows = time.perf_counter() - t0
    finish()
    elapsed = time.perf_counter() - t0
    state = {
        "backend": connection.vendor,
        "token": secret,
        "heavy_customer_id": cust["first_id"],
        "heavy_customer_email": HEAVY_EMAIL,
        "heavy_customer_messages": Message.objects.filter(
            conversation__customer_id=cust["first_id"]
        ).count(),
        "conversations": args.conversations,
        "messages": totals["messages"],
        "customers": n_customers,
        "identities": cust["identities"],
        "organizations": cust["organizations"],
        "timeline_events": totals["timeline_events"] + cust["events"],
        "tag_links": totals["tag_links"],
        "rows": w.rows,
        "search_hits": totals["search_hits"],
        "insert_seconds": round(t_rows, 2),
        "seconds": round(elapsed, 2),
        "conversations_per_s": round(args.conversations / elapsed, 1),
        "rows_per_s": round(w.rows / elapsed, 1),
    }
    print(
        f"seeded {args.conversations:,} conversations + {totals['messages']:,} messages "
        f"({w.rows:,} rows) in {elapsed:.1f} s (inserts {t_rows:.1f} s, then "
        f"{'VACUUM ANALYZE' if connection.vendor == 'postgresql' else 'ANALYZE'}): "
        f"{args.conversations / elapsed:,.0f} conversations/s, {w.rows / elapsed:,.0f} rows/s; "
        f"heavy customer id {cust['first_id']} with {state['heavy_customer_messages']} "
        f"messages; conversations whose subject or first message has the search words: "
        f"{totals['search_hits']}",
        flush=True,
    )
    if args.state:
        path = Path(args.state)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(state, fh, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
