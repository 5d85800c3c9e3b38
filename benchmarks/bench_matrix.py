"""Participation-matrix recovery: time and accuracy for 100 projects x 30 members and 300 x 60.

Each size is a few generated damaged matrices of known truth (tests/matrix_corpus.py). Baseline
(same run): reading the text and parsing the matrix (header, rows, totals), the least any
extractor must do; the ratio says what the exact recovery costs on top. Accuracy is printed
beside the naive reading (the marks as printed, column by column) to show what recovery buys.
Targets from the issue: under 1 s for 100 x 30 and under 10 s for 300 x 60.

Each case runs in a worker process stopped after ``STOP_AFTER`` times its size's target (at
least a minute), so the benchmark always ends and says which cases did not finish. A case whose
first recovery takes under ``REPEAT_BELOW`` times the target is recovered ``REPEATS`` times in
that process and the fastest run counts, as ``timeit`` does: this machine's speed drifts by up
to a factor of two from minute to minute (the parse baseline drifts with it), and the fastest of
a few runs is the best estimate of what the code itself costs. The first run is printed too.
Nothing is kept between runs (recovery has no cache), so every run does the whole work.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = ((100, 30, 1.0), (300, 60, 10.0))
CASES = 3
STOP_AFTER = 20
REPEATS = 3
REPEAT_BELOW = 3.0


def parse_seconds(text: str):
    from extractors.content.participation import matrix_to_evidence, table_to_matrices
    from extractors.normalize.gazetteer import default_gazetteer
    from extractors.readers import read_document

    started = time.perf_counter()
    document = read_document(text.encode("utf-8"), "matrix.txt")
    matrices = [m for t in document.tables for m in table_to_matrices(t, default_gazetteer())]  # type: ignore[union-attr]
    evidence, _ = matrix_to_evidence(matrices[0])
    return time.perf_counter() - started, evidence


def naive_states(evidence) -> list[list[int]]:
    """The marks as printed, cell i on member i: what a plain extractor would report."""
    code = {"●": 1, "○": 2}
    return [[code.get(t, 0) for t in (list(row.tokens) + [""] * evidence.n_columns)[: evidence.n_columns]] for row in evidence.rows]


def accuracy(states, case) -> float:
    cells = [(s, t) for row, p in zip(states, case.projects, strict=True) for s, t in zip(row, p.states, strict=True)]
    return sum(s == t for s, t in cells) / len(cells)


@dataclass(frozen=True)
class CaseResult:
    parse: float
    seconds: float  # fastest run
    first: float
    solves: int
    certified: bool
    accuracy: float
    naive: float
    flagged: int


def run_case(seed: int, n_members: int, n_projects: int, target: float) -> CaseResult:
    from extractors.matrix.recovery import evidence_to_recovery
    from extractors.normalize.gazetteer import default_gazetteer
    from tests.matrix_corpus import make_case

    default_gazetteer()  # loading the reference data is not per-matrix cost
    case = make_case(seed, n_members=n_members, n_projects=n_projects)
    parses, runs = [], []
    while True:
        parse, evidence = parse_seconds(case.text)
        started = time.perf_counter()
        recovery = evidence_to_recovery(evidence)
        runs.append(time.perf_counter() - started)
        parses.append(parse)
        if len(runs) >= REPEATS or runs[0] >= REPEAT_BELOW * target:
            break
    return CaseResult(min(parses), min(runs), runs[0], recovery.solves, recovery.certified, accuracy(recovery.states, case),
                      accuracy(naive_states(evidence), case), sum(sum(row) for row in recovery.ambiguous))


def _seconds(value: float) -> str:
    return "not finished" if value == float("inf") else f"{value:.2f} s"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    print(f"{'size':>9} {'case':>4} {'parse ms':>9} {'recover s':>10} {'first s':>8} {'ratio':>8} {'solves':>6} {'certified':>9} "
          f"{'accuracy':>9} {'naive':>7} {'ambiguous':>9}")
    context = multiprocessing.get_context("spawn")
    for n_projects, n_members, target in SIZES:
        times = []
        limit = max(60.0, STOP_AFTER * target)
        for i in range(CASES):
            with context.Pool(1) as pool:
                job = pool.apply_async(run_case, (7000 + 100 * n_members + i, n_members, n_projects, target))
                try:
                    r = job.get(timeout=limit)
                except multiprocessing.TimeoutError:
                    pool.terminate()
                    times.append(float("inf"))
                    print(f"{n_projects:>4}x{n_members:<4} {i:>4} {'':>9} {'> ' + format(limit, 'g'):>10}  not finished: stopped")
                    continue
            times.append(r.seconds)
            print(f"{n_projects:>4}x{n_members:<4} {i:>4} {r.parse * 1000:>9.1f} {r.seconds:>10.2f} {r.first:>8.2f} {r.seconds / r.parse:>7.0f}x "
                  f"{r.solves:>6} {str(r.certified):>9} {r.accuracy:>9.4f} {r.naive:>7.4f} {r.flagged:>9}")
        worst, median = max(times), sorted(times)[len(times) // 2]
        print(f"{n_projects}x{n_members}: worst {_seconds(worst)}, median {_seconds(median)} "
              f"(target < {target:g} s: {'met' if worst < target else 'NOT met'})")


if __name__ == "__main__":
    main()
