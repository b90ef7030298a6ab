"""Mehvar benchmarks (`make bench`): seed, serve under gunicorn, measure, print one table.

    .venv/bin/python bench/run.py                         # SQLite and PostgreSQL, 100k
    .venv/bin/python bench/run.py --backends sqlite --quick --conversations 2000   # smoke
    .venv/bin/python bench/run.py --with-peer             # + django-helpdesk side by side

For each backend: a fresh database (SQLite file under var/bench/<backend>/, or the
PostgreSQL database named by --pg-url, dropped and created again), `mehvar migrate`,
bench/seed.py (--conversations, default 100,000 with 1,000,000 messages), then
`mehvar serve` (gunicorn, 2 sync workers, 127.0.0.1:8800) and:

1. own latency: --samples sequential GETs (after 5 unrecorded ones) of the conversation
   list page 1 with a filter (`?status=open&limit=25`) and of the customer 360 of the seeded
   customer with 500 messages; p50/p95/p99;
2. the peer harness (../shared/peers/django-helpdesk/bench.py, or MEHVAR_PEER_DIR) with
   bench/profiles/mehvar.json: `latency` (the same two GETs, the peer's method), then
   `create --concurrency 1,8` (closed-loop POST /api/v1/conversations with wrk, or Python
   threads when wrk is missing and cannot be installed);
3. the RSS of the gunicorn master and of each worker, sampled every 0.2 s from start to stop;
4. the agent UI's pages with a signed-in session (bench/ui.py: inbox views, conversation,
   customer 360, search; --samples sequential GETs each; `--no-ui` skips, `--ui-only` skips
   the peer harness).

The server is stopped (its process group) after each backend and on any exit. Raw results
go to var/bench/results.jsonl (one summary line per backend, plus the harness's lines in
var/bench/<backend>/harness.jsonl); the table is printed and written to var/bench/report.md.
`--with-peer` then runs the peer's own bench.sh for the same backend (8–10 min each) and
prints the ratios Mehvar/peer for create@8 and for the API list page 1.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import measure
import report
import ui

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
VAR = REPO / "var" / "bench"
PROFILE = BENCH / "profiles" / "mehvar.json"
HOST = "127.0.0.1"


def peer_dir(arg: str | None) -> Path:
    given = arg or os.environ.get("MEHVAR_PEER_DIR")
    return (
        Path(given).resolve()
        if given
        else (REPO / ".." / "shared" / "peers" / "django-helpdesk").resolve()
    )


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


# ----------------------------------------------------------------- set-up ---
def pick_tool(requested: str) -> str:
    """wrk when present (installed with apt-get when possible), else Python threads."""
    if requested != "auto":
        return requested
    if shutil.which("wrk"):
        return "wrk"
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk not found: apt-get install -y wrk")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for cmd in (
            ["apt-get", "install", "-y", "-qq", "wrk"],
            ["sh", "-c", "apt-get update -qq && apt-get install -y -qq wrk"],
        ):
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                subprocess.run(
                    cmd,
                    env=env,
                    timeout=300,
                    check=False,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            if shutil.which("wrk"):
                return "wrk"
    log("wrk not available: the create load uses the harness's Python threads (--tool python)")
    return "python"


def pg_params(url: str, dbname: str | None = None) -> dict[str, Any]:
    u = urlparse(url)
    return {
        "host": u.hostname or HOST,
        "port": u.port or 5432,
        "user": u.username or "postgres",
        "password": u.password or None,
        "dbname": dbname or u.path.lstrip("/"),
        "connect_timeout": 10,
    }


def pg_recreate(url: str, *, create: bool = True) -> None:
    """Drop the benchmark database (and create it again) through the `postgres` database."""
    import psycopg
    from psycopg import sql

    name = pg_params(url)["dbname"]
    if not name or name in {"postgres", "template0", "template1"}:
        raise SystemExit(f"refusing to drop database {name!r}: name a benchmark database")
    with psycopg.connect(**pg_params(url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if create:
            conn.execute(
                sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(
                    sql.Identifier(name)
                )
            )


def pg_version(url: str) -> str:
    import psycopg

    with psycopg.connect(**pg_params(url, "postgres")) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


# ---------------------------------------------------------------- backend ---
class Backend:
    def __init__(self, name: str, a: argparse.Namespace, tool: str, run_id: str) -> None:
        self.name = name
        self.a = a
        self.tool = tool
        self.run_id = run_id
        self.dir = VAR / name
        self.state_file = self.dir / "state.json"
        self.harness_out = self.dir / "harness.jsonl"
        if name == "sqlite":
            self.db_file = self.dir / "mehvar.sqlite3"
            self.url = f"sqlite:///{self.db_file}"
        else:
            self.db_file = None
            self.url = a.pg_url
        self.env = dict(
            os.environ,
            MEHVAR_VAR_DIR=str(self.dir),
            MEHVAR_DATABASE_URL=self.url,
            MEHVAR_BIND=f"{HOST}:{a.port}",
            MEHVAR_WEB_WORKERS=str(a.workers),
            MEHVAR_DEBUG="0",
            DJANGO_SETTINGS_MODULE="mehvar.settings",
            MEHVAR_PEER_DIR=str(a.peer),
            PYTHONUNBUFFERED="1",
        )
        self.env.pop("MEHVAR_TEST_DATABASE_URL", None)
        self.mehvar = str(Path(sys.executable).parent / "mehvar")

    # -- database ------------------------------------------------------------
    def fresh_database(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        for stale in (self.state_file, self.harness_out):
            stale.unlink(missing_ok=True)
        if self.db_file is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.db_file}{suffix}").unlink(missing_ok=True)
        else:
            try:
                pg_recreate(self.url)
            except Exception as error:  # psycopg's errors: unreachable server, rights, ...
                raise RuntimeError(f"cannot recreate the PostgreSQL database: {error}") from error
        log(f"{self.name}: migrate")
        with (self.dir / "setup.log").open("w") as fh:
            rc = measure.run(
                [self.mehvar, "migrate", "--noinput", "-v", "0"],
                env=self.env,
                cwd=REPO,
                timeout=600,
                log=fh,
            )
        if rc:
            raise RuntimeError(f"migrate failed (rc {rc}); see {self.dir / 'setup.log'}")

    def seed(self) -> dict[str, Any]:
        log(f"{self.name}: seed {self.a.conversations:,} conversations")
        cmd = [
            sys.executable,
            str(BENCH / "seed.py"),
            "--conversations",
            str(self.a.conversations),
            "--state",
            str(self.state_file),
        ]
        if self.a.customers:
            cmd += ["--customers", str(self.a.customers)]
        rc = measure.run(cmd, env=self.env, cwd=REPO, timeout=self.a.seed_timeout)
        if rc:
            raise RuntimeError(f"seed failed (rc {rc})")
        return json.loads(self.state_file.read_text(encoding="utf-8"))

    def drop(self) -> None:
        if self.db_file is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.db_file}{suffix}").unlink(missing_ok=True)
        else:
            with contextlib.suppress(Exception):
                pg_recreate(self.url, create=False)

    # -- measuring -----------------------------------------------------------
    def harness(
        self, state: dict[str, Any], pid: int, args: list[str], timeout: float, label: str
    ) -> None:
        env = dict(
            self.env,
            MEHVAR_BENCH_TOKEN=state["token"],
            MEHVAR_BENCH_HEAVY_ID=str(state["heavy_customer_id"]),
            MEHVAR_BENCH_BASE_URL=f"http://{HOST}:{self.a.port}",
        )
        cmd = [
            sys.executable,
            str(self.a.peer / "bench.py"),
            "--profile",
            str(PROFILE),
            "--out",
            str(self.harness_out),
            "--label",
            label,
            "--server-pid",
            str(pid),
            *args,
        ]
        rc = measure.run(cmd, env=env, cwd=REPO, timeout=timeout)
        if rc:
            raise RuntimeError(f"peer harness failed (rc {rc}): {' '.join(args[:1])}")

    def preflight(self, state: dict[str, Any], paths: dict[str, str]) -> None:
        """One request per measured endpoint, so a missing or broken endpoint fails clearly."""
        headers = {"Authorization": f"Bearer {state['token']}"}
        for path in paths.values():
            status, body, _ = measure.http_get(HOST, self.a.port, path, headers)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
        spec = json.loads(PROFILE.read_text(encoding="utf-8"))["create"]
        body = json.dumps(spec["json"], ensure_ascii=False)
        for key, value in (
            ("title", "Preflight"),
            ("body", "Preflight check."),
            ("email", "preflight@example.com"),
            ("lang", "en"),
        ):
            body = body.replace("{" + key + "}", value)
        status, data = measure.http_post_json(HOST, self.a.port, spec["path"], headers, body)
        if status not in spec["expect"]:
            raise RuntimeError(f"POST {spec['path']} answered {status}: {data[:300]!r}")

    def measure_server(self, state: dict[str, Any]) -> dict[str, Any]:
        a = self.a
        if measure.port_in_use(HOST, a.port):
            raise RuntimeError(f"{HOST}:{a.port} is already in use; pick another --port")
        server_log = (self.dir / "server.log").open("w")
        log(f"{self.name}: mehvar serve ({a.workers} workers on {HOST}:{a.port})")
        server = measure.start(
            [self.mehvar, "serve", "--timeout", "600"], env=self.env, cwd=REPO, log=server_log
        )
        sampler = None
        out: dict[str, Any] = {}
        try:
            measure.wait_http_ok(
                HOST, a.port, "/healthz", timeout=120, alive=lambda: server.poll() is None
            )
            sampler = measure.WorkerRss(server.pid)
            out["rss_idle"] = sampler.snapshot()
            sampler.start()
            headers = {"Authorization": f"Bearer {state['token']}"}
            paths = {
                "list": "/api/v1/conversations?status=open&limit=25",
                "c360": f"/api/v1/customers/{state['heavy_customer_id']}/360",
            }
            self.preflight(state, paths)
            for key, path in paths.items():
                log(f"{self.name}: {a.samples} sequential GET {path}")
                out[key] = measure.latency(HOST, a.port, path, headers, a.samples, warmup=5)
                lat = out[key]
                log(
                    f"  p50 {report.f(lat['p50_ms'])} ms, p95 {report.f(lat['p95_ms'])} ms, "
                    f"p99 {report.f(lat['p99_ms'])} ms, non-200: {lat['non_200']}, "
                    f"items {lat['items']}"
                )
            if not a.no_ui:
                log(f"{self.name}: UI pages (bench/ui.py), {a.samples} sequential GETs each")
                try:
                    out["ui"] = ui.run(a.port, self.env, a.ui_agent, a.samples, log=log)
                except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as error:
                    log(f"{self.name}: UI measurement FAILED: {error}")
                    out["ui"] = {"error": str(error)}
            if a.ui_only:
                return out
            label = f"mehvar {self.name} {state['conversations']}"
            log(f"{self.name}: peer harness latency")
            self.harness(
                state,
                server.pid,
                [
                    "latency",
                    "--runs",
                    str(a.runs),
                    "--samples",
                    str(a.lat_samples),
                    "--budget",
                    str(a.lat_budget),
                ],
                timeout=2 * (a.runs * a.lat_budget + 120) + 120,
                label=label,
            )
            log(f"{self.name}: peer harness create --concurrency 1,8 ({self.tool})")
            self.harness(
                state,
                server.pid,
                [
                    "create",
                    "--concurrency",
                    "1,8",
                    "--runs",
                    str(a.runs),
                    "--duration",
                    str(a.duration),
                    "--warmup",
                    str(a.warmup),
                    "--tool",
                    self.tool,
                ],
                timeout=2 * (a.warmup + a.runs * (a.duration + 150)) + 120,
                label=label,
            )
        finally:
            if sampler is not None:
                out["rss"] = sampler.stop()
            measure.kill_group(server)
            server_log.close()
            log(f"{self.name}: server stopped")
        return out

    def run_peer(self) -> dict[str, Any]:
        """The peer's own end-to-end bench.sh for this backend (installs into /tmp)."""
        results = VAR / f"peer-{self.name}-{self.run_id}"
        env = dict(os.environ, RESULTS=str(results))
        if self.a.quick:
            env["QUICK"] = "1"
        log(f"{self.name}: peer bench.sh (django-helpdesk; {'1' if self.a.quick else '8-10'} min)")
        with (VAR / f"peer-{self.name}-{self.run_id}.log").open("w") as fh:
            rc = measure.run(
                ["bash", str(self.a.peer / "bench.sh"), self.name],
                env=env,
                cwd=self.a.peer,
                timeout=self.a.peer_timeout,
                log=fh,
            )
        if rc:
            raise RuntimeError(f"peer bench.sh failed (rc {rc}); see {fh.name}")
        return report.peer_summary(Path(f"{results}.jsonl"))

    def run(self) -> dict[str, Any]:
        s: dict[str, Any] = {
            "kind": "mehvar_summary",
            "run_id": self.run_id,
            "backend": self.name,
            "tool": self.tool,
        }
        t0 = time.perf_counter()
        try:
            if self.a.reuse_db and self.state_file.exists():
                log(f"{self.name}: reusing the database seeded earlier ({self.state_file})")
                state = json.loads(self.state_file.read_text(encoding="utf-8"))
                self.harness_out.unlink(missing_ok=True)
            else:
                self.fresh_database()
                state = self.seed()
            s.update(
                conversations=state["conversations"],
                messages=state["messages"],
                customers=state["customers"],
                heavy_customer_id=state["heavy_customer_id"],
                heavy_customer_messages=state["heavy_customer_messages"],
                seed={
                    k: state[k] for k in ("seconds", "conversations_per_s", "rows_per_s", "rows")
                },
            )
            s.update(self.measure_server(state))
            recs = report.read_jsonl(self.harness_out)
            s["create"] = report.create_summary(recs)
            s["harness_latency"] = report.latency_summary(recs)
            s["floors"] = report.floors(s)
        except (RuntimeError, OSError, json.JSONDecodeError, KeyError) as error:
            log(f"{self.name}: FAILED: {error}")
            s["error"] = str(error)
        if self.a.with_peer and not s.get("error"):
            try:
                s["peer"] = self.run_peer()
                s["ratios"] = report.ratios(s)
            except (RuntimeError, OSError) as error:
                log(f"{self.name}: peer run FAILED: {error}")
                s["peer"] = {"error": str(error)}
        if not self.a.keep_db and not self.a.reuse_db:
            self.drop()
        s["wall_s"] = round(time.perf_counter() - t0, 1)
        return s


# ------------------------------------------------------------------- main ---
def meta(a: argparse.Namespace, tool: str) -> dict[str, Any]:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    info = {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "kernel": platform.release(),
        "tool": tool,
    }
    with contextlib.suppress(Exception):
        import django
        import gunicorn

        info.update(django=django.get_version(), gunicorn=gunicorn.__version__)
    if tool == "wrk":
        with contextlib.suppress(Exception):
            info["wrk"] = subprocess.run(
                ["wrk", "-v"], capture_output=True, text=True, timeout=10
            ).stdout.splitlines()[0]
    if "postgres" in a.backends:
        with contextlib.suppress(Exception):
            info["postgres"] = pg_version(a.pg_url)
    return info


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--backends", default="sqlite,postgres", help="comma list: sqlite,postgres")
    ap.add_argument(
        "--pg-url",
        default="postgres://postgres@127.0.0.1:5432/mehvar_bench",
        help="benchmark database; dropped and created again",
    )
    ap.add_argument("--conversations", type=int, help="default 100,000 (10,000 with --quick)")
    ap.add_argument("--customers", type=int, help="default conversations / 5")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 10,000 conversations, 1 short run per measurement",
    )
    ap.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    ap.add_argument("--runs", type=int, help="harness runs per measurement (3; quick 1)")
    ap.add_argument("--duration", type=int, help="seconds per create run (15; quick 5)")
    ap.add_argument("--warmup", type=int, help="unrecorded create load, s (3; quick 1)")
    ap.add_argument("--samples", type=int, help="own sequential GETs per endpoint (200; quick 50)")
    ap.add_argument("--port", type=int, default=8800)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--peer-dir",
        help="peer harness folder (default ../shared/peers/django-helpdesk, or MEHVAR_PEER_DIR)",
    )
    ap.add_argument(
        "--with-peer",
        action="store_true",
        help="also run the peer's bench.sh per backend and print ratios",
    )
    ap.add_argument("--keep-db", action="store_true", help="keep the seeded databases")
    ap.add_argument(
        "--reuse-db",
        action="store_true",
        help="measure the databases kept by an earlier --keep-db run (no seeding)",
    )
    ap.add_argument("--no-ui", action="store_true", help="skip the UI pages (bench/ui.py)")
    ap.add_argument(
        "--ui-only",
        action="store_true",
        help="measure the UI pages and the API reads only: no peer harness",
    )
    ap.add_argument("--ui-agent", default="bench-leila", help="seeded agent the UI signs in as")
    ap.add_argument("--seed-timeout", type=float, default=3600)
    ap.add_argument("--peer-timeout", type=float, default=1800)
    a = ap.parse_args()
    a.backends = [b.strip() for b in a.backends.split(",") if b.strip()]
    bad = set(a.backends) - {"sqlite", "postgres"}
    if bad:
        ap.error(f"unknown backend(s): {', '.join(sorted(bad))}")
    quick = a.quick
    a.conversations = a.conversations or (10_000 if quick else 100_000)
    a.runs = a.runs or (1 if quick else 3)
    a.duration = a.duration or (5 if quick else 15)
    a.warmup = a.warmup if a.warmup is not None else (1 if quick else 3)
    a.samples = a.samples or (50 if quick else 200)
    a.lat_samples, a.lat_budget = (5, 5) if quick else (10, 20)
    a.peer = peer_dir(a.peer_dir)
    if not (a.peer / "bench.py").is_file():
        ap.error(f"peer harness not found in {a.peer} (set --peer-dir or MEHVAR_PEER_DIR)")
    return a


def main() -> int:
    a = parse_args()
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    atexit.register(measure.kill_all)
    VAR.mkdir(parents=True, exist_ok=True)
    run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    tool = pick_tool(a.tool)
    info = meta(a, tool)
    log(
        f"run {run_id}: backends {','.join(a.backends)}, {a.conversations:,} conversations, "
        f"tool {tool}, peer harness {a.peer}"
    )
    summaries = []
    try:
        for name in a.backends:
            summary = Backend(name, a, tool, run_id).run()
            summary["meta"] = info
            summaries.append(summary)
            with (VAR / "results.jsonl").open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(summary, ensure_ascii=False) + "\n")
    finally:
        measure.kill_all()
    text = [
        f"## Mehvar benchmark {run_id}",
        "",
        f"{info['cpus']} CPUs ({info['cpu']}), Python {info['python']}, "
        f"SQLite {info['sqlite']}, PostgreSQL {info.get('postgres', '–')}, "
        f"Django {info.get('django', '?')}, gunicorn {info.get('gunicorn', '?')} "
        f"({a.workers} sync workers), load tool {tool}; create: {a.runs} x {a.duration} s "
        f"per concurrency (medians); reads: {a.samples} sequential requests.",
        "",
        report.table(summaries),
    ]
    for s in summaries:
        if s.get("ui", {}).get("pages"):
            text += [
                "",
                f"UI pages, {s['backend']} (signed in as {s['ui']['agent']}):",
                "",
                ui.table(s["ui"]),
            ]
        elif s.get("ui", {}).get("error"):
            text += ["", f"UI pages, {s['backend']}: failed: {s['ui']['error'][:300]}"]
    peer = report.peer_table(summaries)
    if peer:
        text += [
            "",
            "Side by side with django-helpdesk 2.6.1 (its bench.sh, same machine, same hour):",
            "",
            peer,
        ]
    out = "\n".join(text) + "\n"
    print("\n" + out)
    (VAR / "report.md").write_text(out, encoding="utf-8")
    log(f"raw results: {VAR / 'results.jsonl'}, table: {VAR / 'report.md'}")
    return 1 if any(s.get("error") for s in summaries) else 0


if __name__ == "__main__":
    sys.exit(main())
