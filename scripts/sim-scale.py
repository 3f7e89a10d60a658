#!/usr/bin/env python3
"""Per-request cost of `okta-contract serve` at several org sizes (1k, 10k, 100k devices).

Usage: cargo build -p okta-contract && python3 scripts/sim-scale.py [path/to/okta-contract]
Prints, per size, the median of 60 requests for the first page, a search and one GET, then the
median and last page time of listing every device at limit=200.
"""
import json, re, statistics, subprocess, sys, time, urllib.request

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/debug/okta-contract"
TOKEN = "scale-token-123456"


def start(n):
    p = subprocess.Popen([BIN, "serve", "--port", "0", "--token", TOKEN, "--devices", str(n)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return p, p.stdout.readline().strip().split()[-1]


def get(url):
    r = urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": f"SSWS {TOKEN}"}))
    return r, r.read()


def timed(url, n=60):
    ts = []
    for _ in range(n):
        t = time.perf_counter(); get(url); ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1000


for n in [1000, 10000, 100000]:
    p, base = start(n)
    try:
        first = json.loads(get(base + "/api/v1/devices?limit=1")[1])[0]["id"]
        row = {
            "first page": timed(base + "/api/v1/devices?limit=20"),
            "search": timed(base + "/api/v1/devices?limit=20&search=status%20eq%20%22ACTIVE%22"),
            "get one": timed(base + "/api/v1/devices/" + first),
        }
        nxt, times, count = base + "/api/v1/devices?limit=200", [], 0
        while nxt:
            t = time.perf_counter(); r, b = get(nxt); times.append(time.perf_counter() - t)
            count += len(json.loads(b))
            links = [l for l in (r.headers.get_all("link") or []) if 'rel="next"' in l]
            nxt = re.search(r"<([^>]+)>", links[0]).group(1) if links else None
        print(f"{n:>7} devices: " + ", ".join(f"{k} {v:.2f} ms" for k, v in row.items())
              + f"; listed {count} in {len(times)} pages, median page {statistics.median(times)*1000:.2f} ms,"
              + f" last page {times[-1]*1000:.2f} ms")
    finally:
        p.terminate(); p.wait()
