"""Run the benchmark modules of this package (``bench_*.py``): all of them, or those named.

    python -m benchmarks            # every benchmark
    python -m benchmarks matrix pdf # bench_matrix and bench_pdf only
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import benchmarks


def main(names: list[str]) -> None:
    available = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in names] or available
    unknown = sorted(set(wanted) - set(available))
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(a[6:] for a in available)}")
    for name in wanted:
        print(f"== {name}", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
