"""Server time of the agent UI's pages under gunicorn: sequential GETs with a signed-in session.

    .venv/bin/python bench/run.py --backends sqlite --quick      # run.py calls this per backend
    .venv/bin/python bench/ui.py --port 8800                     # standalone, against a server
        [--database-url URL] [--var-dir DIR] [--agent bench-leila] [--samples 200]

Steps: (1) through Django, in a child process with the server's environment, give a seeded
agent a known password (seed.py creates agents without one) and find the conversation with
the most messages and the customer with the most conversations; (2) sign in like a browser:
GET /signin for the CSRF cookie and token, POST the form, keep the session cookie; (3) for each
page, one request first: a page that does not answer 200 (not built yet, 404) is reported "not
available"; the others get 5 unrecorded then --samples recorded sequential GETs, each on a
fresh connection (gunicorn's sync workers close it anyway); p50/p95/p99 in ms, measured at the
client on 127.0.0.1, so they include the connect and the transfer.

Pages: /inbox with view=mine, open, unassigned and open + channel=email; /conversations/<id>
(the most messages); /customers/<id> (customer 360, the most conversations); /search?q= for an
English and an Arabic word that the seed plants. Floors (issue 2): inbox and conversation page
p95 <= 60 ms, search p95 <= 150 ms. Standalone, one JSON line (kind "mehvar_ui") is appended to
var/bench/results.jsonl; under run.py the result is the "ui" key of the backend's summary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import measure

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "var" / "bench" / "results.jsonl"
HOST = "127.0.0.1"
PASSWORD = "bench-ui-password-7e1f"  # set on the seeded agent by prepare(); bench data only
SEARCH_WORDS = ("refund", "الفاتورة")  # seed.py plants these (peer's SEARCH_WORDS)
FLOORS_MS = {"inbox": 60.0, "conversation": 60.0, "customer": None, "fragment": None,
             "search": 150.0}

# Runs in a child process with the server's environment (database URL, var dir).
PREPARE = r"""
import json, sys
import django
django.setup()
from django.db.models import Count
from mehvar.accounts.models import Agent
from mehvar.conversations.models import Conversation, Message

username, password = sys.argv[1], sys.argv[2]
agent = Agent.objects.get(username=username)
agent.set_password(password)  # seeded agents have no usable password
agent.save(update_fields=["password"])
top = Conversation.objects.order_by("-message_count", "id").values(
    "id", "message_count").first()
heavy = (Conversation.objects.values("customer_id").annotate(n=Count("id"))
         .order_by("-n", "customer_id").first())
print(json.dumps({
    "agent_id": agent.pk,
    "conversation_id": top and top["id"], "conversation_messages": top and top["message_count"],
    "customer_id": heavy and heavy["customer_id"],
    "customer_conversations": heavy and heavy["n"],
    "conversations": Conversation.objects.count(), "messages": Message.objects.count(),
}))
"""


def prepare(env: dict[str, str], agent: str, timeout: float = 600) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", PREPARE, agent, PASSWORD],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if out.returncode:
        raise RuntimeError(f"ui prepare failed (rc {out.returncode}): {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ HTTP ---
def _request(
    port: int, method: str, path: str, headers: dict[str, str], body: str | None = None
) -> tuple[int, dict[str, list[str]], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request(
            method,
            path,
            body=body.encode() if body else None,
            headers={"Connection": "close", **headers},
        )
        resp = conn.getresponse()
        data = resp.read()
        got: dict[str, list[str]] = {}
        for name, value in resp.getheaders():
            got.setdefault(name.lower(), []).append(value)
        return resp.status, got, data
    finally:
        conn.close()


def _cookies(headers: dict[str, list[str]]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for value in headers.get("set-cookie", []):
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def sign_in(port: int, username: str, password: str) -> dict[str, str]:
    """Headers of a signed-in browser session (Cookie: sessionid, csrftoken)."""
    status, headers, body = _request(port, "GET", "/signin", {"Accept": "text/html"})
    if status != 200:
        raise RuntimeError(f"GET /signin answered {status}")
    cookies = _cookies(headers)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not match or "csrftoken" not in cookies:
        raise RuntimeError("GET /signin gave no CSRF cookie or token")
    form = urlencode(
        {
            "csrfmiddlewaretoken": match.group(1).decode(),
            "username": username,
            "password": password,
            "next": "/inbox",
        }
    )
    status, headers, _ = _request(
        port,
        "POST",
        "/signin",
        {
            "Accept": "text/html",
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
        },
        form,
    )
    cookies.update(_cookies(headers))
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"POST /signin answered {status} without a session: wrong password?")
    return {
        "Accept": "text/html",
        "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
    }


# -------------------------------------------------------------- measuring ---
def pages(target: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key, group, path) of each measured page."""
    listed = [
        ("inbox_mine", "inbox", "/inbox?view=mine"),
        ("inbox_open", "inbox", "/inbox?view=open"),
        ("inbox_unassigned", "inbox", "/inbox?view=unassigned"),
        ("inbox_open_email", "inbox", "/inbox?view=open&channel=email"),
        # The views' counts, loaded by the inbox page just after it arrives.
        ("inbox_counts", "fragment", "/inbox?view=mine&fragment=tabs"),
        ("inbox_counts_email", "fragment", "/inbox?view=open&channel=email&fragment=tabs"),
        ("conversation", "conversation", f"/conversations/{target['conversation_id']}"),
        # The customer 360 beside the thread, loaded by the page just after it arrives.
        ("conversation_customer", "fragment",
         f"/conversations/{target['conversation_id']}?fragment=customer"),
        ("customer", "customer", f"/customers/{target['customer_id']}"),
    ]
    listed += [(f"search_{word}", "search", f"/search?q={quote(word)}") for word in SEARCH_WORDS]
    return listed


def measure_pages(
    port: int, headers: dict[str, str], target: dict[str, Any], samples: int, log: Any = print
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for key, group, path in pages(target):
        status, _, body = _request(port, "GET", path, headers)
        if status != 200:
            results[key] = {"path": path, "group": group, "available": False, "status": status}
            log(f"  {path}: not available (HTTP {status})")
            continue
        lat = measure.latency(HOST, port, path, headers, samples, warmup=5)
        lat.pop("items", None)
        results[key] = {**lat, "group": group, "available": True, "status": 200}
        log(
            f"  {path}: p50 {fmt(lat['p50_ms'])} ms, p95 {fmt(lat['p95_ms'])} ms, "
            f"p99 {fmt(lat['p99_ms'])} ms, {len(body):,} bytes, non-200 {lat['non_200']}"
        )
    return results


def floors(results: dict[str, Any]) -> dict[str, Any]:
    """Per measured page with a floor: {"p95_ms", "floor_ms", "ok"}."""
    out = {}
    for key, page in results.items():
        floor = FLOORS_MS.get(page["group"])
        if floor is not None and page["available"] and page["p95_ms"] is not None:
            out[key] = {
                "p95_ms": round(page["p95_ms"], 1),
                "floor_ms": floor,
                "ok": page["p95_ms"] <= floor,
            }
    return out


def fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def table(result: dict[str, Any]) -> str:
    rows = [
        "| page | path | p50 ms | p95 ms | p99 ms | floor (p95) | |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for key, page in result["pages"].items():
        floor = FLOORS_MS.get(page["group"])
        if not page["available"]:
            rows.append(
                f"| {key} | `{page['path']}` | not available (HTTP {page['status']}) "
                f"| | | {fmt(floor)} | |"
            )
            continue
        verdict = "" if floor is None else ("ok" if page["p95_ms"] <= floor else "**over**")
        rows.append(
            f"| {key} | `{page['path']}` | {fmt(page['p50_ms'])} | "
            f"{fmt(page['p95_ms'])} | {fmt(page['p99_ms'])} | {fmt(floor)} | {verdict} |"
        )
    return "\n".join(rows)


def run(
    port: int, env: dict[str, str], agent: str, samples: int, log: Any = print
) -> dict[str, Any]:
    """Prepare, sign in, measure: the "ui" result of one backend."""
    t0 = time.perf_counter()
    target = prepare(env, agent)
    log(
        f"ui: signed in as {agent}; conversation {target['conversation_id']} "
        f"({target['conversation_messages']} messages), customer {target['customer_id']} "
        f"({target['customer_conversations']} conversations)"
    )
    headers = sign_in(port, agent, PASSWORD)
    result = {
        "agent": agent,
        "samples": samples,
        "target": target,
        "pages": measure_pages(port, headers, target, samples, log),
    }
    result["floors"] = floors(result["pages"])
    result["wall_s"] = round(time.perf_counter() - t0, 1)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--port", type=int, default=8800, help="the running server, on 127.0.0.1")
    ap.add_argument(
        "--database-url",
        default=os.environ.get("MEHVAR_DATABASE_URL"),
        help="the server's database (default: MEHVAR_DATABASE_URL)",
    )
    ap.add_argument(
        "--var-dir",
        default=os.environ.get("MEHVAR_VAR_DIR"),
        help="the server's MEHVAR_VAR_DIR (default: the environment's)",
    )
    ap.add_argument("--agent", default="bench-leila", help="a seeded agent's username")
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--label", default="", help="free text stored with the result")
    a = ap.parse_args()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="mehvar.settings")
    env.pop("MEHVAR_TEST_DATABASE_URL", None)
    if a.database_url:
        env["MEHVAR_DATABASE_URL"] = a.database_url
    if a.var_dir:
        env["MEHVAR_VAR_DIR"] = a.var_dir
    result = run(a.port, env, a.agent, a.samples)
    result.update(
        kind="mehvar_ui",
        label=a.label,
        run_id=dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ"),
        backend="postgres" if (a.database_url or "").startswith("postgres") else "sqlite",
    )
    print("\n" + table(result))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(result, ensure_ascii=False) + "\n")
    print(f"\nappended to {RESULTS}")
    return 0 if all(item["ok"] for item in result["floors"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
