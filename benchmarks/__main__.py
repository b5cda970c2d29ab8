"""`make bench`: every benchmark in one run, so the ratios compare like with like."""

from __future__ import annotations

import importlib
import signal
import sys

BENCHMARKS = [
    "benchmarks.ingestion",
    "benchmarks.freshness",
    "benchmarks.webhook_receipt",
    "benchmarks.page_loads",
    "benchmarks.event_table",
    "benchmarks.tracking_api",
]


def main(names: list[str]) -> None:
    # A benchmark stopped by SIGTERM (a timeout) still runs its cleanup: scratch servers are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    for name in names or BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        importlib.import_module(name).main()


if __name__ == "__main__":
    main([f"benchmarks.{n}" for n in sys.argv[1:]])
