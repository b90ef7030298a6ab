"""Summaries and the Markdown table for bench/run.py: harness results, floors, peer ratios."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from measure import median

# The floors from issue 2, for PostgreSQL on the 2-core machine.
FLOORS = [
    # key, label, comparison, target, unit
    ("create8_rps", "creates/s at 8 clients", ">=", 300.0, "req/s"),
    ("list_p95_ms", "conversation list page 1 (status=open), p95", "<=", 40.0, "ms"),
    ("c360_p95_ms", "customer 360 (500 messages), p95", "<=", 60.0, "ms"),
    ("rss_worker_mb", "peak RSS per worker", "<=", 200.0, "MB"),
]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def create_summary(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Medians over the runs of each `create` record of the peer harness, by concurrency."""
    out: dict[str, dict[str, Any]] = {}
    for rec in records:
        if rec.get("kind") != "create":
            continue
        runs = rec["runs"]
        errors = sum(
            r.get("bad_status", 0)
            + r.get("err_connect", 0)
            + r.get("err_read", 0)
            + r.get("err_timeout", 0)
            + r.get("errors", 0)
            for r in runs
        )
        out[str(rec["concurrency"])] = {
            "rps": median([r["rps"] for r in runs]),
            "rps_runs": [round(r["rps"], 1) for r in runs],
            "p50_ms": median([r["p50_ms"] for r in runs]),
            "p95_ms": median([r["p95_ms"] for r in runs]),
            "p99_ms": median([r["p99_ms"] for r in runs]),
            "requests": sum(r.get("requests", 0) for r in runs),
            "errors": errors,
            "capped": any(r.get("capped") for r in runs),
            "tool": rec.get("tool"),
            "runs": len(runs),
            "duration_s": rec.get("duration_s"),
        }
    return out


def latency_summary(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The harness's own figure per scenario: the median of the per-run medians (last wins)."""
    out: dict[str, dict[str, Any]] = {}
    for rec in records:
        if rec.get("kind") != "latency":
            continue
        runs = rec["runs"]
        out[rec["scenario"]] = {
            "p50_ms": median([r["p50_ms"] for r in runs]),
            "max_ms": max(r["max_ms"] for r in runs),
            "samples": sum(r["n"] for r in runs),
            "label": rec.get("label"),
        }
    return out


def floors(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    values = {
        "create8_rps": summary.get("create", {}).get("8", {}).get("rps"),
        "list_p95_ms": summary.get("list", {}).get("p95_ms"),
        "c360_p95_ms": summary.get("c360", {}).get("p95_ms"),
        "rss_worker_mb": summary.get("rss", {}).get("worker_max_mb"),
    }
    out = {}
    for key, _label, op, target, _unit in FLOORS:
        value = values[key]
        ok = None if value is None else (value >= target if op == ">=" else value <= target)
        out[key] = {"value": value, "target": target, "op": op, "pass": ok}
    return out


def peer_summary(jsonl: Path) -> dict[str, Any]:
    """Create@1/@8 and the API list page 1 at the largest size from the peer's bench.sh."""
    recs = read_jsonl(jsonl)
    lists = [
        r for r in recs if r.get("kind") == "latency" and r.get("scenario") == "api_list_page1"
    ]
    ui = [r for r in recs if r.get("kind") == "latency" and r.get("scenario") == "ui_list_page1"]
    out: dict[str, Any] = {"file": str(jsonl), "create": create_summary(recs)}
    if lists:
        last = lists[-1]
        out["api_list"] = {
            "label": last.get("label"),
            "p50_ms": median([r["p50_ms"] for r in last["runs"]]),
            "samples": sum(r["n"] for r in last["runs"]),
        }
    if ui:
        out["ui_list"] = {
            "label": ui[-1].get("label"),
            "p50_ms": median([r["p50_ms"] for r in ui[-1]["runs"]]),
        }
    return out


# ------------------------------------------------------------------ table ---
def f(value: float | None, nd: int = 1) -> str:
    return "–" if value is None else f"{value:,.{nd}f}"


def _one_line(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "/")


def _create_cell(c: dict[str, Any] | None) -> str:
    if not c:
        return "–"
    extra = " (capped)" if c.get("capped") else ""
    errs = f", {c['errors']} errors" if c.get("errors") else ""
    return (
        f"**{f(c['rps'])}**{extra} ({f(c['p50_ms'])} / {f(c['p95_ms'])} / {f(c['p99_ms'])}{errs})"
    )


def _lat_cell(lat: dict[str, Any] | None) -> str:
    if not lat or lat.get("p50_ms") is None:
        return "–"
    bad = f", {lat['non_200']} non-200" if lat.get("non_200") else ""
    return f"{f(lat['p50_ms'])} / {f(lat['p95_ms'])}{bad}"


def table(summaries: list[dict[str, Any]]) -> str:
    lines = [
        "| backend | data | seed | create, 1 client: req/s (p50 / p95 / p99 ms) "
        "| create, 8 clients: req/s (p50 / p95 / p99 ms) | list p50 / p95 ms "
        "| customer 360 p50 / p95 ms | peak RSS per worker MB (sum of workers) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in summaries:
        if s.get("error"):
            lines.append(f"| {s['backend']} | failed: {_one_line(s['error'])} | | | | | | |")
            continue
        seed = s.get("seed", {})
        rss = s.get("rss", {})
        lines.append(
            f"| {s['backend']} | {s.get('conversations', 0):,} conv / "
            f"{s.get('messages', 0):,} msg | {f(seed.get('seconds'))} s "
            f"({f(seed.get('conversations_per_s'), 0)} conv/s) "
            f"| {_create_cell(s.get('create', {}).get('1'))} "
            f"| {_create_cell(s.get('create', {}).get('8'))} "
            f"| {_lat_cell(s.get('list'))} | {_lat_cell(s.get('c360'))} "
            f"| {f(rss.get('worker_max_mb'))} ({f(rss.get('workers_sum_max_mb'))}) |"
        )
    ok = [s for s in summaries if not s.get("error")]
    if not ok:
        return "\n".join(lines)
    lines += [
        "",
        "Floors (issue 2: PostgreSQL on this 2-core machine; SQLite shown for reference):",
        "",
        "| floor | target | " + " | ".join(s["backend"] for s in ok) + " |",
        "|---|---|" + "---|" * len(ok),
    ]
    for key, label, op, target, unit in FLOORS:
        cells = []
        for s in ok:
            fl = s["floors"][key]
            verdict = "–" if fl["pass"] is None else ("pass" if fl["pass"] else "**FAIL**")
            cells.append(f"{f(fl['value'])} {verdict}")
        sign = "≥" if op == ">=" else "≤"
        lines.append(f"| {label} | {sign} {f(target, 0)} {unit} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def peer_table(summaries: list[dict[str, Any]]) -> str:
    rows = [s for s in summaries if s.get("peer")]
    if not rows:
        return ""
    lines = [
        "| backend | peer create@8 req/s | Mehvar create@8 req/s | ratio Mehvar/peer "
        "| peer API list page 1 p50 | Mehvar list page 1 p50 | ratio Mehvar/peer |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in rows:
        peer = s["peer"]
        if peer.get("error"):
            lines.append(
                f"| {s['backend']} | peer run failed: {_one_line(peer['error'])} | | | | | |"
            )
            continue
        r = s.get("ratios", {})
        pc = peer.get("create", {}).get("8", {})
        pl = peer.get("api_list", {})
        ml = s.get("harness_latency", {}).get("api_list_page1", {})
        lines.append(
            f"| {s['backend']} | {f(pc.get('rps'))} | {f(s['create'].get('8', {}).get('rps'))} "
            f"| {f(r.get('create8'), 2)}× | {f(pl.get('p50_ms'))} ms ({pl.get('label', '')}) "
            f"| {f(ml.get('p50_ms'))} ms ({s.get('conversations', 0):,} conversations) "
            f"| {f(r.get('list_p50'), 5)} "
            f"(peer {f(r.get('list_speedup'), 0)}× slower) |"
        )
    return "\n".join(lines)


def ratios(summary: dict[str, Any]) -> dict[str, float | None]:
    peer = summary.get("peer") or {}
    m_create = summary.get("create", {}).get("8", {}).get("rps")
    p_create = peer.get("create", {}).get("8", {}).get("rps")
    m_list = summary.get("harness_latency", {}).get("api_list_page1", {}).get("p50_ms")
    p_list = peer.get("api_list", {}).get("p50_ms")
    return {
        "create8": m_create / p_create if m_create and p_create else None,
        "list_p50": m_list / p_list if m_list and p_list else None,
        "list_speedup": p_list / m_list if m_list and p_list else None,
    }
