"""Participation-matrix recovery: every solver of ``SOLVERS`` on the same matrices, in one run.

Sources: the generated corpus of the tests (32 damaged matrices of known truth,
tests/matrix_corpus.py), three plan-sized cases (100 projects x 30 members, the most a plan
prints; target under 1 s each), the seeds, the committed test PDFs and the layout fuzzer's
committed participation renderings (tests/fixtures/fuzz). The matrices are read once (the
reading is not timed); each solver then recovers each of them.

Printed per source and solver: cells, accuracy (generated cases only: they carry the truth),
wrong cells not flagged ambiguous (must be 0), flagged cells, cells the solvers read
differently, matrices not certified optimal, total and slowest time. On documents without a
truth, a cell two solvers read differently is wrong for one of them: it counts as "unflagged
disagreement" for a solver that does not flag it.

    make bench BENCH=matrix        # or: .venv/bin/python -m benchmarks matrix
"""

from __future__ import annotations

import importlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLVERS = {"current": "extractors.matrix.recovery", "plain": "extractors.matrix.exact"}
CORPUS_SIZE = 32
PLAN_CASES = 3
PLAN_SIZE = (100, 30)
PLAN_TARGET = 1.0  # seconds for one plan-sized matrix


@dataclass
class Matrix:
    """One matrix's evidence and, for a generated case, the true states."""

    name: str
    evidence: object
    truth: tuple[tuple[int, ...], ...] | None = None


@dataclass
class Tally:
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


def sources() -> dict[str, list[Matrix]]:
    from tests.matrix_corpus import make_case, make_corpus

    n_projects, n_members = PLAN_SIZE
    fixtures = ROOT / "tests" / "fixtures"
    return {
        f"corpus ({CORPUS_SIZE})": generated_matrices(make_corpus(CORPUS_SIZE)),
        f"plan {n_projects}x{n_members}": generated_matrices(
            [make_case(10000 + i, n_members=n_members, n_projects=n_projects) for i in range(PLAN_CASES)]),
        "seeds": document_matrices(sorted((ROOT / "seeds").glob("*.txt"))),
        "test PDFs": document_matrices(sorted(fixtures.glob("*.pdf")) + sorted((ROOT / "tests" / "real").glob("*.pdf"))),
        "fuzz": document_matrices(sorted((fixtures / "fuzz").glob("participation-*"))),
    }


def score(matrices: list[Matrix], recoveries: dict[str, list], seconds: dict[str, list[float]]) -> dict[str, Tally]:
    tallies = {name: Tally(seconds=seconds[name]) for name in recoveries}
    for i, matrix in enumerate(matrices):
        readings = {name: recs[i] for name, recs in recoveries.items()}
        for name, rec in readings.items():
            tally = tallies[name]
            if rec is None:
                tally.uncertified += 1
                continue
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
                    if any(other is not None and other.states[r][c] != state for other in readings.values()):
                        tally.differing += 1
                        tally.unflagged_differing += not flagged
    return tallies


def main() -> None:
    sys.path.insert(0, str(ROOT))
    solvers = {name: importlib.import_module(module).evidence_to_recovery for name, module in SOLVERS.items()}
    print(f"{'source':<16} {'solver':<8} {'matrices':>8} {'cells':>7} {'accuracy':>9} {'wrong unflagged':>15} "
          f"{'flagged':>8} {'differ':>7} {'differ unflagged':>16} {'uncertified':>11} {'total s':>8} {'slowest s':>9}")
    for source, matrices in sources().items():
        recoveries: dict[str, list] = {name: [] for name in solvers}
        seconds: dict[str, list[float]] = {name: [] for name in solvers}
        for matrix in matrices:
            for name, solve in solvers.items():
                started = time.perf_counter()
                try:
                    recoveries[name].append(solve(matrix.evidence))
                except Exception as error:  # noqa: BLE001 - a solver that fails on a matrix is a figure here
                    print(f"{source}: {name} failed on {matrix.name}: {error!r}", flush=True)
                    recoveries[name].append(None)
                seconds[name].append(time.perf_counter() - started)
        for name, t in score(matrices, recoveries, seconds).items():
            accuracy = f"{t.right / t.cells:.4f}" if matrices and matrices[0].truth is not None and t.cells else "-"
            print(f"{source:<16} {name:<8} {len(matrices):>8} {t.cells:>7} {accuracy:>9} "
                  f"{t.unflagged_wrong if accuracy != '-' else '-':>15} {t.flagged:>8} {t.differing:>7} "
                  f"{t.unflagged_differing:>16} {t.uncertified:>11} {sum(t.seconds):>8.2f} {max(t.seconds, default=0.0):>9.2f}",
                  flush=True)
        if source.startswith("plan"):
            for name in solvers:
                worst = max(seconds[name], default=0.0)
                print(f"{source}: {name} slowest {worst:.2f} s (target < {PLAN_TARGET:g} s: "
                      f"{'met' if worst < PLAN_TARGET else 'NOT met'})")


if __name__ == "__main__":
    main()
