"""`make bench`: every benchmark in one run, so the ratios compare like with like."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ["benchmarks.ingestion", "benchmarks.event_table"]


def main(names: list[str]) -> None:
    for name in names or BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        importlib.import_module(name).main()


if __name__ == "__main__":
    main([f"benchmarks.{n}" for n in sys.argv[1:]])
