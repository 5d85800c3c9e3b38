"""Speed and memory measurements. Run all with `make bench` (``python -m benchmarks``).

Each benchmark prints its figures with a ratio against a baseline measured in the same run,
so numbers from different machines stay comparable. Tests never assert on time."""
