"""Benchmarks of the API against two baselines: `python -m bench.run` (see bench/README.md)."""
