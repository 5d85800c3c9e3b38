"""Participation-matrix recovery on every kind of matrix the project has, in one run.

Sources: the generated corpus of the tests (32 damaged matrices of known truth,
tests/matrix_corpus.py), three plan-sized cases (100 projects x 30 members, the most a plan
prints; target under 1 s each), the seeds, the committed test PDFs and the layout fuzzer's
committed participation renderings (tests/fixtures/fuzz). Baseline (same run): reading the
source's documents and parsing their matrices, the least any extractor must do; each solver of
``SOLVERS`` (the swap point: an entry point ``evidence_to_recovery`` per module) then recovers
each matrix.

Printed per source and solver: cells, accuracy (generated cases only: they carry the truth),
wrong cells not flagged ambiguous (must be 0), flagged cells, matrices not certified optimal,
total and slowest recovery time, and the total against the reading baseline. A plan-sized
matrix is recovered ``PLAN_REPEATS`` times and the fastest run counts, as ``timeit`` does: this
shared machine's speed drifts by up to a factor of two from minute to minute, and nothing is
kept between runs (recovery has no cache). With more than one solver, cells the solvers read
differently are counted too: on documents without a truth such a cell is wrong for one of
them, an "unflagged disagreement" for a solver not flagging it.

The plain formulation of issue 18 (every reading within a damage window, one MILP, other
readings by re-solving) was measured against this solver on these sources and retired; the
figures and the decision are in the README (Participation matrices).

    make bench BENCH=matrix        # or: .venv/bin/python -m benchmarks matrix
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLVERS = {"exact MILP": "extractors.matrix.recovery"}
CORPUS_SIZE = 32
PLAN_CASES = 3
PLAN_SIZE = (100, 30)
PLAN_TARGET = 1.0  # seconds for one plan-sized matrix
PLAN_REPEATS = 3  # plan-sized matrices are recovered this many times, the fastest run counts


@dataclass
class Matrix:
    """One matrix's evidence and, for a generated case, the true states."""

    name: str
    evidence: object
    truth: tuple[tuple[int, ...], ...] | None = None


@dataclass
class Tally:
    """One solver's figures over one source (cell counts, matrices not certified, seconds)."""

    cells: int = 0
    right: int = 0
    unflagged_wrong: int = 0
    flagged: int = 0
    differing: int = 0
    unflagged_differing: int = 0
    uncertified: int = 0
    seconds: list[float] = field(default_factory=list)


def document_matrices(paths: list[Path]) -> list[Matrix]:
    """The evidence of every participation matrix the extractor finds in ``paths``."""
    import extractors.content.participation as participation
    from extractors.content.base import ExtractContext
    from extractors.readers import read_document

    found: list[Matrix] = []
    recover = participation.evidence_to_recovery
    for path in paths:
        def capture(evidence, model=None, _name=path.name):
            found.append(Matrix(f"{_name}#{sum(m.name.startswith(_name) for m in found)}", evidence))
            return recover(evidence, model)
        participation.evidence_to_recovery = capture
        try:
            document = read_document(path.read_bytes(), path.name)
            if hasattr(document, "tables"):
                participation.ParticipationExtractor().extract(document, document.tables, ExtractContext())
        finally:
            participation.evidence_to_recovery = recover
    return found


def generated_matrices(cases) -> list[Matrix]:
    from extractors.content.participation_layout import matrix_to_evidence, table_to_matrices
    from extractors.normalize.gazetteer import default_gazetteer
    from extractors.readers import read_document

    out = []
    for case in cases:
        document = read_document(case.text.encode("utf-8"), f"matrix-{case.seed}.txt")
        matrices = [m for t in document.tables for m in table_to_matrices(t, default_gazetteer())]  # type: ignore[union-attr]
        evidence, _ = matrix_to_evidence(matrices[0])
        out.append(Matrix(f"case {case.seed}", evidence, tuple(p.states for p in case.projects)))
    return out


def sources() -> dict[str, Callable[[], list[Matrix]]]:
    """Each source's name and how to read its matrices (timed: the baseline)."""
    from tests.matrix_corpus import make_case, make_corpus

    n_projects, n_members = PLAN_SIZE
    fixtures = ROOT / "tests" / "fixtures"
    return {
        f"corpus ({CORPUS_SIZE})": lambda: generated_matrices(make_corpus(CORPUS_SIZE)),
        f"plan {n_projects}x{n_members}": lambda: generated_matrices(
            [make_case(10000 + i, n_members=n_members, n_projects=n_projects) for i in range(PLAN_CASES)]),
        "seeds": lambda: document_matrices(sorted((ROOT / "seeds").glob("*.txt"))),
        "test PDFs": lambda: document_matrices(sorted(fixtures.glob("*.pdf")) + sorted((ROOT / "tests" / "real").glob("*.pdf"))),
        "fuzz": lambda: document_matrices(sorted((fixtures / "fuzz").glob("participation-*"))),
    }


def score(matrices: list[Matrix], recoveries: dict[str, list], seconds: dict[str, list[float]]) -> dict[str, Tally]:
    tallies = {name: Tally(seconds=seconds[name]) for name in recoveries}
    for i, matrix in enumerate(matrices):
        readings = {name: recs[i] for name, recs in recoveries.items()}
        for name, rec in readings.items():
            tally = tallies[name]
            tally.uncertified += not rec.certified
            for r, row in enumerate(rec.states):
                for c, state in enumerate(row):
                    flagged = rec.ambiguous[r][c]
                    tally.cells += 1
                    tally.flagged += flagged
                    if matrix.truth is not None:
                        right = state == matrix.truth[r][c]
                        tally.right += right
                        tally.unflagged_wrong += not right and not flagged
                    if any(other.states[r][c] != state for other in readings.values()):
                        tally.differing += 1
                        tally.unflagged_differing += not flagged
    return tallies


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from extractors.normalize.gazetteer import default_gazetteer

    default_gazetteer()  # loading the reference data is no per-matrix cost
    solvers = {name: importlib.import_module(module).evidence_to_recovery for name, module in SOLVERS.items()}
    several = len(solvers) > 1
    print(f"{'source':<16} {'solver':<10} {'matrices':>8} {'cells':>7} {'accuracy':>9} {'wrong unflagged':>15} {'flagged':>8} "
          + (f"{'differ':>7} {'differ unflagged':>16} " if several else "")
          + f"{'uncertified':>11} {'read s':>7} {'recover s':>9} {'ratio':>6} {'slowest s':>9}")
    for source, read in sources().items():
        started = time.perf_counter()
        matrices = read()
        reading = time.perf_counter() - started
        recoveries: dict[str, list] = {name: [] for name in solvers}
        seconds: dict[str, list[float]] = {name: [] for name in solvers}
        repeats = PLAN_REPEATS if source.startswith("plan") else 1
        for matrix in matrices:
            for name, solve in solvers.items():
                runs = []
                for _ in range(repeats):
                    started = time.perf_counter()
                    recovery = solve(matrix.evidence)
                    runs.append(time.perf_counter() - started)
                recoveries[name].append(recovery)
                seconds[name].append(min(runs))
        for name, t in score(matrices, recoveries, seconds).items():
            known = bool(matrices) and matrices[0].truth is not None
            accuracy = f"{t.right / t.cells:.4f}" if known and t.cells else "-"
            print(f"{source:<16} {name:<10} {len(matrices):>8} {t.cells:>7} {accuracy:>9} {t.unflagged_wrong if known else '-':>15} "
                  f"{t.flagged:>8} " + (f"{t.differing:>7} {t.unflagged_differing:>16} " if several else "")
                  + f"{t.uncertified:>11} {reading:>7.2f} {sum(t.seconds):>9.2f} {sum(t.seconds) / reading:>5.2f}x "
                  f"{max(t.seconds, default=0.0):>9.2f}", flush=True)
        if source.startswith("plan"):
            for name in solvers:
                worst = max(seconds[name], default=0.0)
                print(f"{source}: {name} slowest {worst:.2f} s (target < {PLAN_TARGET:g} s: {'met' if worst < PLAN_TARGET else 'NOT met'})")


if __name__ == "__main__":
    main()
