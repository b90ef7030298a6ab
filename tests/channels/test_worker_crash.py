"""Kill the worker (SIGKILL) while it processes 1,000 envelopes, start it again: every
message is stored exactly once, in exactly one conversation.

The worker and the enqueueing run as real `mehvar` processes against a database of their own
(a file SQLite database, or a fresh PostgreSQL database when the suite runs on PostgreSQL),
because the test's own database is not visible to another process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MEHVAR = str(Path(sys.executable).with_name("mehvar"))
TOTAL = 1000

ENQUEUE = """
import django, json, sys
django.setup()
from mehvar.channels.email.receive import mail_receive
samples = ["سلام، سفارش من هنوز نرسیده است.", "مرحبا، لم يصل طلبي بعد.",
           "Καλησπέρα, η παραγγελία μου δεν έφτασε.", "Hello, my order has not arrived."]
for n in range(TOTAL):
    customer, step = divmod(n, 4)
    headers = [f"From: Customer {customer} <c{customer}@example.com>",
               "To: support@example.com", f"Subject: Order {customer}",
               f"Message-ID: <m{n}@example.com>", "Content-Type: text/plain; charset=utf-8"]
    if step:
        headers.append(f"In-Reply-To: <m{n - 1}@example.com>")
    raw = ("\\r\\n".join(headers) + "\\r\\n\\r\\n" + samples[n % 4] + f" ({n})\\r\\n").encode()
    mail_receive(raw=raw, source="test")
print("enqueued")
"""

REPORT = """
import django, json
django.setup()
from collections import Counter
from mehvar.channels.models import InboundEnvelope
from mehvar.conversations.models import Message
envelopes = list(InboundEnvelope.objects.values("status", "message_id", "external_id"))
messages = list(Message.objects.values("id", "external_id", "conversation_id"))
print(json.dumps({
    "envelopes": len(envelopes),
    "statuses": Counter(e["status"] for e in envelopes),
    "envelopes_without_message": sum(1 for e in envelopes if e["message_id"] is None),
    "messages": len(messages),
    "distinct_external_ids": len({m["external_id"] for m in messages}),
    "message_ids_linked": len({e["message_id"] for e in envelopes}),
    "conversations": len({m["conversation_id"] for m in messages}),
}))
"""


@pytest.fixture
def child_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {**os.environ, "MEHVAR_VAR_DIR": str(tmp_path), "MEHVAR_INBOUND_RETRY_SECONDS": "1",
           "DJANGO_SETTINGS_MODULE": "mehvar.settings", "MEHVAR_LOG_LEVEL": "ERROR"}
    env.pop("MEHVAR_TEST_DATABASE_URL", None)
    postgres = os.environ.get("MEHVAR_TEST_DATABASE_URL", "")
    name = ""
    if postgres.startswith("postgres"):
        import psycopg

        base = postgres.rsplit("/", 1)[0]
        name = f"mehvar_crash_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        env["MEHVAR_DATABASE_URL"] = f"{base}/{name}"
    else:
        env["MEHVAR_DATABASE_URL"] = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    yield env
    if name:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(env: dict[str, str], *args: str, code: str = "") -> str:
    command = [sys.executable, "-c", code] if code else [MEHVAR, *args]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def processed(env: dict[str, str]) -> int:
    code = ("import django; django.setup()\n"
            "from mehvar.channels.models import InboundEnvelope\n"
            "print(InboundEnvelope.objects.filter(status='processed').count())")
    return int(run(env, code=code).strip())


def test_sigkill_mid_batch_loses_nothing_and_stores_nothing_twice(
    child_env: dict[str, str],
) -> None:
    run(child_env, "migrate", "--noinput", "--verbosity", "0")
    run(child_env, code=f"TOTAL = {TOTAL}\n" + ENQUEUE)

    worker = subprocess.Popen([MEHVAR, "worker", "--interval", "0.05"], env=child_env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while processed(child_env) < TOTAL // 3:
            assert worker.poll() is None, "the worker exited on its own"
            assert time.monotonic() < deadline, "the worker made no progress"
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    killed_at = processed(child_env)
    assert killed_at < TOTAL, "the worker finished before it was killed; the test proves nothing"

    time.sleep(1.2)  # past the retry lease of the envelope the killed worker held
    run(child_env, "worker", "--burst", "--interval", "0")

    report = json.loads(run(child_env, code=REPORT).strip().splitlines()[-1])
    assert report["envelopes"] == TOTAL
    assert report["statuses"] == {"processed": TOTAL}
    assert report["envelopes_without_message"] == 0
    assert report["messages"] == TOTAL
    assert report["distinct_external_ids"] == TOTAL
    assert report["message_ids_linked"] == TOTAL
    assert report["conversations"] <= TOTAL
