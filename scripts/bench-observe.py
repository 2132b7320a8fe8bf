#!/usr/bin/env python3
"""Benchmarks for seeing and steering a server (issue 5), against a real release binary.

  stream     1,000 jobs running at once, each streaming a line every 50 ms, with
             SSE followers attached; reports the server's event-loop lag p95/p99
             from its own probe (GET /v1/stats).
  dashboard  seeds N finished jobs (default 1,000,000), then times every request
             each dashboard page makes, cold and warm, and reports the slowest page.
  overhead   no-op throughput with and without a dashboard and a Prometheus
             scraper polling the server, to price /metrics and the dashboard.

Usage: scripts/bench-observe.py [stream|dashboard|overhead|all] [--bin PATH] [--jobs N]
Only the standard library is used, so it runs wherever python3 does.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request


class Server:
    """A real `offload server` on a fresh data directory, stopped on exit."""

    def __init__(self, binary, args):
        self.data = tempfile.mkdtemp(prefix="offload-bench-")
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        cmd = [binary, "server", "--data", self.data, "--listen", f"127.0.0.1:{port}", *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.token = None
        self.wait_ready()

    def wait_ready(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1).read()
                self.token = open(os.path.join(self.data, "token")).read().strip()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not become healthy within 30 s")

    def call(self, method, path, body=None, timeout=30):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.read()

    def json(self, method, path, body=None):
        return json.loads(self.call(method, path, body) or b"null")

    def env(self):
        return {**os.environ, "OFFLOAD_URL": self.url, "OFFLOAD_TOKEN": self.token}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        subprocess.run(["rm", "-rf", self.data], check=False)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def submit_batch(server, specs):
    for start in range(0, len(specs), 500):
        server.json("POST", "/v1/jobs/batch", {"jobs": specs[start:start + 500]})


def running(server):
    queues = server.json("GET", "/v1/queues")["queues"]
    return sum(q["counts"].get("running", 0) for q in queues)


def follow_sse(server, job_id, stop, counts):
    """Reads one job's event stream until told to stop, counting lines."""
    req = urllib.request.Request(f"{server.url}/v1/jobs/{job_id}/events")
    req.add_header("Authorization", f"Bearer {server.token}")
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            for _ in resp:
                counts[job_id] = counts.get(job_id, 0) + 1
                if stop.is_set():
                    return
    except OSError:
        pass


def bench_stream(binary, jobs, followers, tier):
    # One process per job that prints without forking: a shell loop would exec
    # `sleep` 20 times a second per job, and 20,000 execs a second would measure
    # the host's fork rate, not the server.
    script = '$|=1; for (1..400) { print "line $_ of a streaming job\\n"; select(undef,undef,undef,0.05) }'
    spec = {"command": ["perl", "-e", script], "timeout": "120s"}
    with Server(binary, ["--workers", str(jobs), "--max-tier", tier]) as server:
        submit_batch(server, [spec] * jobs)
        ids = [j["id"] for j in server.json("GET", f"/v1/jobs?limit={min(followers, 500)}")["jobs"]] \
            if followers else []
        stop, counts = threading.Event(), {}
        threads = [threading.Thread(target=follow_sse, args=(server, i, stop, counts), daemon=True) for i in ids]
        for t in threads:
            t.start()
        deadline, peak = time.time() + 60, 0
        while time.time() < deadline and peak < jobs:
            peak = max(peak, running(server))
            time.sleep(0.2)
        # The probe's window is its last 1,024 samples at 10 ms, about 10 s: wait one
        # whole window with every job running, then read it.
        time.sleep(11)
        still = running(server)
        lag = server.json("GET", "/v1/stats")["event_loop_lag"]
        stop.set()
    print(f"stream: {jobs} jobs streaming 20 lines/s each ({jobs * 20} lines/s), "
          f"{len(ids)} SSE followers, tier {tier}")
    print(f"  running at peak {peak}, still running at the reading {still}")
    print(f"  event-loop lag p95 {lag['p95'] * 1000:.2f} ms, p99 {lag['p99'] * 1000:.2f} ms "
          f"over {lag['samples']} samples")
    print(f"  SSE lines received {sum(counts.values())}")


def seed(binary, server, jobs):
    t0 = time.time()
    subprocess.run([binary, "bench", "--noop", "--jobs", str(jobs), "--concurrency", "4",
                    "--batch", "1000"], env=server.env(), check=True, stdout=subprocess.DEVNULL)
    failing = [{"command": ["sh", "-c", "exit 3"], "labels": {"team": "a"}}] * 200
    submit_batch(server, failing)
    print(f"  seeded {jobs} no-op jobs and 200 failing ones in {time.time() - t0:.0f} s")


PAGES = {
    "overview": ["/", "/ui/app.js", "/v1/stats", "/v1/queues"],
    "jobs": ["/v1/jobs?limit=50"],
    "jobs?state=failed": ["/v1/jobs?state=failed&limit=50"],
    "jobs?label=team=a": ["/v1/jobs?label=team%3Da&limit=50"],
    "jobs?queue=default,older": ["/v1/jobs?queue=default&limit=50&before=500000"],
    "job detail": ["/v1/jobs/{id}", "/v1/jobs/{id}/output"],
    "queues": ["/v1/queues"],
    "dead letters": ["/v1/dead?limit=100"],
    "workers": ["/v1/stats"],
}


def time_page(server, paths, job_id):
    t0 = time.perf_counter()
    for path in paths:
        try:
            server.call("GET", path.replace("{id}", str(job_id)))
        except urllib.error.HTTPError as err:
            if err.code not in (401, 404):
                raise
    return (time.perf_counter() - t0) * 1000


def bench_dashboard(binary, jobs):
    with Server(binary, ["--workers", "16", "--retention", "30d"]) as server:
        seed(binary, server, jobs)
        job_id = server.json("GET", "/v1/jobs?limit=1")["jobs"][0]["id"] // 2
        # One untimed pass first: right after a million inserts SQLite is still
        # checkpointing its WAL, which is the seeding's cost, not a page's.
        for paths in PAGES.values():
            time_page(server, paths, job_id)
        print(f"dashboard: {jobs} jobs in history; ms per page (all its requests, sequential)")
        worst = 0.0
        for page, paths in PAGES.items():
            times = [time_page(server, paths, job_id) for _ in range(20)]
            worst = max(worst, max(times[1:]))
            print(f"  {page:28} first {times[0]:7.1f}  median {statistics.median(times):6.1f}  "
                  f"max {max(times[1:]):6.1f}")
        print(f"  slowest warm page load: {worst:.1f} ms")


def scrape_loop(server, stop):
    while not stop.is_set():
        for path in ("/metrics", "/v1/stats", "/v1/queues", "/v1/jobs?limit=50"):
            server.call("GET", path)
        stop.wait(1.0)


def noop_rate(binary, jobs, watched):
    with Server(binary, ["--workers", "256"]) as server:
        stop = threading.Event()
        watchers = [threading.Thread(target=scrape_loop, args=(server, stop), daemon=True)
                    for _ in range(watched)]
        for t in watchers:
            t.start()
        out = subprocess.run([binary, "bench", "--noop", "--jobs", str(jobs), "--concurrency", "4",
                              "--batch", "500"], env=server.env(), check=True,
                             capture_output=True, text=True).stdout
        stop.set()
    line = next(line for line in out.splitlines() if line.strip().startswith("finish:"))
    return float(line.split()[1])


def bench_overhead(binary, jobs, rounds=3):
    plain, watched = [], []
    for _ in range(rounds):
        plain.append(noop_rate(binary, jobs, 0))
        watched.append(noop_rate(binary, jobs, 2))
    p, w = statistics.median(plain), statistics.median(watched)
    print(f"overhead: {jobs} no-op jobs, {rounds} alternating rounds, median jobs/s")
    print(f"  plain {p:,.0f}   with two dashboards + scraper polling every 1 s {w:,.0f}   "
          f"cost {100 * (p - w) / p:.1f} %")
    print(f"  rounds plain {plain} watched {watched}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("which", nargs="?", default="all")
    ap.add_argument("--bin", default="target/release/offload")
    ap.add_argument("--jobs", type=int)
    ap.add_argument("--followers", type=int, default=100)
    ap.add_argument("--tier", default="t0")
    a = ap.parse_args()
    if a.which in ("stream", "all"):
        bench_stream(a.bin, a.jobs or 1000, a.followers, a.tier)
    if a.which in ("dashboard", "all"):
        bench_dashboard(a.bin, a.jobs or 1_000_000)
    if a.which in ("overhead", "all"):
        bench_overhead(a.bin, a.jobs or 30000)


if __name__ == "__main__":
    main()
