"""Participation-matrix recovery: time and accuracy for 100 projects x 30 members and 300 x 60.

Each size is a few generated damaged matrices of known truth (tests/matrix_corpus.py). Baseline
(same run): reading the text and parsing the matrix (header, rows, totals), the least any
extractor must do; the ratio says what the exact recovery costs on top. Accuracy is printed
beside the naive reading (the marks as printed, column by column) to show what recovery buys.
Targets from the issue: under 1 s for 100 x 30 and under 10 s for 300 x 60.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = ((100, 30, 1.0), (300, 60, 10.0))
CASES = 3


def parse_seconds(text: str):
    from extractors.document import BlockKind
    from extractors.gazetteer import default_gazetteer
    from extractors.participation import block_to_matrices, matrix_to_evidence
    from extractors.readers import read_document
    from extractors.segment import document_to_blocks

    started = time.perf_counter()
    document = read_document(text.encode("utf-8"), "matrix.txt")
    blocks = document_to_blocks(document)  # type: ignore[arg-type]
    matrices = [m for b in blocks if b.kind is BlockKind.TABLE for m in block_to_matrices(b, default_gazetteer())]
    evidence, _ = matrix_to_evidence(matrices[0])
    return time.perf_counter() - started, evidence


def naive_states(evidence) -> list[list[int]]:
    """The marks as printed, cell i on member i: what a plain extractor would report."""
    code = {"●": 1, "○": 2}
    return [[code.get(t, 0) for t in (list(row.tokens) + [""] * evidence.n_columns)[: evidence.n_columns]] for row in evidence.rows]


def accuracy(states, case) -> float:
    cells = [(s, t) for row, p in zip(states, case.projects, strict=True) for s, t in zip(row, p.states, strict=True)]
    return sum(s == t for s, t in cells) / len(cells)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from extractors.gazetteer import default_gazetteer
    from extractors.matrix_recovery import evidence_to_recovery
    from tests.matrix_corpus import make_case

    default_gazetteer()  # loading the reference data is not per-matrix cost
    print(f"{'size':>9} {'case':>4} {'parse ms':>9} {'recover s':>10} {'ratio':>8} {'solves':>6} {'certified':>9} "
          f"{'accuracy':>9} {'naive':>7} {'ambiguous':>9}")
    for n_projects, n_members, target in SIZES:
        times = []
        for i in range(CASES):
            case = make_case(7000 + 100 * n_members + i, n_members=n_members, n_projects=n_projects)
            parse, evidence = parse_seconds(case.text)
            started = time.perf_counter()
            recovery = evidence_to_recovery(evidence)
            seconds = time.perf_counter() - started
            times.append(seconds)
            flagged = sum(sum(row) for row in recovery.ambiguous)
            print(f"{n_projects:>4}x{n_members:<4} {i:>4} {parse * 1000:>9.1f} {seconds:>10.2f} {seconds / parse:>7.0f}x "
                  f"{recovery.solves:>6} {str(recovery.certified):>9} {accuracy(recovery.states, case):>9.4f} "
                  f"{accuracy(naive_states(evidence), case):>7.4f} {flagged:>9}")
        worst = max(times)
        print(f"{n_projects}x{n_members}: worst {worst:.2f} s, median {sorted(times)[len(times) // 2]:.2f} s "
              f"(target < {target:g} s: {'met' if worst < target else 'NOT met'})")


if __name__ == "__main__":
    main()
