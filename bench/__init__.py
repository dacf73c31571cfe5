"""Reproducible benchmarks on the real data in ../shared/data, written to docs/benchmarks.md."""
