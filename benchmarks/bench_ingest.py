"""Ingest of seeds/: time per stage and whole-run time against reading alone (decoding, lines, tables).

Baseline (same run): reading the bytes, decoding and finding the tables of every sample, the least any
pipeline must do. The ratio says what extraction, validation and writing cost on top."""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
REPEAT = 3


def baseline_seconds() -> float:
    from extractors.readers import read_document

    started = time.perf_counter()
    for path in sorted(SEEDS.glob("*.txt")):
        read_document(path.read_bytes(), path.name)  # decoding, lines and tables
    return time.perf_counter() - started


def ingest_seconds(out: Path) -> tuple[float, dict[str, float]]:
    from pipeline.ingest import ingest

    started = time.perf_counter()
    result = ingest([SEEDS], out)
    return time.perf_counter() - started, result.report.seconds_per_stage


def main() -> None:
    from pipeline.stages import default_extractors

    default_extractors()  # import cost is not per-run cost
    with tempfile.TemporaryDirectory() as tmp:
        ingest_seconds(Path(tmp) / "warm")  # warm caches (gazetteer, GiNZA) once
        base = min(baseline_seconds() for _ in range(REPEAT))
        runs = [ingest_seconds(Path(tmp) / f"run{i}") for i in range(REPEAT)]
        tracemalloc.start()
        ingest_seconds(Path(tmp) / "mem")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    best, stages = min(runs, key=lambda r: r[0])
    print(f"baseline read of {len(list(SEEDS.glob('*.txt')))} samples: {base * 1000:.1f} ms")
    print(f"full ingest (best of {REPEAT}): {best * 1000:.1f} ms  ratio {best / base:.1f}x baseline")
    for stage, seconds in stages.items():
        print(f"  stage {stage:<9} {seconds * 1000:8.1f} ms")
    print(f"peak traced Python memory during ingest: {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
