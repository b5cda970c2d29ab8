"""Benchmarks: `make bench`. They measure; they never assert wall-clock limits."""
