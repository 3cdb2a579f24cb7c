"""Drive an HTTP server with a request mix from many threads for a bounded time.

Run as a separate process so that the client's work does not share the
server's interpreter. Prints one JSON line: requests, errors, throughput and
latency percentiles per kind of request and overall.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import threading
import time
from urllib.parse import urlsplit


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the values fall."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    """Parse arguments, run the clients, print the summary."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--mix", required=True, help="JSON list of request specs")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=200_000)
    args = parser.parse_args()

    target = urlsplit(args.url)
    mix = json.loads(args.mix)
    weights = [spec.get("weight", 1) for spec in mix]
    bodies = {
        i: bytes.fromhex(spec["body_hex"]) if spec.get("body_hex") else None
        for i, spec in enumerate(mix)
    }
    deadline = time.monotonic() + args.seconds
    lock = threading.Lock()
    latencies: dict[str, list[float]] = {spec["name"]: [] for spec in mix}
    errors: dict[str, int] = {spec["name"]: 0 for spec in mix}
    sent = [0]

    def client() -> None:
        connection = http.client.HTTPConnection(
            target.hostname, target.port, timeout=30
        )
        rng = random.Random()
        while time.monotonic() < deadline:
            with lock:
                if sent[0] >= args.max_requests:
                    return
                sent[0] += 1
            index = rng.choices(range(len(mix)), weights)[0]
            spec = mix[index]
            started = time.perf_counter()
            try:
                connection.request(
                    spec.get("method", "GET"),
                    spec["path"],
                    body=bodies[index],
                    headers=spec.get("headers", {}),
                )
                response = connection.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection(
                    target.hostname, target.port, timeout=30
                )
            elapsed = time.perf_counter() - started
            with lock:
                latencies[spec["name"]].append(elapsed)
                if not ok:
                    errors[spec["name"]] += 1
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started

    every = [value for values in latencies.values() for value in values]
    summary = {
        "seconds": round(wall, 2),
        "clients": args.clients,
        "requests": len(every),
        "errors": sum(errors.values()),
        "throughput": round(len(every) / wall, 1) if wall else 0.0,
        "p50_ms": round(percentile(every, 0.50) * 1000, 2),
        "p99_ms": round(percentile(every, 0.99) * 1000, 2),
        "mean_ms": round(statistics.fmean(every) * 1000, 2) if every else 0.0,
        "by_kind": {
            name: {
                "requests": len(values),
                "errors": errors[name],
                "p50_ms": round(percentile(values, 0.50) * 1000, 2),
                "p99_ms": round(percentile(values, 0.99) * 1000, 2),
            }
            for name, values in latencies.items()
        },
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
