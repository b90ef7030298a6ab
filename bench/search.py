"""Search latency over a seeded database: p50/p95 of GET /search?q=... through gunicorn.

    MEHVAR_DATABASE_URL=postgres://postgres@127.0.0.1:5432/mehvar_bench \\
        .venv/bin/python bench/search.py [--samples 40] [--port 8810] [--base-url URL]

Needs a database seeded by bench/seed.py (bench/run.py --keep-db leaves one). The script signs
the seeded admin in by creating a session in the database (the seed gives it no password),
starts `mehvar serve` (gunicorn, 2 sync workers) on --port unless --base-url names a running
server on the same database, and measures sequential GETs of the search page (a fresh
connection each, as the peer harness does) for common and rare words in en/ar/fa/el, typed as
a native speaker would and as an agent without the right keyboard would. The latency is the
client's round trip on 127.0.0.1 (server time plus well under a millisecond).

It also prints, in process, the exact number of conversations and messages each query
matches (the page shows counts capped at 999+), so that variants a reader treats as the same
word can be seen to find the same rows.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

import measure

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mehvar.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from mehvar.accounts.models import Agent  # noqa: E402
from mehvar.conversations.models import Conversation, Message  # noqa: E402
from mehvar.core.fulltext import FullTextMatch, query_terms  # noqa: E402

# (label, query): common words as written and as typed without the right letters, two-word
# queries, a rare word (a subject's ticket number, filled in from the data) and an absent one.
QUERIES = [
    ("en common", "refund"),
    ("en capitalised", "Refund"),
    ("en two words", "charged twice"),
    ("ar as written", "الفاتورة"),
    ("ar ه for ة", "الفاتوره"),
    ("fa as written", "حساب"),
    ("fa Arabic ي/ك", "تأييد كد"),
    ("el as written", "επιστροφή"),
    ("el capitals, no accent", "ΕΠΙΣΤΡΟΦΗ"),
    ("rare (ticket number)", "{rare}"),
    ("absent", "zebra"),
]
KINDS = ("conversations", "messages")


def session_cookie(username: str) -> str:
    """A signed-in session of `username`, stored in the database the server reads."""
    client = Client()
    client.force_login(Agent.objects.get(username=username))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def rare_word() -> str:
    subject = (Conversation.objects.filter(subject__contains="(#").order_by("pk")
               .values_list("subject", flat=True).first())
    found = re.search(r"#(\d+)", subject or "")
    return found.group(1) if found else "48213"


def exact_counts(query: str) -> dict[str, int]:
    terms = query_terms(query)
    subject = FullTextMatch("subject_key", fts_table="conversations_conversation_fts",
                            terms=terms)
    text = FullTextMatch("search_text", fts_table="conversations_message_fts", terms=terms)
    with_message = Message.objects.filter(text).values("conversation_id")
    return {
        "conversations": Conversation.objects.filter(subject).count()
        + Conversation.objects.exclude(subject).filter(pk__in=with_message).count(),
        "messages": Message.objects.filter(text).count(),
    }


def probe_variants() -> int:
    """Exact matches of each query variant of the peer's search-quality probe
    (../shared/peers/django-helpdesk/search_probe.py, or MEHVAR_PEER_DIR), in process."""
    peer = Path(os.environ.get("MEHVAR_PEER_DIR")
                or REPO.parent / "shared" / "peers" / "django-helpdesk")
    sys.path.insert(0, str(peer))
    try:
        variants = importlib.import_module("search_probe").VARIANTS
    finally:
        sys.path.remove(str(peer))
    print("| variant | q | conversations | messages |")
    print("|---|---|---:|---:|")
    for label, q in variants:
        counts = exact_counts(q)
        print(f"| {label} | {q} | {counts['conversations']} | {counts['messages']} |",
              flush=True)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--port", type=int, default=8810)
    ap.add_argument("--base-url", help="measure a running server instead of starting one")
    ap.add_argument("--user", default="bench-admin")
    ap.add_argument("--no-counts", action="store_true", help="skip the exact in-process counts")
    ap.add_argument("--variants", action="store_true",
                    help="only print the exact counts of the peer's search_probe.py variants")
    args = ap.parse_args()
    if args.variants:
        return probe_variants()

    cookie = session_cookie(args.user)
    rare = rare_word()
    queries = [(label, q.format(rare=rare)) for label, q in QUERIES]
    server = None
    if args.base_url:
        url = urllib.parse.urlsplit(args.base_url)
        host, port = url.hostname or "127.0.0.1", url.port or 80
    else:
        host, port = "127.0.0.1", args.port
        if measure.port_in_use(host, port):
            raise SystemExit(f"port {port} is in use")
        env = {**os.environ, "MEHVAR_BIND": f"{host}:{port}", "MEHVAR_WEB_WORKERS": "2"}
        server = measure.start([str(REPO / ".venv" / "bin" / "mehvar"), "serve"], env=env,
                               cwd=REPO)
    rows: list[dict[str, Any]] = []
    try:
        if server is not None:
            running = server
            measure.wait_http_ok(host, port, "/healthz", 60,
                                 alive=lambda: running.poll() is None)
        for label, q in queries:
            for kind in KINDS:
                path = f"/search?{urllib.parse.urlencode({'q': q, 'kind': kind})}"
                result = measure.latency(host, port, path, {"Cookie": cookie,
                                                             "Accept": "text/html"},
                                         args.samples, args.warmup)
                rows.append({"label": label, "q": q, "kind": kind, **result})
                print(f"{label:24s} {kind:13s} p50={result['p50_ms']:.1f} ms "
                      f"p95={result['p95_ms']:.1f} ms non-200={result['non_200']}", flush=True)
    finally:
        if server is not None:
            measure.kill_group(server)
    counts = {} if args.no_counts else {q: exact_counts(q) for _label, q in queries}
    messages = Message.objects.count()
    print(f"\n{messages:,} messages, {Conversation.objects.count():,} conversations "
          f"({django.db.connection.vendor}); {args.samples} sequential GETs per row after "
          f"{args.warmup} unrecorded; {time.strftime('%Y-%m-%d %H:%M')}\n")
    print("| query | q | kind | p50 ms | p95 ms | exact matches |")
    print("|---|---|---|---:|---:|---:|")
    for row in rows:
        exact = counts.get(row["q"], {}).get(row["kind"], "–")
        print(f"| {row['label']} | {row['q']} | {row['kind']} | {row['p50_ms']:.1f} | "
              f"{row['p95_ms']:.1f} | {exact} |")
    every = [row["p95_ms"] for row in rows]
    print(f"\nworst p95 {max(every):.1f} ms; median of the p95s {measure.median(every):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
