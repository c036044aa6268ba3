"""How long a ZIP code lookup takes in process (SPEC budget: under 1 ms).

Looks up every ZIP code in the data file, several times, and reports the median and the 99th
percentile. Run with `make bench` or `.venv/bin/python bench/zip_lookup.py`.
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from widget.call.congress import congress_data  # noqa: E402
from widget.call.congress import lookup_targets_by_zip  # noqa: E402

BUDGET_MS = 1.0
ROUNDS = 3


def main():
    started = time.perf_counter()
    data = congress_data()
    load_ms = (time.perf_counter() - started) * 1000
    codes = sorted(data.seats_by_zip) + ["12345", "99999"]
    timings = []
    for _ in range(ROUNDS):
        for code in codes:
            begin = time.perf_counter_ns()
            lookup_targets_by_zip(code, data=data)
            timings.append((time.perf_counter_ns() - begin) / 1e6)
    timings.sort()
    median = statistics.median(timings)
    p99 = timings[int(len(timings) * 0.99)]
    worst = timings[-1]
    print(f"zip lookup: {len(codes)} ZIP codes x {ROUNDS}: median {median * 1000:.1f} µs, "
          f"p99 {p99 * 1000:.1f} µs, worst {worst * 1000:.1f} µs (budget {BUDGET_MS} ms); "
          f"data file loaded once per process in {load_ms:.0f} ms")
    return 0 if p99 < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
