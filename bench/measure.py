"""Measuring helpers for bench/run.py: sequential HTTP latency, worker RSS, child processes.

Standard library only. The server under test is a gunicorn master with sync workers, which
closes every connection, so each request here opens its own connection (as the peer
harness does).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import statistics
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO


# ------------------------------------------------------------------ stats ---
def pct(values: Sequence[float], p: float) -> float | None:
    """Percentile with linear interpolation between closest ranks (p in 0..100)."""
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    f = int(k)
    c = min(f + 1, len(s) - 1)
    return s[f] + (s[c] - s[f]) * (k - f)


def median(values: Sequence[float | None]) -> float | None:
    xs = [x for x in values if x is not None]
    return statistics.median(xs) if xs else None


# ------------------------------------------------------------------- http ---
def http_get(
    host: str, port: int, path: str, headers: dict[str, str], timeout: float = 60
) -> tuple[int, bytes, float]:
    """One GET on a fresh connection; returns (status, body, seconds)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    h = {"Connection": "close", "Accept": "application/json", **headers}
    t0 = time.perf_counter()
    try:
        conn.request("GET", path, headers=h)
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    return resp.status, body, time.perf_counter() - t0


def http_post_json(
    host: str, port: int, path: str, headers: dict[str, str], body: str, timeout: float = 60
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    h = {
        "Connection": "close",
        "Accept": "application/json",
        "Content-Type": "application/json",
        **headers,
    }
    try:
        conn.request("POST", path, body=body.encode("utf-8"), headers=h)
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    return resp.status, data


def wait_http_ok(host: str, port: int, path: str, timeout: float, alive: Any = None) -> None:
    """Poll until GET path answers 200; `alive()` returning False aborts early."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise RuntimeError(f"server exited before {path} answered")
        try:
            status, _, _ = http_get(host, port, path, {}, timeout=5)
            if status == 200:
                return
            last = f"HTTP {status}"
        except OSError as error:
            last = error
        time.sleep(0.3)
    raise RuntimeError(f"{path} did not answer 200 within {timeout:.0f} s (last: {last})")


def port_in_use(host: str, port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, port)) == 0


def latency(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    samples: int,
    warmup: int,
    timeout: float = 60,
) -> dict[str, Any]:
    """Sequential single-client latency: `warmup` unrecorded requests, then `samples`."""
    for _ in range(warmup):
        http_get(host, port, path, headers, timeout)
    times, bad, size, items = [], 0, 0, None
    for _ in range(samples):
        status, body, secs = http_get(host, port, path, headers, timeout)
        if status != 200:
            bad += 1
            continue
        times.append(secs * 1000)
        size = len(body)
        if items is None:
            items = _item_count(body)
    return {
        "path": path,
        "n": len(times),
        "non_200": bad,
        "bytes": size,
        "items": items,
        "p50_ms": pct(times, 50),
        "p95_ms": pct(times, 95),
        "p99_ms": pct(times, 99),
        "max_ms": max(times) if times else None,
        "mean_ms": statistics.fmean(times) if times else None,
    }


def _item_count(body: bytes) -> Any:
    """A rough size of the answer: the length of each top-level list in the JSON."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, dict):
        counts = {}
        for key, value in data.items():
            if isinstance(value, dict) and isinstance(value.get("items"), list):
                value = value["items"]
            if isinstance(value, list):
                counts[key] = len(value)
        return counts or None
    return len(data) if isinstance(data, list) else None


# -------------------------------------------------------------------- RSS ---
def _children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", encoding="ascii", errors="replace") as fh:
                st = fh.read()
            if int(st[st.rindex(")") + 2 :].split()[1]) == pid:
                out.append(int(d))
        except (OSError, ValueError, IndexError):
            continue
    return out


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0


class WorkerRss(threading.Thread):
    """Samples the RSS of a gunicorn master and each of its workers every `interval` s."""

    def __init__(self, master_pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.master = master_pid
        self.interval = interval
        self.worker_max_mb = 0.0  # largest single worker at any sample
        self.workers_sum_max_mb = 0.0  # largest sum over the workers at one sample
        self.master_max_mb = 0.0
        self.workers_seen: set[int] = set()
        self.samples = 0
        self._halt = threading.Event()

    def snapshot(self) -> dict[str, Any]:
        workers = {pid: rss_mb(pid) for pid in _children(self.master)}
        return {
            "master_mb": rss_mb(self.master),
            "workers_mb": sorted(workers.values()),
            "workers": len(workers),
        }

    def run(self) -> None:
        while not self._halt.is_set():
            workers = {pid: rss_mb(pid) for pid in _children(self.master)}
            self.workers_seen.update(workers)
            if workers:
                self.worker_max_mb = max(self.worker_max_mb, *workers.values())
                self.workers_sum_max_mb = max(self.workers_sum_max_mb, sum(workers.values()))
            self.master_max_mb = max(self.master_max_mb, rss_mb(self.master))
            self.samples += 1
            self._halt.wait(self.interval)

    def stop(self) -> dict[str, Any]:
        self._halt.set()
        self.join(timeout=5)
        return {
            "worker_max_mb": round(self.worker_max_mb, 1),
            "workers_sum_max_mb": round(self.workers_sum_max_mb, 1),
            "master_max_mb": round(self.master_max_mb, 1),
            "worker_pids_seen": len(self.workers_seen),
            "samples": self.samples,
        }


# ------------------------------------------------------------- processes ---
LIVE: set[subprocess.Popen[Any]] = set()


def kill_group(proc: subprocess.Popen[Any], grace: float = 15) -> None:
    """SIGTERM the child's process group, then SIGKILL what is left after `grace` s."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    else:  # the leader is gone; make sure its group is too
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    LIVE.discard(proc)


def kill_all() -> None:
    for proc in list(LIVE):
        kill_group(proc, grace=5)


def start(
    cmd: Sequence[str], *, env: dict[str, str], cwd: Path, log: TextIO | None = None
) -> subprocess.Popen[Any]:
    """Start a child in its own session (process group) and remember it for clean-up."""
    proc = subprocess.Popen(
        list(cmd),
        env=env,
        cwd=cwd,
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT if log else None,
    )
    LIVE.add(proc)
    return proc


def run(
    cmd: Sequence[str], *, env: dict[str, str], cwd: Path, timeout: float, log: TextIO | None = None
) -> int:
    """Run a child to completion within `timeout` s; kill its whole group otherwise."""
    proc = start(cmd, env=env, cwd=cwd, log=log)
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise RuntimeError(f"timed out after {timeout:.0f} s: {' '.join(cmd)}") from None
    finally:
        if proc.poll() is None:
            kill_group(proc)
        LIVE.discard(proc)
    return rc
